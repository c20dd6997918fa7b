import { describe, expect, it } from 'vitest'
import { createCasinoEvents } from '../../src/events'
import { createIndexer } from '../../src/indexer/indexer'
import { createPipeline } from '../../src/indexer/pipeline'
import type { RpcClient } from '../../src/solana/rpc'
import { memoryStore } from '../../src/store/memory'
import { buildChain } from './bet-chain'
import { betEvents, createFakeChain, newKey, seeded } from './fake-chain'
import { allBets, countPublished, expectEachPublishedOnce, expectTotalsMatchBets, waitFor } from './helpers'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

/** What a client asked for, in order: `page` (with what it listed), or `tx` (one per transaction). */
type Call = { kind: 'page', listed: number } | { kind: 'tx', signature: string }

/** `rpc`, whose signature pages take `pageMs` to come back (a node across a network), with its calls logged. */
function slowListing(rpc: RpcClient, pageMs: number, log: Call[]): RpcClient {
  return {
    ...rpc,
    async getSignaturesForAddress(address, page) {
      await new Promise(resolve => setTimeout(resolve, pageMs))
      const listed = await rpc.getSignaturesForAddress(address, page)
      log.push({ kind: 'page', listed: listed.length })
      return listed
    },
    async getTransaction(signature) {
      log.push({ kind: 'tx', signature })
      return rpc.getTransaction(signature)
    },
    getTransactions: rpc.getTransactions && (async (signatures) => {
      for (const signature of signatures) log.push({ kind: 'tx', signature })
      return rpc.getTransactions!(signatures)
    }),
  }
}

/** Transactions asked for before the first empty page (the end of the first walk). */
const fetchedDuringWalk = (log: Call[]): number => {
  const end = log.findIndex(c => c.kind === 'page' && c.listed === 0)
  return log.slice(0, end).filter(c => c.kind === 'tx').length
}

describe('fetching what a walk lists before it is handed over', () => {
  it.each([
    ['JSON-RPC batches', true],
    ['one request per transaction', false],
  ])('fetches while a slow listing goes on, and stays exact through RPC faults (%s)', async (_, batches) => {
    const { chain, owner, genesis } = buildChain(400, 30, 11)
    const store = memoryStore()
    const events = createCasinoEvents()
    const seen = countPublished(events)
    const log: Call[] = []
    const rpc = slowListing(chain.rpc({ errorRate: 0.1, nullRate: 0.05, shortPages: 100, random: seeded(4) }, { batches }), 40, log)
    const indexer = createIndexer({
      store, events, logger: quiet, rpc,
      config: {
        rpcUrl: 'http://127.0.0.1:1', ownerWallet: owner, games: [{ id: 'coinflip', extraDataHash: 'coinflip-v1' }], start: { signature: genesis },
        subscribe: false, pollInterval: 20, retryDelay: 1, slowRetryDelay: 5, rpcRateLimit: 100_000, concurrency: 8,
        maxBatchTransactions: 64, fetchBatchSize: 16, statsDebounce: 5, decodeThread: false,
      },
    })
    try {
      await indexer.start()
      await indexer.ready
      await waitFor(() => indexer.status().pending === 0 && seen.settled.size === 400, 20_000, 'every bet published')
    }
    finally {
      await indexer.stop()
    }
    // The walk lists the chain 100 transactions a page, 40 ms each. Meanwhile up to `fetchAhead` of them
    // (256 here: two rounds of 8 requests of 16) are fetched, once each; a failed one is fetched again
    // once it is enqueued. (At 15 ms a page, a loaded machine once fetched only 91 during the walk.)
    const pages = log.findIndex(c => c.kind === 'page' && c.listed === 0)
    expect(log.slice(0, pages).filter(c => c.kind === 'page').length).toBeGreaterThan(8)
    expect(fetchedDuringWalk(log)).toBeGreaterThan(100)
    const bets = await allBets(store)
    expect(bets).toHaveLength(400)
    expect(bets.every(b => b.status === 'settled')).toBe(true)
    await expectTotalsMatchBets(store, bets)
    expectEachPublishedOnce(seen, 400)
    expect((await store.getCursor())!.signature).toBe(chain.txs.at(-1)!.info.signature)
  })

  it('fetches nothing ahead when the node answers at once (listing keeps the thread busy)', async () => {
    const { chain, owner, genesis } = buildChain(300, 20, 12)
    const store = memoryStore()
    const log: Call[] = []
    const rpc = chain.rpc({ shortPages: 100 })
    const logged: RpcClient = {
      ...rpc,
      async getSignaturesForAddress(address, page) {
        const listed = await rpc.getSignaturesForAddress(address, page)
        log.push({ kind: 'page', listed: listed.length })
        return listed
      },
      getTransactions: async (signatures) => {
        for (const signature of signatures) log.push({ kind: 'tx', signature })
        return rpc.getTransactions!(signatures)
      },
    }
    const indexer = createIndexer({
      store, events: createCasinoEvents(), logger: quiet, rpc: logged,
      config: {
        rpcUrl: 'http://127.0.0.1:1', ownerWallet: owner, games: [{ id: 'coinflip', extraDataHash: 'coinflip-v1' }], start: { signature: genesis },
        subscribe: false, pollInterval: 20, rpcRateLimit: 100_000, concurrency: 8, fetchBatchSize: 16, decodeThread: false,
      },
    })
    try {
      await indexer.start()
      await indexer.ready
    }
    finally {
      await indexer.stop()
    }
    expect(log.filter(c => c.kind === 'page').length).toBeGreaterThan(5)
    expect(fetchedDuringWalk(log)).toBe(0)
    expect(await allBets(store)).toHaveLength(300)
  })
})

describe('pipeline.fetchListed', () => {
  /** A chain of `n` bets (a register and a resolve each), and a pipeline over it with its calls counted. */
  function setup(n: number, answer: (signature: string, attempt: number) => 'serve' | 'null' | 'fail' = () => 'serve') {
    const chain = createFakeChain()
    const owner = newKey()
    const host = { pool: newKey(), mint: newKey(), hostToken: newKey(), hostOwner: owner }
    for (let i = 0; i < n; i++) {
      chain.nextSlot()
      const trial = newKey()
      const e = betEvents({ trial, pool: host.pool, player: newKey(), wager: 1000n + BigInt(i) })
      chain.add({ instructions: [{ ...host, kind: 'register', trial, events: [e.register] }] })
      chain.nextSlot()
      chain.add({ instructions: [{ ...host, kind: 'resolve', trial, events: [e.resolve] }] })
    }
    const rpc = chain.rpc()
    const attempts = new Map<string, number>()
    const priorities: number[] = []
    const store = memoryStore()
    const committed: string[] = []
    let running = true
    const client: RpcClient = {
      ...rpc,
      getTransactions: undefined,
      async getTransaction(signature) {
        const attempt = (attempts.get(signature) ?? 0) + 1
        attempts.set(signature, attempt)
        const what = answer(signature, attempt)
        if (what === 'fail') throw new Error('injected failure')
        return what === 'null' ? null : rpc.getTransaction(signature)
      },
    }
    const pipeline = createPipeline({
      store,
      decode: { programId: chain.programId, filter: { kind: 'host', host: owner }, gameOf: () => 'coinflip' },
      call: (fn, priority = 0) => {
        priorities.push(priority)
        return fn(client, () => {})
      },
      retry: { retries: 3, retryDelay: 1, slowRetryDelay: 5, shouldContinue: () => running },
      maxBatchTransactions: 100, fetchAhead: 1000, fetchBatchSize: 1, groupWaitMs: 0, fetchAheadConcurrency: 2,
      onCommit: (_, group) => committed.push(group.last.signature),
      record: async () => {},
      isRunning: () => running,
    })
    const infos = chain.txs.map(t => t.info)
    return { infos, pipeline, attempts, priorities, store, committed, stop: () => { running = false } }
  }

  it('commits what it fetched ahead once enqueued, without fetching it again, at a priority below the rest', async () => {
    const { infos, pipeline, attempts, priorities, store } = setup(20)
    pipeline.fetchListed([...infos].reverse())
    await waitFor(() => attempts.size === 40, 5_000, 'every transaction fetched ahead')
    expect(priorities.every(p => p === -1)).toBe(true)
    pipeline.enqueue(infos)
    await waitFor(() => pipeline.pending === 0, 5_000, 'everything committed')
    expect(pipeline.listedAhead).toBe(0)
    expect([...attempts.values()].every(n => n === 1)).toBe(true)
    expect((await allBets(store)).filter(b => b.status === 'settled')).toHaveLength(20)
  })

  it('fetches the usual way (with retries) what its one attempt ahead could not, and forgets what is never enqueued', async () => {
    // The first attempt at every third transaction fails, every fifth is not served yet.
    const first = (signature: string) => signature.charCodeAt(0) % 3 === 0 ? 'fail' : signature.charCodeAt(1) % 5 === 0 ? 'null' : 'serve'
    const { infos, pipeline, attempts, store, committed } = setup(30, (signature, attempt) => attempt > 1 ? 'serve' : first(signature))
    // A fork drops a register (and its bet) after it was listed and fetched: it is never enqueued.
    const dropped = infos.find((info, i) => i % 2 === 0 && first(info.signature) === 'serve')!
    pipeline.fetchListed([...infos].reverse())
    await waitFor(() => attempts.size === 60, 5_000, 'every transaction fetched ahead once')
    pipeline.enqueue(infos.filter(info => info !== dropped))
    await waitFor(() => pipeline.pending === 0, 5_000, 'everything committed')
    expect(committed.at(-1)).toBe(infos.at(-1)!.signature)
    // Listed, older than what was enqueued, never enqueued: no longer held, and never fetched again.
    expect(pipeline.listedAhead).toBe(0)
    expect(attempts.get(dropped.signature)).toBe(1)
    const retried = infos.filter(i => (attempts.get(i.signature) ?? 0) > 1)
    expect(retried.length).toBeGreaterThan(0)
    expect(retried.every(i => attempts.get(i.signature) === 2)).toBe(true)
    const bets = await allBets(store)
    // The dropped register's bet is known by its resolve only (an orphan): 29 bets settled.
    expect(bets.filter(b => b.status === 'settled')).toHaveLength(29)
    await expectTotalsMatchBets(store, bets)
  })

  it('fetches again a transaction that a fork moved to another slot between its listing and its enqueue', async () => {
    const { infos, pipeline, attempts, store } = setup(5)
    pipeline.fetchListed([...infos].reverse())
    await waitFor(() => attempts.size === 10, 5_000, 'every transaction fetched ahead')
    const last = infos.at(-1)!
    const moved = { ...last, slot: last.slot + 7 }
    pipeline.enqueue([...infos.slice(0, -1), moved])
    await waitFor(() => pipeline.pending === 0, 5_000, 'everything committed')
    // Taken as listed, it would carry the old slot into the cursor.
    expect(attempts.get(last.signature)).toBe(2)
    expect(await store.getCursor()).toMatchObject({ signature: last.signature, slot: moved.slot })
  })

  it('holds no more than `fetchAhead` listed transactions', async () => {
    const { infos, pipeline, attempts, stop } = setup(800)
    pipeline.fetchListed([...infos].reverse())
    await waitFor(() => attempts.size === 1000, 5_000, 'the cap fetched')
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(attempts.size).toBe(1000)
    expect(pipeline.listedAhead).toBe(1000)
    stop()
  })
})
