import { expect } from 'vitest'
import { CasinoError } from '../../src/errors'
import type { Bet, CasinoStore } from '../../src/store/types'

/** Every bet of the store, newest first. */
export async function allBets(store: CasinoStore): Promise<Bet[]> {
  const out: Bet[] = []
  let cursor: string | undefined
  do {
    const page = await store.listBets({ limit: 100, cursor })
    out.push(...page.bets)
    cursor = page.nextCursor ?? undefined
  } while (cursor)
  return out
}

/** Asserts that the casino's and every player's totals equal the sums recomputed from the bets. */
export async function expectTotalsMatchBets(store: CasinoStore, bets: Bet[]): Promise<void> {
  const settled = bets.filter(b => b.status === 'settled')
  const stats = await store.stats(Date.now())
  expect(stats.totalBets).toBe(settled.length)
  expect(stats.pendingBets).toBe(bets.length - settled.length)
  expect(stats.totalWagered).toBe(settled.reduce((s, b) => s + b.wager, 0n))
  expect(stats.totalPayout).toBe(settled.reduce((s, b) => s + (b.payout ?? 0n), 0n))
  expect(stats.totalWins).toBe(settled.filter(b => b.won).length)
  const byPlayer = new Map<string, Bet[]>()
  for (const bet of settled) byPlayer.set(bet.player, [...(byPlayer.get(bet.player) ?? []), bet])
  for (const [wallet, own] of byPlayer) {
    const player = (await store.getPlayer(wallet))!
    expect(player.totalBets, wallet).toBe(own.length)
    expect(player.totalWins, wallet).toBe(own.filter(b => b.won).length)
    expect(player.totalWagered, wallet).toBe(own.reduce((s, b) => s + b.wager, 0n))
    expect(player.totalPayout, wallet).toBe(own.reduce((s, b) => s + (b.payout ?? 0n), 0n))
  }
}

/** Polls `check` every 20 ms until it holds. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 60_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(r => setTimeout(r, 20))
  }
}

/** What {@link pipelined} counted. */
export interface PipelineCounts {
  /** Calls made while another was in flight. */
  behind: number
  /** Calls failed on purpose. */
  failed: number
  /** Calls refused: behind a failed one, or not at their `expectCursor`. */
  refused: number
}

/**
 * `inner` as a store that pipelines batches (`pipelinesBatches`), by the contract's rules: calls are
 * applied in call order, each after `delayMs`; one made while another is in flight is refused when that
 * one failed; `expectCursor` is checked. `failRate` of the calls fail (before writing anything).
 */
export function pipelined(inner: CasinoStore, options: { delayMs: number, failRate: number, random: () => number }): CasinoStore & { counts: PipelineCounts } {
  const counts: PipelineCounts = { behind: 0, failed: 0, refused: 0 }
  let tail: Promise<boolean> = Promise.resolve(true)
  let inFlight = 0
  const refuse = (why: string) => {
    counts.refused++
    return new CasinoError('STORE_ERROR', `pipelined batch not written: ${why}`)
  }
  return {
    ...inner,
    counts,
    pipelinesBatches: true,
    applyBatch(batch) {
      const after = inFlight > 0
      if (after) counts.behind++
      inFlight++
      const previous = tail
      const run = (async () => {
        const committed = await previous
        await new Promise(resolve => setTimeout(resolve, options.delayMs))
        if (after && !committed) throw refuse('the batch before it failed')
        if (batch.expectCursor !== undefined && (await inner.getCursor())?.signature !== batch.expectCursor) throw refuse('not at its expected cursor')
        if (options.random() < options.failRate) {
          counts.failed++
          throw new CasinoError('STORE_ERROR', 'injected failure')
        }
        return inner.applyBatch(batch)
      })()
      tail = run.then(() => true, () => false)
      return run.finally(() => {
        inFlight--
      })
    },
  }
}
