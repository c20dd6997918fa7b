import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sqliteStore } from '@fare-casino/adapters/sqlite'
import { type Localnet, startLocalnet } from '@fare-casino/localnet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCasinoEvents } from '../../src/events'
import { createIndexer } from '../../src/indexer/indexer'
import { allBets, expectTotalsMatchBets, waitFor } from './helpers'

const BETS = 300
const CAP = 12
const CONCURRENCY = 4
const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const dir = mkdtempSync(join(tmpdir(), 'fare-batch-cap-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('a node that caps JSON-RPC batches', () => {
  let net: Localnet
  let owner: string
  let genesis: string
  let trials: string[]

  beforeAll(async () => {
    net = await startLocalnet({ seed: 31, slotMs: 20, resolveDelayMs: 10, faults: { maxBatchSize: CAP } })
    owner = (await net.createPlayer()).publicKey
    const players = await Promise.all(Array.from({ length: 10 }, () => net.createPlayer({ tokens: 10n ** 30n })))
    const game = net.games[0]!.id
    genesis = (await net.spoofEvent({ player: players[0]!, wager: 1n, game })).signature
    trials = []
    for (let i = 0; i < BETS; i++) trials.push((await net.placeBet({ player: players[i % players.length]!, wager: 1_000_000n + BigInt(i), game, host: owner })).trialId)
    await net.waitForIdle()
  }, 120_000)
  afterAll(() => net?.close())

  it.each([['on the decode thread', true], ['on the main thread', false]])('gets batches at its cap, not single requests, and misses nothing (%s)', async (_, decodeThread) => {
    const store = sqliteStore({ file: join(dir, `cap-${decodeThread}.sqlite`) })
    await store.migrate()
    const refusedBefore = net.stats().faults.batchesRefused
    // getTransaction calls per HTTP request, as sent.
    const sizes: number[] = []
    const countingFetch = ((url: string, init: RequestInit) => {
      const calls = String(init.body).split('"method":"getTransaction"').length - 1
      if (calls > 0) sizes.push(calls)
      return fetch(url, init)
    }) as typeof fetch
    const indexer = createIndexer({
      store, events: createCasinoEvents(), logger: quiet,
      config: {
        rpcUrl: net.rpcUrl, wsUrl: net.wsUrl, programId: net.programId, ownerWallet: owner, start: { signature: genesis },
        subscribe: false, pollInterval: 50, concurrency: CONCURRENCY, rpcRateLimit: 100_000, retryDelay: 5, slowRetryDelay: 20,
        fetchBatchSize: 50, maxBatchTransactions: 100, decodeThread, fetch: countingFetch,
      },
    })
    try {
      await indexer.start()
      await waitFor(async () => (await store.stats(Date.now())).totalBets === BETS, 60_000, 'every bet settled')
    }
    finally {
      await indexer.stop()
    }
    const bets = await allBets(store)
    expect(bets.map(b => b.id).sort()).toEqual([...trials].sort())
    await expectTotalsMatchBets(store, bets)

    // Refused: the batches over the cap, and only those; a few of them (what was in flight at each of the
    // two cuts: a batch still queued when its size is refused is split before it is sent), each cut recorded once.
    const over = sizes.filter(n => n > CAP)
    expect(over.length).toBe(net.stats().faults.batchesRefused - refusedBefore)
    expect(over.length).toBeLessThanOrEqual(2 * 2 * CONCURRENCY)
    const cuts = (await store.listSystemEvents({ limit: 20 })).filter(e => e.type === 'indexer.batch_refused').reverse()
    expect(cuts.map(e => e.metadata?.batchSize)).toEqual([25, 12])
    expect(cuts[0]).toMatchObject({ severity: 'warn', metadata: { size: 50, code: -32600 } })
    // Every other request a batch at the cap (or the short rest of a group): not one request per transaction.
    const answered = sizes.filter(n => n <= CAP)
    const inFullBatches = answered.filter(n => n === CAP).reduce((s, n) => s + n, 0)
    expect(inFullBatches / answered.reduce((s, n) => s + n, 0)).toBeGreaterThan(0.8)
    await store.close()
  })
})
