import { createConsola } from 'consola'
import { describe, expect, it } from 'vitest'
import { createCasino } from '../src/casino'
import type { Indexer, IndexerStatus } from '../src/indexer/types'
import { createIndexerSupervisor, fencedStore, type Leader } from '../src/leader'
import { memoryStore } from '../src/store/memory'
import type { CasinoStore } from '../src/store/types'
import { packTransactions, unpackEvents } from '../src/store/packed'
import { makeBatch, makeRegister } from '../src/testing/fixtures'

const logger = createConsola({ level: -999 })

/** A leader whose election the test decides. */
function fakeLeader() {
  let token: number | null = null
  let fence = 0
  const listeners = new Set<() => void>()
  const state = { available: false, failing: false, acquires: 0, releases: 0 }
  const leader: Leader = {
    get isLeader() {
      return token !== null
    },
    get fencingToken() {
      return token
    },
    async acquire() {
      state.acquires++
      if (state.failing) throw new Error('connection refused')
      if (token !== null) return true
      if (!state.available) return false
      token = ++fence
      return true
    },
    async release() {
      state.releases++
      token = null
    },
    onLost(cb) {
      listeners.add(cb)
      return () => listeners.delete(cb)
    },
  }
  return {
    leader,
    state,
    /** Leadership taken away (lease expired): the callbacks fire. */
    lose() {
      token = null
      for (const cb of [...listeners]) cb()
    },
    listeners,
  }
}

/** An indexer that records its lifecycle and the store it was given. */
function fakeIndexers() {
  const made: { store: CasinoStore, running: boolean, status: IndexerStatus }[] = []
  const create = (store: CasinoStore): Indexer => {
    const entry = {
      store,
      running: false,
      status: {
        running: false, live: false, subscribed: false, lagSlots: 0, lagSeconds: 0, lastSignature: null, lastSlot: null,
        headSlot: null, pending: 0, throttledUntil: null, bets: 0, settled: 0, events: 0, transactions: 0, errors: 0, rateLimited: 0, lastError: null,
      } as IndexerStatus,
    }
    made.push(entry)
    return {
      ready: Promise.resolve(),
      async start() {
        entry.running = entry.status.running = true
      },
      async stop() {
        entry.running = entry.status.running = false
      },
      status: () => ({ ...entry.status }),
    }
  }
  return { made, create }
}

const until = async (check: () => boolean, what: string) => {
  const end = Date.now() + 5000
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(r => setTimeout(r, 5))
  }
}

describe('indexer supervisor', () => {
  it('without a leader, runs one indexer and reports it', async () => {
    const { made, create } = fakeIndexers()
    const store = memoryStore()
    const supervisor = createIndexerSupervisor({ create, store, retryMs: 10, stallMs: 1000, logger })
    await supervisor.start()
    expect(made).toHaveLength(1)
    expect(made[0]!.store).toBe(store)
    expect(supervisor.status()).toMatchObject({ ok: true, role: 'single', running: true, problem: null, lagSlots: 0 })
    await supervisor.stop()
    expect(made[0]!.running).toBe(false)
    expect(supervisor.status()).toMatchObject({ ok: false, running: false })
  })

  it('indexes only while leading: retries, takes over with a fresh indexer, stops at once on loss', async () => {
    const { made, create } = fakeIndexers()
    const election = fakeLeader()
    const supervisor = createIndexerSupervisor({ create, store: memoryStore(), leader: election.leader, retryMs: 10, stallMs: 1000, logger })
    await supervisor.start()
    expect(made).toHaveLength(0)
    // A follower is ready: it serves reads while another instance indexes.
    expect(supervisor.status()).toMatchObject({ ok: true, role: 'follower', running: false, lagSlots: null, fencingToken: null })

    await until(() => election.state.acquires >= 3, 'retries')
    expect(made).toHaveLength(0)
    election.state.available = true
    await until(() => made.length === 1 && made[0]!.running, 'the indexer to start')
    expect(supervisor.status()).toMatchObject({ ok: true, role: 'leader', fencingToken: 1, running: true })

    election.lose()
    expect(made[0]!.running).toBe(false)
    expect(election.listeners.size).toBe(0)
    // Leads again at the next acquisition, with a NEW indexer (it resumes from the cursor) and token.
    await until(() => made.length === 2 && made[1]!.running, 'a second term')
    expect(supervisor.status()).toMatchObject({ role: 'leader', fencingToken: 2 })

    await supervisor.stop()
    expect(made[1]!.running).toBe(false)
    expect(election.leader.isLeader).toBe(false)
    expect(election.state.releases).toBeGreaterThanOrEqual(1)
    const acquires = election.state.acquires
    await new Promise(r => setTimeout(r, 50))
    expect(election.state.acquires).toBe(acquires)
  })

  it('stop() waits for an indexer that a loss just before is still stopping', async () => {
    const election = fakeLeader()
    election.state.available = true
    let stopped = false
    const create = (): Indexer => ({
      ready: Promise.resolve(),
      async start() {},
      async stop() {
        // A store call in progress: its stop takes a while.
        await new Promise(r => setTimeout(r, 150))
        stopped = true
      },
      status: () => ({}) as IndexerStatus,
    })
    const supervisor = createIndexerSupervisor({ create, store: memoryStore(), leader: election.leader, retryMs: 10_000, stallMs: 1000, logger })
    await supervisor.start()
    expect(supervisor.status()).toMatchObject({ role: 'leader' })
    election.lose()
    await supervisor.stop()
    // Only now may the casino close the store the old indexer writes through.
    expect(stopped).toBe(true)
  })

  it('keeps campaigning when the election itself fails, and says so', async () => {
    const { made, create } = fakeIndexers()
    const election = fakeLeader()
    election.state.failing = true
    const supervisor = createIndexerSupervisor({ create, store: memoryStore(), leader: election.leader, retryMs: 10, stallMs: 1000, logger })
    await supervisor.start()
    expect(supervisor.status()).toMatchObject({ role: 'follower', problem: expect.stringContaining('connection refused') })
    election.state.failing = false
    election.state.available = true
    await until(() => made.length === 1, 'leadership after the failure')
    expect(supervisor.status()).toMatchObject({ ok: true, role: 'leader', problem: null })
    await supervisor.stop()
  })

  it('reports a stuck indexer (transactions waiting, no commit) as not ready, and recovers', async () => {
    const { made, create } = fakeIndexers()
    let clock = 1_000_000
    const supervisor = createIndexerSupervisor({ create, store: memoryStore(), retryMs: 10, stallMs: 30_000, logger, now: () => clock })
    await supervisor.start()
    const status = made[0]!.status
    status.pending = 5
    status.lagSlots = 40
    expect(supervisor.status()).toMatchObject({ ok: true, stalled: false, lagSlots: 40 })
    clock += 29_000
    expect(supervisor.status().ok).toBe(true)
    clock += 2_000
    expect(supervisor.status()).toMatchObject({ ok: false, stalled: true, problem: expect.stringContaining('no commit for 31 s') })
    status.transactions = 3
    clock += 1_000
    expect(supervisor.status()).toMatchObject({ ok: true, stalled: false })
    // A long idle period then new work: the stall clock starts when the work is first seen.
    status.pending = 0
    expect(supervisor.status().ok).toBe(true)
    clock += 600_000
    status.pending = 1
    expect(supervisor.status().ok).toBe(true)
    await supervisor.stop()
  })
})

describe('fencedStore', () => {
  it('commits only while the term is held', async () => {
    const store = memoryStore()
    let holds = true
    const fenced = fencedStore(store, () => holds, 7)
    const first = makeRegister({ wager: 2n ** 60n + 1n })
    await fenced.applyBatch(makeBatch([first]))
    holds = false
    const second = makeRegister({ wager: 5n })
    await expect(fenced.applyBatch(makeBatch([second]))).rejects.toMatchObject({ name: 'CasinoError', code: 'NOT_READY', data: { fencingToken: 7 } })
    // Reads pass through untouched.
    expect((await fenced.getBet(first.trialId))?.wager).toBe(2n ** 60n + 1n)
    expect(await fenced.getBet(second.trialId)).toBeNull()
  })

  it('fences packed batches too, and adds no write path the store does not have', async () => {
    const memory = memoryStore()
    // A store that takes packed events (as SQLite does): unpacked, then applied.
    const store: CasinoStore = { ...memory, applyPackedBatch: batch => memory.applyBatch({ ...batch, events: unpackEvents(batch.events) }) }
    let holds = true
    const fenced = fencedStore(store, () => holds, 9)
    const packed = (event: ReturnType<typeof makeRegister>) => ({ events: { parts: [{ bytes: packTransactions([[event]]), from: 0, to: 1 }] }, cursor: null })
    const first = makeRegister({ wager: 3n })
    expect((await fenced.applyPackedBatch!(packed(first))).placed.map(b => b.id)).toEqual([first.trialId])
    holds = false
    const second = makeRegister({ wager: 4n })
    await expect(fenced.applyPackedBatch!(packed(second))).rejects.toMatchObject({ code: 'NOT_READY', data: { fencingToken: 9 } })
    expect(await memory.getBet(second.trialId)).toBeNull()
    expect(fencedStore(memory, () => true, 1).applyPackedBatch).toBeUndefined()
  })
})

describe('createCasino with a leader', () => {
  it('indexes only once elected, shows the role in /health/ready, and releases and closes the leader on close()', async () => {
    const election = fakeLeader()
    let closed = 0
    const leader = Object.assign(election.leader, { close: async () => { closed++ } })
    const casino = createCasino({
      name: 'X',
      ownerWallet: 'Hh2Cz1cN7sXJkqxhHLHw6pK7g6iT2gPCXC3n3ZpQmUzG',
      auth: { jwtSecret: 'a-secret-that-is-at-least-32-bytes-long' },
      // Nothing answers here: the indexer retries quietly, which is all this test needs.
      rpcUrl: 'http://127.0.0.1:9',
      indexer: { subscribe: false, retryDelay: 50 },
      leader,
      leaderRetryMs: 10,
      logger,
    })
    await casino.ready
    await until(() => election.state.acquires >= 2, 'a campaign')
    const follower = await (await casino.fetch(new Request('http://x/health/ready'))).json() as { checks: { indexer: { ok: boolean, status: { role: string } } } }
    expect(follower.checks.indexer).toMatchObject({ ok: true, status: { role: 'follower' } })

    election.state.available = true
    await until(() => casino.indexer!.status().role === 'leader', 'the election')
    expect(casino.indexer!.status()).toMatchObject({ ok: true, running: true, fencingToken: 1 })

    await casino.close()
    expect(election.leader.isLeader).toBe(false)
    expect(election.state.releases).toBeGreaterThanOrEqual(1)
    expect(closed).toBe(1)
    expect(casino.indexer!.status()).toMatchObject({ running: false })
  })
})
