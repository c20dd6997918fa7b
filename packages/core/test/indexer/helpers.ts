import { expect } from 'vitest'
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
