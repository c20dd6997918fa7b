import { sqliteStore } from '@fare-casino/adapters/sqlite'
import { describe, expect, it } from 'vitest'
import { createCasinoEvents } from '../../src/events'
import { createIndexer } from '../../src/indexer/indexer'
import type { IndexerOptions } from '../../src/indexer/types'
import type { SignatureInfo } from '../../src/solana/rpc'
import { memoryStore } from '../../src/store/memory'
import type { CasinoStore } from '../../src/store/types'
import { betEvents, createFakeChain, newKey, seeded } from './fake-chain'
import { allBets, expectTotalsMatchBets, pipelined, waitFor } from './helpers'

// The published mark in process, on the fake chain: crashes at chosen commits (a store whose k-th commit
// is written and never answers, as a killed process's), then a restart that must publish what was lost.

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

const config = (owner: string, start: IndexerOptions['start'], extra: Partial<IndexerOptions> = {}): IndexerOptions => ({
  rpcUrl: 'http://127.0.0.1:1', ownerWallet: owner, games: [{ id: 'coinflip', extraDataHash: 'coinflip-v1' }],
  start, subscribe: false, pollInterval: 20, retryDelay: 1, slowRetryDelay: 5, rpcRateLimit: 100_000,
  concurrency: 8, maxBatchTransactions: 10, statsDebounce: 5, timeout: 200, ...extra,
})

/** A chain of `bets` bets of one host, each registered and resolved in transactions of their own. */
function chainOf(bets: number, order?: (i: number) => 'together' | 'resolve first' | 'resolve later', random = Math.random, empty = false) {
  // Resolves listed first: a node that gives no transactionIndex (see createFakeChain).
  const chain = createFakeChain(undefined, { transactionIndex: order === undefined })
  const owner = newKey()
  const host = { pool: newKey(), mint: newKey(), hostToken: newKey(), hostOwner: owner }
  // A transaction of nobody's to start from (none on an `empty` chain).
  const genesis = empty ? '' : chain.add({ instructions: [] })
  const trials: string[] = []
  const later: (() => void)[] = []
  // The registers of resolves listed first: in their resolve's slot, as on a real chain (see bet-chain.ts).
  const registersDue: (() => void)[] = []
  const endSlot = (): void => {
    for (const f of registersDue.splice(0)) f()
    chain.nextSlot()
  }
  const addBets = (n: number): void => {
    for (let i = 0; i < n; i++) {
      if (random() < 0.5) endSlot()
      const trial = newKey()
      const e = betEvents({ trial, pool: host.pool, player: newKey(), wager: 1000n + BigInt(trials.length) })
      const register = () => chain.add({ instructions: [{ ...host, kind: 'register', trial, events: [e.register] }] })
      const resolve = () => chain.add({ instructions: [{ ...host, kind: 'resolve', trial, events: [e.resolve] }] })
      const how = order?.(trials.length) ?? 'together'
      if (how === 'resolve first') {
        resolve()
        registersDue.push(register)
      }
      else if (how === 'resolve later') {
        register()
        later.push(resolve)
      }
      else {
        register()
        resolve()
      }
      if (later.length > 0 && random() < 0.3) later.splice(Math.floor(random() * later.length), 1)[0]!()
      if (registersDue.length > 0 && random() < 0.3) registersDue.splice(Math.floor(random() * registersDue.length), 1)[0]!()
      trials.push(trial)
    }
    for (const f of registersDue.splice(0)) f()
    for (const f of later.splice(0)) f()
  }
  addBets(bets)
  return { chain, owner, genesis, trials, addBets }
}

/** `inner`, whose `k`-th commit that applies events is written and then never answers: the process died there. */
function dyingAt(inner: CasinoStore, k: number): CasinoStore {
  let commits = 0
  return new Proxy(inner, {
    get(target, key, receiver) {
      if (key !== 'applyBatch') return Reflect.get(target, key, receiver)
      return async (batch: Parameters<CasinoStore['applyBatch']>[0]) => {
        if (commits >= k) return new Promise(() => {})
        const result = await target.applyBatch(batch)
        if (result.applied > 0 && ++commits === k) return new Promise(() => {})
        return result
      }
    },
  })
}

/**
 * Listens to `events`: the bets published placed, those of `trials` not yet published both placed and
 * settled, and the players of `bets` never announced as joined.
 */
function listen(events: ReturnType<typeof createCasinoEvents>) {
  const placed = new Set<string>()
  const settled = new Set<string>()
  const joined = new Set<string>()
  events.on('bet.placed', b => placed.add(b.id))
  events.on('bet.settled', b => settled.add(b.id))
  events.on('player.joined', p => joined.add(p.wallet))
  return {
    placed,
    missing: (trials: string[]) => trials.filter(t => !placed.has(t) || !settled.has(t)),
    unjoined: (bets: { player: string }[]) => [...new Set(bets.map(b => b.player))].filter(w => !joined.has(w)),
  }
}

describe('publishing after a crash, on the fake chain', () => {
  it.each([
    ['an up-to-date node', {}, false],
    ['a node that has not seen the stored cursor yet at first', {}, true],
    ['listings in chunks smaller than the range to publish again', { backfillChunk: 4, maxBatchTransactions: 20 }, false],
  ] as const)('publishes what the crashed run committed, with %s', async (_, extra, lagging) => {
    const { chain, owner, genesis, trials } = chainOf(30)
    const store = memoryStore()
    const events = createCasinoEvents()
    const first = listen(events)
    const crashed = createIndexer({ store: dyingAt(store, 3), events, logger: quiet, config: config(owner, { signature: genesis }, extra), rpc: chain.rpc() })
    await crashed.start()
    await waitFor(async () => (await store.getCursor())?.published != null && (await allBets(store)).length > 0, 5000, 'the third commit')
    await new Promise(r => setTimeout(r, 100))
    const cursor = (await store.getCursor())!
    const unannounced = (await allBets(store)).filter(b => !first.placed.has(b.id))
    expect(unannounced.length).toBeGreaterThan(0)

    // The restart's first listings may come from a node behind the one the crashed run used (a load balancer).
    let behind = lagging
    setTimeout(() => (behind = false), 300)
    const node = chain.rpc()
    const rpc = {
      ...node,
      async getSignaturesForAddress(address: string, page?: Parameters<typeof node.getSignaturesForAddress>[1]): Promise<SignatureInfo[]> {
        const listed = await node.getSignaturesForAddress(address, page)
        // Newest first: what lies after the transaction before the stored cursor is not there yet.
        const at = listed.findIndex(s => s.signature === cursor.signature)
        return behind && at >= 0 ? listed.slice(at + 1) : listed
      },
    }
    const restarted = createIndexer({ store, events, logger: quiet, config: config(owner, { signature: genesis }, extra), rpc })
    await restarted.start()
    await waitFor(() => first.missing(trials).length === 0, 10_000, 'every bet placed and settled to be published')
    await restarted.stop()
    expect(first.unjoined(await allBets(store))).toEqual([])
    const after = (await store.getCursor())!
    expect(after.slot).toBeGreaterThanOrEqual(cursor.slot)
    expect(after.published?.signature).toBe(after.signature)
    await expectTotalsMatchBets(store, await allBets(store))
    void crashed.stop()
  })

  it('publishes nothing from before the mark again when the restart\'s node has not reached the mark', async () => {
    const { chain, owner, genesis, trials } = chainOf(30)
    const store = memoryStore()
    const events = createCasinoEvents()
    const heard = listen(events)
    const times = new Map<string, number>()
    events.on('bet.placed', b => times.set(b.id, (times.get(b.id) ?? 0) + 1))
    const extra = { maxBatchTransactions: 5 }
    const crashed = createIndexer({ store: dyingAt(store, 5), events, logger: quiet, config: config(owner, { signature: genesis }, extra), rpc: chain.rpc() })
    await crashed.start()
    await waitFor(async () => (await allBets(store)).length > 0 && times.size > 0, 5000, 'the first commits')
    await new Promise(r => setTimeout(r, 200))
    const mark = (await store.getCursor())!.published!
    expect(mark.slot).toBeGreaterThan(0)
    const announced = new Map(times)

    // A node behind the mark does not know it: like a real one, it lists past an unknown \`until\`, down to
    // the start of the history, and has nothing of the mark's slot or later yet.
    let behind = true
    setTimeout(() => (behind = false), 300)
    const node = chain.rpc()
    const rpc = {
      ...node,
      async getSignaturesForAddress(address: string, page: Parameters<typeof node.getSignaturesForAddress>[1] = {}): Promise<SignatureInfo[]> {
        if (!behind) return node.getSignaturesForAddress(address, page)
        const listed = await node.getSignaturesForAddress(address, { ...page, until: undefined })
        return listed.filter(s => s.slot < mark.slot)
      },
    }
    const restarted = createIndexer({ store, events, logger: quiet, config: config(owner, { signature: genesis }, extra), rpc })
    await restarted.start()
    await waitFor(() => heard.missing(trials).length === 0, 10_000, 'every bet placed and settled to be published')
    await restarted.stop()
    const again = [...announced.keys()].filter(id => times.get(id)! > 1)
    expect(announced.size).toBeGreaterThan(0)
    expect(again).toEqual([])
    await expectTotalsMatchBets(store, await allBets(store))
    void crashed.stop()
  })

  it.each([['the N most recent', { recent: 1000 }], ['now, on an empty chain', 'now']] as const)(
    'publishes the first group of a new casino started from %s',
    async (_, start) => {
      const { chain, owner, trials, addBets } = start === 'now' ? chainOf(0, undefined, undefined, true) : chainOf(20)
      const store = memoryStore()
      const events = createCasinoEvents()
      const heard = listen(events)
      const crashed = createIndexer({ store: dyingAt(store, 1), events, logger: quiet, config: config(owner, start), rpc: chain.rpc() })
      await crashed.start()
      if (start === 'now') {
        await new Promise(r => setTimeout(r, 100))
        addBets(20)
      }
      await waitFor(async () => (await allBets(store)).length > 0, 5000, 'the first commit')
      await new Promise(r => setTimeout(r, 100))
      expect(heard.placed.size).toBe(0)
      const restarted = createIndexer({ store, events, logger: quiet, config: config(owner, start), rpc: chain.rpc() })
      await restarted.start()
      await waitFor(() => heard.missing(trials).length === 0, 10_000, 'every bet to be published')
      await restarted.stop()
      expect(await allBets(store)).toHaveLength(trials.length)
      void crashed.stop()
    },
  )

  it.each([1, 2, 3, 4, 5, 6])('stays exact through three crashes on a store that fails and loses replies (seed %i)', async (seed) => {
    const random = seeded(seed * 101)
    const shapes = ['together', 'resolve first', 'resolve later', 'together', 'together'] as const
    const { chain, owner, genesis, trials } = chainOf(40, () => shapes[Math.floor(random() * shapes.length)]!, random)
    const inner = memoryStore()
    const events = createCasinoEvents()
    const heard = listen(events)
    const faulty = () => pipelined(inner, { delayMs: 1, failRate: 0.1, lostReplyRate: 0.1, lostAnyCall: true, random })
    const problems: string[] = []
    let cursorSlot = -1
    const watch = setInterval(() => void inner.getCursor().then((c) => {
      if (!c) return
      if (c.slot < cursorSlot) problems.push(`cursor back from slot ${cursorSlot} to ${c.slot}`)
      cursorSlot = c.slot
      if (c.published && c.published.slot > c.slot) problems.push('mark ahead of the cursor')
    }), 2)
    const crashed = []
    for (const k of [1 + Math.floor(random() * 6), 1 + Math.floor(random() * 4), 1 + Math.floor(random() * 3)]) {
      const indexer = createIndexer({ store: dyingAt(faulty(), k), events, logger: quiet, config: config(owner, { signature: genesis }, { maxBatchTransactions: 7 }), rpc: chain.rpc() })
      await indexer.start()
      await new Promise(r => setTimeout(r, 150))
      crashed.push(indexer)
    }
    const last = createIndexer({ store: faulty(), events, logger: quiet, config: config(owner, { signature: genesis }, { maxBatchTransactions: 7 }), rpc: chain.rpc() })
    await last.start()
    await waitFor(async () => (await allBets(inner)).filter(b => b.status === 'settled').length === trials.length, 10_000, 'every bet settled')
    await waitFor(() => heard.missing(trials).length === 0, 5000, 'every bet published')
    await last.stop()
    expect(heard.unjoined(await allBets(inner))).toEqual([])
    clearInterval(watch)
    for (const indexer of crashed) void indexer.stop()
    expect(problems).toEqual([])
    await expectTotalsMatchBets(inner, await allBets(inner))
  }, 30_000)

  it('moves the mark past a group only once its events are delivered (the realtime history), on stop too', async () => {
    const { chain, owner, genesis, trials } = chainOf(10)
    const store = sqliteStore({ file: ':memory:' })
    await store.migrate()
    const events = createCasinoEvents()
    const heard = listen(events)
    let deliver!: () => void
    let asked = 0
    const gate = new Promise<void>((resolve) => {
      deliver = resolve
    })
    const indexer = createIndexer({
      store, events, logger: quiet, config: config(owner, { signature: genesis }), rpc: chain.rpc(),
      delivered: () => {
        asked++
        return gate
      },
    })
    await indexer.start()
    await waitFor(() => heard.missing(trials).length === 0, 5000, 'every bet emitted')
    // Quiet far longer than the mark's idle write (20 ms here): still nothing counts as published.
    await new Promise(resolve => setTimeout(resolve, 300))
    const held = (await store.getCursor())!
    expect(asked).toBeGreaterThan(0)
    expect(held.published?.signature).toBe(genesis)
    expect((await allBets(store)).length).toBe(10)
    // Delivered, and stopped: the mark is level with the cursor (the stop waited for the delivery).
    const stopping = indexer.stop()
    deliver()
    await stopping
    const after = (await store.getCursor())!
    expect(after.published?.signature).toBe(after.signature)
    await store.close()
  })

  it('does not write its mark over a cursor another instance moved (a deposed leader stopping)', async () => {
    const { chain, owner, genesis, trials } = chainOf(10)
    // A real store that checks `expectCursor` (the memory store, which never shares its state, does not).
    const store = sqliteStore({ file: ':memory:' })
    await store.migrate()
    const events = createCasinoEvents()
    const heard = listen(events)
    // A quiet spell this long never comes: only stop() would write the mark.
    const indexer = createIndexer({ store, events, logger: quiet, config: config(owner, { signature: genesis }, { pollInterval: 60_000 }), rpc: chain.rpc() })
    await indexer.start()
    await waitFor(() => heard.missing(trials).length === 0, 5000, 'every bet published')
    const before = (await store.getCursor())!
    expect(before.published?.signature).not.toBe(before.signature) // the last group's commit carried the mark before it
    // Another instance, now the leader, commits further.
    await store.applyBatch({ events: [], cursor: { signature: 'another-leader', slot: before.slot + 10 } })
    await indexer.stop()
    expect((await store.getCursor())?.published).toEqual(before.published)
    await store.close()
  })
})

