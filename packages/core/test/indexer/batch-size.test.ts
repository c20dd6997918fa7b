import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sqliteStore } from '@fare-casino/adapters/sqlite'
import { startLocalnet } from '@fare-casino/localnet'
import { afterAll, describe, expect, it } from 'vitest'
import { createCasinoEvents } from '../../src/events'
import { batchSizeAfterRefusal, createBatchSizer, isBatchRefusal } from '../../src/indexer/batch-size'
import { createIndexer } from '../../src/indexer/indexer'
import { readTransactionsBatch } from '../../src/solana/rpc'
import { RpcError } from '../../src/solana/rpc-errors'
import { allBets, waitFor } from './helpers'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const dir = mkdtempSync(join(tmpdir(), 'fare-batch-size-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The error the RPC client gives for a batch answered with `body`. */
function batchError(body: unknown): unknown {
  try {
    readTransactionsBatch(body, 1, 2)
  }
  catch (error) {
    return error
  }
  throw new Error('no error')
}

describe('what counts as a batch refusal', () => {
  it('is a batch the node will not take at that size, not a key, a URL or a transient failure', () => {
    // A node that caps batches or takes none answers the whole request with one error object.
    expect(isBatchRefusal(batchError({ jsonrpc: '2.0', error: { code: -32600, message: 'batch of 50 requests exceeds the limit of 10' }, id: null }))).toBe(true)
    expect(isBatchRefusal(batchError({ jsonrpc: '2.0', result: 5, id: 1 }))).toBe(true)
    const http = (status: number) => new RpcError('getTransaction', 'http', `getTransaction: HTTP ${status}`, { code: status, retryable: status === 429 || status >= 500 })
    expect(isBatchRefusal(http(413))).toBe(true)
    expect(isBatchRefusal(http(400))).toBe(true)
    for (const status of [401, 403, 404, 429, 500, 503]) expect(isBatchRefusal(http(status)), String(status)).toBe(false)
    // A node behind, as one error for the whole batch: retried as it is.
    expect(isBatchRefusal(batchError({ jsonrpc: '2.0', error: { code: -32005, message: 'Node is behind by 42 slots' }, id: null }))).toBe(false)
    expect(isBatchRefusal(new Error('socket hang up'))).toBe(false)
  })

  it('halves the size, never above the current one, never below 1; one call refused says nothing', () => {
    expect(batchSizeAfterRefusal(50, 50)).toBe(25)
    expect(batchSizeAfterRefusal(12, 50)).toBe(12)
    expect(batchSizeAfterRefusal(50, 3)).toBe(1)
    expect(batchSizeAfterRefusal(50, 1)).toBe(50)
  })

  it('grows a cut size back, doubling after each quiet interval, up to the configured size', () => {
    let clock = 1_000_000
    const sizer = createBatchSizer(50, { regrowMs: 1000, now: () => clock })
    expect(sizer.refused(50)).toBe(25)
    expect(sizer.refused(25)).toBe(12)
    clock += 999
    expect(sizer.size).toBe(12)
    clock += 1
    expect(sizer.size).toBe(24)
    clock += 1000
    expect(sizer.size).toBe(48)
    clock += 1000
    expect(sizer.size).toBe(50)
    clock += 10_000
    expect(sizer.size).toBe(50)
    // A client without batch requests: one call each, for good.
    sizer.single()
    clock += 10_000
    expect(sizer.size).toBe(1)
  })

  it('tries a size the node refused again less and less often, and reports only new lows', () => {
    let clock = 0
    const sizer = createBatchSizer(100, { regrowMs: 1000, now: () => clock })
    // The node caps at 40: cut to 50, then 25 (a new low each time).
    expect(sizer.refused(100)).toBe(50)
    expect(sizer.refused(50)).toBe(25)
    const tries: number[] = []
    for (let t = 0; t < 20_000; t += 100) {
      clock = t + 100
      if (sizer.size > 40) {
        tries.push(clock)
        // Refused again: back to 25, not news.
        expect(sizer.refused(sizer.size)).toBeUndefined()
      }
    }
    // Each refused regrow doubles the wait before the next try: 2 s, 4 s, 8 s apart.
    expect(tries.slice(1).map((t, i) => t - tries[i]!)).toEqual([2000, 4000, 8000])
    expect(sizer.size).toBe(25)
  })

  /**
   * Places `bets` bets of 4 players on a fresh localnet (after a spoofed genesis to start from), then
   * indexes them all into a fresh SQLite file through `fetchImpl`, fetching one batch at a time.
   */
  async function indexThrough(seed: number, bets: number, file: string, fetchImpl: typeof fetch, config: { fetchBatchSize: number, fetchBatchRegrowMs?: number }) {
    const net = await startLocalnet({ seed, slotMs: 20, resolveDelayMs: 10 })
    try {
      const owner = (await net.createPlayer()).publicKey
      const players = await Promise.all(Array.from({ length: 4 }, () => net.createPlayer({ tokens: 10n ** 30n })))
      const game = net.games[0]!.id
      const genesis = (await net.spoofEvent({ player: players[0]!, wager: 1n, game })).signature
      const trials: string[] = []
      for (let i = 0; i < bets; i++) trials.push((await net.placeBet({ player: players[i % players.length]!, wager: 1000n + BigInt(i), game, host: owner })).trialId)
      await net.waitForIdle()
      const store = sqliteStore({ file: join(dir, file) })
      await store.migrate()
      const indexer = createIndexer({
        store, events: createCasinoEvents(), logger: quiet,
        config: {
          rpcUrl: net.rpcUrl, ownerWallet: owner, start: { signature: genesis }, subscribe: false, pollInterval: 50,
          retryDelay: 5, slowRetryDelay: 20, concurrency: 1, fetch: fetchImpl, ...config,
        },
      })
      try {
        await indexer.start()
        await waitFor(async () => (await store.stats(Date.now())).totalBets === trials.length, 30_000, 'every bet')
      }
      finally {
        await indexer.stop()
      }
      expect((await allBets(store)).map(b => b.id).sort()).toEqual([...trials].sort())
      const refusals = (await store.listSystemEvents({ limit: 50 })).filter(e => e.type === 'indexer.batch_refused')
      await store.close()
      return refusals
    }
    finally {
      await net.close()
    }
  }

  /** The number of getTransaction calls in a request body. */
  const callsIn = (init: RequestInit) => String(init.body).split('"method":"getTransaction"').length - 1

  it('keeps full batches through a spell of HTTP 401 (a key the provider rejected for a while), and misses nothing', async () => {
    let unauthorized = 4
    const sizes: number[] = []
    const flakyKey = (async (url: string, init: RequestInit) => {
      const calls = callsIn(init)
      if (calls > 1 && unauthorized > 0) {
        unauthorized--
        return new Response('{"jsonrpc":"2.0","error":{"code":-32401,"message":"invalid api key"},"id":null}', { status: 401, headers: { 'content-type': 'application/json' } })
      }
      if (calls > 0) sizes.push(calls)
      return fetch(url, init)
    }) as typeof fetch
    const refusals = await indexThrough(41, 60, 'key.sqlite', flakyKey, { fetchBatchSize: 50 })
    expect(unauthorized).toBe(0)
    expect(refusals).toEqual([])
    // After the spell, batches as large as before it (the chain holds 121 transactions).
    expect(Math.max(...sizes)).toBe(50)
  })

  it('asks for full batches again a while after a stray refusal (a proxy answering one batch with a non-batch)', async () => {
    let stray = 1
    const sizes: number[] = []
    const proxy = (async (url: string, init: RequestInit) => {
      const calls = callsIn(init)
      if (calls > 1 && stray > 0) {
        stray--
        return new Response('{"jsonrpc":"2.0","result":5,"id":1}', { status: 200, headers: { 'content-type': 'application/json' } })
      }
      // The batches sent after the stray answer.
      if (calls > 0 && stray === 0) sizes.push(calls)
      return fetch(url, init)
    }) as typeof fetch
    const refusals = await indexThrough(43, 100, 'stray.sqlite', proxy, { fetchBatchSize: 20, fetchBatchRegrowMs: 1 })
    expect(stray).toBe(0)
    expect(refusals.map(e => e.metadata?.batchSize)).toEqual([10])
    // Cut to 10 by the stray answer (its own group sent again in two halves), then 20 again (the chain
    // holds 201 transactions). Without regrowth every batch after it held 10 at most.
    expect(sizes).toContain(10)
    expect(sizes).toContain(20)
  })
})
