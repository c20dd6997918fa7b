import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sqliteStore } from '@fare-casino/adapters/sqlite'
import { FEE_BPS, FEE_TYPES, type Localnet, type LocalnetPlayer, startLocalnet } from '@fare-casino/localnet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCasinoEvents } from '../../src/events'
import { createIndexer } from '../../src/indexer/indexer'
import type { IndexerOptions } from '../../src/indexer/types'
import type { Bet } from '../../src/store/types'
import { allBets, expectTotalsMatchBets, waitFor } from './helpers'

/** 10,000 by default; INDEXER_BETS=… for a quicker run while developing. */
const N = Number(process.env.INDEXER_BETS ?? 10_000)
const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const dir = mkdtempSync(join(tmpdir(), 'fare-indexer-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function indexerConfig(net: Localnet, owner: string, extra: Partial<IndexerOptions> = {}): IndexerOptions {
  return {
    rpcUrl: net.rpcUrl,
    wsUrl: net.wsUrl,
    programId: net.programId,
    ownerWallet: owner,
    // One game left out of the registry on purpose: its bets become game 'unknown' and must not block.
    games: net.games.slice(1).map(g => ({ id: g.id, extraDataHash: g.extraDataHash })),
    start: 'now',
    pollInterval: 100,
    concurrency: 32,
    rpcRateLimit: 100_000,
    timeout: 5000,
    retryDelay: 5,
    slowRetryDelay: 50,
    ...extra,
  }
}

describe('indexer on the localnet', () => {
  let net: Localnet
  let owner: string
  let players: LocalnetPlayer[]

  beforeAll(async () => {
    net = await startLocalnet({ seed: 11, slotMs: 40, resolveDelayMs: 30, faults: { errorRate: 0.1, shortPageRate: 0.2, hangMs: 1000, wsDropRate: 0.01 } })
    owner = (await net.createPlayer()).publicKey
    players = []
    for (let i = 0; i < 200; i++) players.push(await net.createPlayer({ tokens: 10n ** 30n }))
  }, 120_000)
  afterAll(() => net?.close())

  it('turns 10,000 bets from 200 players into exactly 10,000 settled bets with exact totals, 10% of RPC calls failing', async () => {
    const store = sqliteStore({ file: join(dir, 'ten-thousand.sqlite'), writerThread: true })
    await store.migrate()
    const events = createCasinoEvents()
    let published = 0
    events.on('bet.settled', () => published++)
    const indexer = createIndexer({ store, events, logger: quiet, config: indexerConfig(net, owner, { decodeThread: true }) }) // as in production: decoding on its own thread
    await indexer.start()
    await indexer.ready

    const t0 = Date.now()
    const trialIds: string[] = []
    const game = (i: number) => net.games[i % net.games.length]!.id
    // A few wagers above 2^53 so that any float on the way would show; the rest small enough that the
    // casino's total stays within SQLite's signed 64-bit integers.
    const wager = (i: number) => (i % 2000 === 1 ? 2n ** 53n + BigInt(i) : 1_000_000n + BigInt(i) * 997n)
    let i = 0
    let turn = 0
    while (i < N) {
      const player = players[turn++ % players.length]!
      if (i % 10 === 0 && i + 3 <= N) {
        const multi = await net.placeBets([0, 1, 2].map(k => ({ player, wager: wager(i + k), game: game(i + k), host: owner })))
        trialIds.push(...multi.trialIds)
        i += 3
      }
      else {
        trialIds.push((await net.placeBet({ player, wager: wager(i), game: game(i), host: owner, version: i % 3 === 0 ? 0 : 'legacy' })).trialId)
        i++
      }
      // Noise that must not count: another casino's bet, a failed bet, a spoof.
      if (i % 500 === 0) {
        await net.placeBet({ player, wager: 5n, game: game(i), host: players[0]!.publicKey })
        await net.placeBet({ player, wager: 5n, game: game(i), host: owner, fail: true }).catch(() => {})
        await net.spoofEvent({ player, wager: 7n, game: game(i) })
      }
      if (i % 1000 === 0) await new Promise(r => setTimeout(r, 5)) // let the indexer breathe, as real traffic would
    }
    await net.waitForIdle()
    await waitFor(async () => {
      const s = await store.stats(Date.now())
      return s.totalBets === N && s.pendingBets === 0
    }, 300_000, 'all bets settled')
    // A few more polls: nothing else may arrive.
    await new Promise(r => setTimeout(r, 400))
    await indexer.stop()

    const bets = await allBets(store)
    expect(bets).toHaveLength(N)
    expect(new Set(bets.map(b => b.id))).toEqual(new Set(trialIds))
    await expectTotalsMatchBets(store, bets)
    expect(new Set(bets.map(b => b.player)).size).toBe(200)
    expect(bets.filter(b => b.game === 'unknown').length).toBeGreaterThan(0)
    // Every bet matches what the chain decided.
    const byId = new Map<string, Bet>(bets.map(b => [b.id, b]))
    for (const id of trialIds) {
      const outcome = net.trial(id)!
      const bet = byId.get(id)!
      expect(bet.resultIndex, id).toBe(outcome.resultIndex)
      expect(bet.wager, id).toBe(outcome.wager)
      // The fees the vault charged on it, folded into the bet from their FeeCharged events.
      const fees = ([[FEE_TYPES.host, FEE_BPS.host], [FEE_TYPES.network, FEE_BPS.network], [FEE_TYPES.pool, FEE_BPS.pool]] as const)
        .map(([type, bps]) => ({ type, amount: outcome.wager * bps / 10_000n })).filter(fee => fee.amount > 0n)
      expect(bet.fees, id).toEqual(fees)
      expect(bet.poolAccumulatedAmount === null, id).toBe(!fees.some(fee => fee.type === FEE_TYPES.pool))
    }
    expect(published).toBe(N)
    expect(indexer.status().errors).toBeGreaterThan(0)
    expect(net.stats().faults.http429 + net.stats().faults.http500).toBeGreaterThan(0)
    await store.close()
  }, 420_000)
})
