import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sqliteStore } from '@fare-casino/adapters/sqlite'
import { type Localnet, type LocalnetPlayer, startLocalnet } from '@fare-casino/localnet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCasinoEvents } from '../../src/events'
import { createIndexer } from '../../src/indexer/indexer'
import { resolveIndexerOptions } from '../../src/indexer/options'
import { allBets, expectTotalsMatchBets, waitFor } from './helpers'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const dir = mkdtempSync(join(tmpdir(), 'fare-commitment-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Slots between confirmed and finalized on this localnet: 8 slots of 40 ms, 320 ms. */
const FINALIZED_LAG = 8
const BETS = 40

/** When each bet was published: the localnet's finalized slot at that moment, beside the bet's own slots. */
interface Seen { placedAt: Map<string, number>, settledAt: Map<string, number> }

describe('indexer commitment', () => {
  let net: Localnet
  let owner: string
  let players: LocalnetPlayer[]

  beforeAll(async () => {
    net = await startLocalnet({ seed: 23, slotMs: 40, resolveDelayMs: 30, finalizedLagSlots: FINALIZED_LAG })
    owner = (await net.createPlayer()).publicKey
    players = []
    for (let i = 0; i < 5; i++) players.push(await net.createPlayer())
  }, 60_000)
  afterAll(() => net?.close())

  /** Runs an indexer at `commitment` over BETS fresh bets; returns the register slots and when each bet was published. */
  async function ingest(commitment: 'confirmed' | 'finalized', file: string) {
    const store = sqliteStore({ file: join(dir, file) })
    await store.migrate()
    const events = createCasinoEvents()
    const seen: Seen = { placedAt: new Map(), settledAt: new Map() }
    events.on('bet.placed', bet => seen.placedAt.set(bet.id, net.stats().finalizedSlot))
    events.on('bet.settled', bet => seen.settledAt.set(bet.id, net.stats().finalizedSlot))
    const indexer = createIndexer({
      store, events, logger: quiet,
      config: { rpcUrl: net.rpcUrl, wsUrl: net.wsUrl, programId: net.programId, ownerWallet: owner, start: 'now', pollInterval: 100, rpcRateLimit: 100_000, retryDelay: 5, commitment },
    })
    await indexer.start()
    await indexer.ready
    const registerSlot = new Map<string, number>()
    for (let i = 0; i < BETS; i++) {
      const placed = await net.placeBet({ player: players[i % players.length]!, wager: 1_000n + BigInt(i), game: net.games[i % net.games.length]!.id, host: owner })
      registerSlot.set(placed.trialId, placed.slot)
      if (i % 5 === 4) await new Promise(r => setTimeout(r, 60))
    }
    await net.waitForIdle()
    await waitFor(() => seen.settledAt.size === BETS, 30_000, `${commitment}: every bet settled`)
    await new Promise(r => setTimeout(r, 300)) // a few more polls: nothing else may arrive
    await indexer.stop()
    const bets = await allBets(store)
    expect(bets.map(b => b.id).sort()).toEqual([...registerSlot.keys()].sort())
    await expectTotalsMatchBets(store, bets)
    await store.close()
    return { registerSlot, seen }
  }

  it('with commitment finalized, publishes a bet and its settlement only once their slots are finalized, exactly once', async () => {
    const { registerSlot, seen } = await ingest('finalized', 'finalized.sqlite')
    expect(seen.placedAt.size).toBe(BETS)
    for (const [id, slot] of registerSlot) {
      expect(seen.placedAt.get(id), `bet.placed of ${id}`).toBeGreaterThanOrEqual(slot)
      expect(seen.settledAt.get(id), `bet.settled of ${id}`).toBeGreaterThanOrEqual(net.trial(id)!.slot)
    }
  }, 60_000)

  it('with commitment confirmed (the default), publishes bets before their slots are finalized', async () => {
    const { registerSlot, seen } = await ingest('confirmed', 'confirmed.sqlite')
    // What the finalized run's check rules out does happen here: the check above can fail.
    const early = [...registerSlot].filter(([id, slot]) => seen.placedAt.get(id)! < slot)
    expect(early.length).toBeGreaterThan(BETS / 2)
  }, 60_000)

  it('refuses a commitment that could index transactions of abandoned slots', () => {
    const base = { rpcUrl: 'http://127.0.0.1:8899', ownerWallet: owner }
    expect(resolveIndexerOptions(base).commitment).toBe('confirmed')
    expect(resolveIndexerOptions({ ...base, commitment: 'finalized' }).commitment).toBe('finalized')
    expect(() => resolveIndexerOptions({ ...base, commitment: 'processed' as never })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringMatching(/commitment must be 'confirmed' or 'finalized'/) }))
  })
})
