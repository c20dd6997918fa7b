import { expect } from 'vitest'
import { CasinoError } from '../../src/errors'
import type { CasinoEvents } from '../../src/events'
import type { RpcClient, TransactionJson } from '../../src/solana/rpc'
import type { Bet, CasinoStore } from '../../src/store/types'
import type { createFakeChain } from './fake-chain'

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

/** Polls `check` every 20 ms until it holds, for `ms` on the monotonic clock (a test may move Date on). */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 60_000, what = 'condition'): Promise<void> {
  const end = performance.now() + ms
  while (!(await check())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`)
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
  /** Bets placed by calls that were written but answered with an error (a lost reply). */
  lostPlaced: Set<string>
  /** Calls made behind a call whose reply was lost, and written. */
  writtenBehindLost: number
}

/**
 * `inner` as a store that pipelines batches (`pipelinesBatches`), by the contract's rules: calls are
 * applied in call order, each after `delayMs`; one made while another is in flight is refused when that
 * one failed; `expectCursor` is checked. `failRate` of the calls fail (before writing anything), and
 * `lostReplyRate` of the calls made behind another (the groups an indexer sends ahead) are written but
 * answered with an error (as when a connection drops after COMMIT); with `lostAnyCall`, of every call
 * (first attempts and retries too).
 */
export function pipelined(
  inner: CasinoStore,
  options: { delayMs: number, failRate: number, lostReplyRate?: number, lostAnyCall?: boolean, random: () => number },
): CasinoStore & { counts: PipelineCounts } {
  const counts: PipelineCounts = { behind: 0, failed: 0, refused: 0, lostPlaced: new Set(), writtenBehindLost: 0 }
  /** Whether the last call was written but answered with an error. */
  let tailLost: Promise<boolean> = Promise.resolve(false)
  let tail: Promise<boolean> = Promise.resolve(true)
  let inFlight = 0
  const refuse = (why: string) => {
    counts.refused++
    return new CasinoError('STORE_ERROR', `pipelined batch not written: ${why}`)
  }
  return {
    ...inner,
    // Only applyBatch is modelled: a packed path of the inner store would skip every failure injected here.
    applyPackedBatch: undefined,
    counts,
    pipelinesBatches: true,
    applyBatch(batch) {
      const after = inFlight > 0
      if (after) counts.behind++
      inFlight++
      const previous = tail
      const previousLost = tailLost
      let lost = false
      const run = (async () => {
        const committed = await previous
        const behindLost = after && await previousLost
        await new Promise(resolve => setTimeout(resolve, options.delayMs))
        if (after && !committed) throw refuse('the batch before it failed')
        if (batch.expectCursor !== undefined && (await inner.getCursor())?.signature !== batch.expectCursor) throw refuse('not at its expected cursor')
        const dice = options.random()
        if (dice < options.failRate) {
          counts.failed++
          throw new CasinoError('STORE_ERROR', 'injected failure')
        }
        const result = await inner.applyBatch(batch)
        if ((after || options.lostAnyCall) && dice < options.failRate + (options.lostReplyRate ?? 0)) {
          lost = true
          for (const bet of result.placed) counts.lostPlaced.add(bet.id)
          throw new CasinoError('STORE_ERROR', 'injected lost reply (written)')
        }
        if (behindLost) counts.writtenBehindLost++
        return result
      })()
      tail = run.then(() => true, () => lost)
      tailLost = run.then(() => false, () => lost)
      return run.finally(() => {
        inFlight--
      })
    },
  }
}

/**
 * The fake chain's RPC client with `fetchTransactionsBatch` (raw JSON-RPC batch bodies, as the decode
 * thread takes them): of each batch's calls, one in ten is answered -32005 (node behind) and one in ten
 * null (not served yet), so fetches are retried in pieces and blocks interleave.
 */
export function rawBatchRpc(chain: ReturnType<typeof createFakeChain>, random: () => number): RpcClient {
  const client = chain.rpc()
  const json = new Map(chain.txs.map(t => [t.info.signature, t.json]))
  let nextId = 1
  return {
    ...client,
    async fetchTransactionsBatch(signatures) {
      const first = nextId
      nextId += signatures.length
      const answers = signatures.map((signature, i) => {
        const r = random()
        if (r < 0.1) return { jsonrpc: '2.0', id: first + i, error: { code: -32005, message: 'Node is behind' } }
        return { jsonrpc: '2.0', id: first + i, result: r < 0.2 ? null : json.get(signature) ?? null }
      })
      return { bytes: new TextEncoder().encode(JSON.stringify(answers)), first }
    },
  }
}

/** What {@link countPublished} saw. */
export interface Published {
  /** Times each bet was published as placed, by id. */
  placed: Map<string, number>
  /** Times each bet was published as settled, by id. */
  settled: Map<string, number>
  /** Bets published settled before they were published placed. */
  settledBeforePlaced: string[]
}

/** Counts every bet.placed and bet.settled `events` publishes. */
export function countPublished(events: CasinoEvents): Published {
  const seen: Published = { placed: new Map(), settled: new Map(), settledBeforePlaced: [] }
  events.on('bet.placed', bet => seen.placed.set(bet.id, (seen.placed.get(bet.id) ?? 0) + 1))
  events.on('bet.settled', (bet) => {
    if (!seen.placed.has(bet.id)) seen.settledBeforePlaced.push(bet.id)
    seen.settled.set(bet.id, (seen.settled.get(bet.id) ?? 0) + 1)
  })
  return seen
}

/** Asserts that each of `bets` bets was published placed once, then settled once. */
export function expectEachPublishedOnce(seen: Published, bets: number): void {
  expect(seen.settledBeforePlaced).toEqual([])
  expect([...seen.placed.values()].filter(n => n !== 1)).toEqual([])
  expect(seen.placed.size).toBe(bets)
  expect([...seen.settled.values()].filter(n => n !== 1)).toEqual([])
  expect(seen.settled.size).toBe(bets)
}

/**
 * `base` with every transaction it answers passed through `change`: one request each, in batches, and in
 * the raw batch bodies the decode thread reads.
 */
export function answering(base: RpcClient, change: (signature: string, tx: TransactionJson | null) => TransactionJson | null): RpcClient {
  return {
    ...base,
    getTransaction: async (signature: string) => change(signature, await base.getTransaction(signature)),
    getTransactions: base.getTransactions && (async (signatures: readonly string[]) =>
      (await base.getTransactions!(signatures)).map((a, i) => (a.ok ? { ok: true as const, value: change(signatures[i]!, a.value) } : a))),
    fetchTransactionsBatch: base.fetchTransactionsBatch && (async (signatures: readonly string[]) => {
      const raw = await base.fetchTransactionsBatch!(signatures)
      const answers = JSON.parse(new TextDecoder().decode(raw.bytes)) as { result?: TransactionJson | null }[]
      answers.forEach((a, i) => {
        if (a.result !== undefined) a.result = change(signatures[i]!, a.result)
      })
      return { ...raw, bytes: new TextEncoder().encode(JSON.stringify(answers)) }
    }),
  }
}
