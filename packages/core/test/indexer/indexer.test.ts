import { describe, expect, it } from 'vitest'
import { createCasinoEvents, type CasinoEventType } from '../../src/events'
import { createIndexer } from '../../src/indexer/indexer'
import { resolveIndexerOptions } from '../../src/indexer/options'
import { UNDECODABLE_FETCHES } from '../../src/indexer/pipeline'
import type { IndexerOptions } from '../../src/indexer/types'
import { memoryStore } from '../../src/store/memory'
import { RpcError } from '../../src/solana/rpc-errors'
import { unpackEvents } from '../../src/store/packed'
import type { Bet, CasinoStore } from '../../src/store/types'
import { buildChain } from './bet-chain'
import { betEvents, createFakeChain, type FakeFaults, newKey, seeded } from './fake-chain'
import { allBets, countPublished, expectEachPublishedOnce, expectTotalsMatchBets, pipelined, rawBatchRpc } from './helpers'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

function config(owner: string, genesis: string, extra: Partial<IndexerOptions> = {}): IndexerOptions {
  return {
    rpcUrl: 'http://127.0.0.1:1', ownerWallet: owner, games: [{ id: 'coinflip', extraDataHash: 'coinflip-v1' }],
    start: { signature: genesis }, subscribe: false, pollInterval: 20, retryDelay: 1, slowRetryDelay: 5, rpcRateLimit: 100_000,
    concurrency: 32, maxBatchTransactions: 64, statsDebounce: 5, ...extra,
  }
}

/** Exactly `expectedBets` settled bets, no duplicate, every total equal to the sum recomputed from them. */
async function expectConsistent(store: CasinoStore, expectedBets: number): Promise<void> {
  const bets = await allBets(store)
  expect(bets).toHaveLength(expectedBets)
  expect(new Set(bets.map(b => b.id)).size).toBe(expectedBets)
  expect(bets.every(b => b.status === 'settled')).toBe(true)
  await expectTotalsMatchBets(store, bets)
  const stats = await store.stats(Date.now())
  expect(stats.totalPlayers).toBe(new Set(bets.map(b => b.player)).size)
  expect(bets.some(b => b.game === 'unknown')).toBe(true)
}

/**
 * `memory`, whose commits that apply events are written and then, one in four, answered with an error, as
 * when the connection drops after COMMIT (`onLost` is told each time); `lost()` counts them.
 */
function losingReplies(memory: CasinoStore, random: () => number, onLost: () => void = () => {}): { store: CasinoStore, lost: () => number } {
  let lost = 0
  const store: CasinoStore = {
    ...memory,
    async applyBatch(batch) {
      const result = await memory.applyBatch(batch)
      if (result.applied > 0 && random() < 0.25) {
        lost++
        onLost()
        throw new Error('injected lost reply (written)')
      }
      return result
    },
  }
  return { store, lost: () => lost }
}

/** `store`, whose getBet fails while `failing()` says so; `failed()` counts the failures. */
function failingReads(store: CasinoStore, failing: () => boolean): { store: CasinoStore, failed: () => number } {
  let failed = 0
  const reading: CasinoStore = {
    ...store,
    async getBet(id) {
      if (failing()) {
        failed++
        throw new Error('injected read failure')
      }
      return store.getBet(id)
    },
  }
  return { store: reading, failed: () => failed }
}

async function until(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise(r => setTimeout(r, 10))
  }
}

describe('createIndexer', () => {
  it.each([
    ['JSON-RPC batches', true],
    ['one request per transaction', false],
  ])('backfills every bet exactly once with consistent totals, through RPC faults and short pages (%s)', async (_, batches) => {
    const { chain, owner, genesis } = buildChain(600, 40)
    const store = memoryStore()
    const events = createCasinoEvents()
    const seen: Record<string, number> = {}
    const notCommitted: string[] = []
    events.onAny((type: CasinoEventType, payload: unknown) => {
      seen[type] = (seen[type] ?? 0) + 1
      if (type === 'bet.placed') void store.getBet((payload as Bet).id).then(b => b || notCommitted.push((payload as Bet).id))
    })
    const faults: FakeFaults = { errorRate: 0.1, nullRate: 0.05, shortPages: 7, random: seeded(7) }
    const indexer = createIndexer({ store, events, logger: quiet, config: config(owner, genesis, { fetchBatchSize: 16 }), rpc: chain.rpc(faults, { batches }) })
    await indexer.start()
    await indexer.ready
    await until(() => indexer.status().pending === 0)
    await until(() => (seen['stats.updated'] ?? 0) > 0)
    await indexer.stop()

    await expectConsistent(store, 600)
    expect(notCommitted).toEqual([])
    expect(seen['bet.placed']).toBe(600)
    expect(seen['bet.settled']).toBe(600)
    expect(seen['player.joined']).toBe((await store.stats(Date.now())).totalPlayers)
    const status = indexer.status()
    expect(status).toMatchObject({ running: false, live: true, bets: 600, settled: 600, lastSignature: chain.txs.at(-1)!.info.signature })
    expect(status.errors).toBeGreaterThan(0)
    expect((await store.getCursor())!.signature).toBe(chain.txs.at(-1)!.info.signature)
  })

  it('picks up new transactions live, and resumes from the cursor after a restart without gap or duplicate', async () => {
    const { chain, owner, genesis } = buildChain(300, 20, 3)
    const all = [...chain.txs]
    // Hide the second half, start, then reveal it while running.
    chain.txs.splice(Math.floor(all.length / 2))
    const store = memoryStore()
    const events = createCasinoEvents()
    const rpc = chain.rpc({ errorRate: 0.05, random: seeded(3) })
    const first = createIndexer({ store, events, logger: quiet, config: config(owner, genesis), rpc })
    await first.start()
    await first.ready
    await until(() => first.status().pending === 0)
    const half = (await store.stats(Date.now())).totalBets + (await store.stats(Date.now())).pendingBets
    expect(half).toBeGreaterThan(0)
    chain.txs.push(...all.slice(chain.txs.length, Math.floor(all.length * 3 / 4)))
    await until(async () => (await store.getCursor())?.signature === chain.txs.at(-1)!.info.signature)
    await first.stop()

    chain.txs.push(...all.slice(chain.txs.length))
    const second = createIndexer({ store, events, logger: quiet, config: config(owner, genesis), rpc })
    await second.start()
    await until(async () => (await store.getCursor())?.signature === all.at(-1)!.info.signature)
    await second.stop()
    await expectConsistent(store, 300)
  })

  it('resumes from the cursor on a node behind it without fetching or committing the history again', async () => {
    const { chain, owner, genesis } = buildChain(200, 10, 37)
    const all = [...chain.txs]
    chain.txs.splice(Math.floor(all.length / 2))
    const store = memoryStore()
    const first = createIndexer({ store, events: createCasinoEvents(), logger: quiet, config: config(owner, genesis), rpc: chain.rpc() })
    await first.start()
    await until(async () => (await store.getCursor())?.signature === chain.txs.at(-1)!.info.signature)
    await first.stop()
    const cursor = (await store.getCursor())!
    const history = new Set(chain.txs.map(t => t.info.signature))
    chain.txs.push(...all.slice(chain.txs.length))

    // For its first 300 ms the restart talks to a node that has not reached the cursor's slot: like a real
    // node, it lists past a signature it does not know, down to the start of the history.
    let behind = true
    setTimeout(() => (behind = false), 300)
    const node = chain.rpc()
    const fetched: string[] = []
    const cursors: number[] = []
    const rpc = {
      ...node,
      async getSignaturesForAddress(address: string, page: Parameters<typeof node.getSignaturesForAddress>[1] = {}) {
        if (!behind) return node.getSignaturesForAddress(address, page)
        return (await node.getSignaturesForAddress(address, { ...page, until: undefined })).filter(i => i.slot < cursor.slot)
      },
      async getTransactions(signatures: readonly string[]) {
        fetched.push(...signatures)
        return node.getTransactions!(signatures)
      },
    }
    const watched: CasinoStore = { ...store, async applyBatch(batch) {
      if (batch.cursor) cursors.push(batch.cursor.slot)
      return store.applyBatch(batch)
    } }
    const second = createIndexer({ store: watched, events: createCasinoEvents(), logger: quiet, config: config(owner, genesis), rpc })
    await second.start()
    await until(async () => (await store.getCursor())?.signature === all.at(-1)!.info.signature)
    await second.stop()
    expect(fetched.filter(s => history.has(s))).toEqual([])
    expect(cursors.filter(slot => slot < cursor.slot)).toEqual([])
    await expectConsistent(store, 200)
  })

  it.each([
    ['knows the start', 0],
    ['knows the start once asked again', 2],
  ])('starts a new casino from a signature without indexing what came before it, on a node behind it (the node answering getTransaction %s)', async (_, nullAnswers) => {
    const { chain, owner } = buildChain(200, 10, 41)
    const start = chain.txs[Math.floor(chain.txs.length / 2)]!.info
    const before = new Set(chain.txs.filter(t => t.info.slot < start.slot).map(t => t.info.signature))
    const node = chain.rpc()
    // For 300 ms the listings come from a node that has not reached the start's slot (a load balancer):
    // like a real node, it lists past the signature it does not know, down to the start of the history.
    let behind = true
    setTimeout(() => (behind = false), 300)
    let nulls = nullAnswers
    const rpc = {
      ...node,
      async getSignaturesForAddress(address: string, page: Parameters<typeof node.getSignaturesForAddress>[1] = {}) {
        if (!behind) return node.getSignaturesForAddress(address, page)
        return (await node.getSignaturesForAddress(address, { ...page, until: undefined })).filter(i => i.slot < start.slot)
      },
      async getTransaction(signature: string) {
        return signature === start.signature && nulls-- > 0 ? null : node.getTransaction(signature)
      },
    }
    const store = memoryStore()
    const indexer = createIndexer({ store, events: createCasinoEvents(), logger: quiet, config: config(owner, start.signature), rpc })
    await indexer.start()
    await until(async () => (await store.getCursor())?.signature === chain.txs.at(-1)!.info.signature)
    await indexer.stop()
    const bets = await allBets(store)
    expect(bets.length).toBeGreaterThan(0)
    expect(bets.filter(b => before.has(b.registerSignature))).toEqual([])
    expect((await store.getCursor())?.published?.slot).toBeGreaterThanOrEqual(start.slot)
    expect(await store.listSystemEvents({ limit: 100 })).toEqual([])
  })

  it('records a start signature that the node does not have, and starts all the same', async () => {
    const { chain, owner } = buildChain(50, 5, 43)
    const start = chain.txs[Math.floor(chain.txs.length / 2)]!.info
    const node = chain.rpc()
    const rpc = { ...node, getTransaction: async (signature: string) => (signature === start.signature ? null : node.getTransaction(signature)) }
    const store = memoryStore()
    const indexer = createIndexer({ store, events: createCasinoEvents(), logger: quiet, config: config(owner, start.signature), rpc })
    await indexer.start()
    await until(async () => (await store.getCursor())?.signature === chain.txs.at(-1)!.info.signature)
    await indexer.stop()
    expect((await store.listSystemEvents({ limit: 100 })).map(e => [e.type, e.severity, e.metadata])).toEqual([['indexer.start_unknown', 'warn', { signature: start.signature }]])
    expect(await allBets(store)).not.toHaveLength(0)
  })

  it('applies a resolve listed before its register (same slot, no transactionIndex)', async () => {
    const chain = createFakeChain(undefined, { transactionIndex: false })
    const owner = newKey()
    const host = { pool: newKey(), mint: newKey(), hostToken: newKey(), hostOwner: owner }
    const genesis = chain.add({ instructions: [] })
    chain.nextSlot()
    const trial = newKey()
    const e = betEvents({ trial, pool: host.pool, player: newKey(), wager: 2n ** 60n, resultIndex: 1 })
    chain.add({ instructions: [{ ...host, kind: 'resolve', trial, events: [e.resolve] }] })
    chain.add({ instructions: [{ ...host, kind: 'register', trial, events: [e.register] }] })
    const store = memoryStore()
    const indexer = createIndexer({ store, events: createCasinoEvents(), logger: quiet, config: config(owner, genesis), rpc: chain.rpc() })
    await indexer.start()
    await until(async () => (await store.getCursor())?.signature === chain.txs.at(-1)!.info.signature)
    await indexer.stop()
    const bet = (await store.getBet(trial))!
    expect(bet).toMatchObject({ status: 'settled', resultIndex: 1, wager: 2n ** 60n, payout: (2n ** 60n * 198n) / 100n })
  })

  it('keeps each answer with its transaction when a group is split for a node that caps batches and a part comes back short', async () => {
    const { chain, owner, genesis } = buildChain(40, 8, 71)
    const store = memoryStore()
    const base = chain.rpc()
    // Refuses more than 4 calls; answers the rest without its last call (a short reply: "not served yet").
    const rpc = { ...base, getTransactions: async (signatures: readonly string[]) => {
      if (signatures.length > 4) throw new RpcError('getTransaction', 'jsonrpc', 'batch refused: too many', { code: -32600, retryable: false })
      return (await base.getTransactions!(signatures)).slice(0, -1)
    } }
    const indexer = createIndexer({ store, events: createCasinoEvents(), logger: quiet, rpc, config: config(owner, genesis, { fetchBatchSize: 8, decodeThread: false }) })
    await indexer.start()
    await indexer.ready
    await indexer.stop()
    await expectConsistent(store, 40)
  })

  it('records an undecodable transaction as a SystemEvent and goes on', async () => {
    const chain = createFakeChain()
    const owner = newKey()
    const host = { pool: newKey(), mint: newKey(), hostToken: newKey(), hostOwner: owner }
    const genesis = chain.add({ instructions: [] })
    const bad = chain.add({ instructions: [{ ...host, kind: 'register', trial: newKey(), events: [] }], rawVaultPayloads: ['tgDUy45X1t0AAQ=='] })
    const trial = newKey()
    chain.add({ instructions: [{ ...host, kind: 'register', trial, events: [betEvents({ trial, pool: host.pool, player: newKey(), wager: 5n }).register] }] })
    const store = memoryStore()
    const indexer = createIndexer({ store, events: createCasinoEvents(), logger: quiet, config: config(owner, genesis), rpc: chain.rpc() })
    await indexer.start()
    await until(async () => (await store.getCursor())?.signature === chain.txs.at(-1)!.info.signature)
    await indexer.stop()
    expect(await store.getBet(trial)).toMatchObject({ status: 'pending' })
    const system = await store.listSystemEvents({ limit: 10 })
    expect(system).toEqual([expect.objectContaining({ type: 'indexer.undecodable', severity: 'error', metadata: expect.objectContaining({ signature: bad }) })])
    // Its record counts, and each answer the pipeline's own fetches took for a failure (one fetched ahead
    // of the listing does not): it is fetched UNDECODABLE_FETCHES times before it is skipped.
    expect(indexer.status().errors).toBeGreaterThanOrEqual(1)
    expect(indexer.status().errors).toBeLessThanOrEqual(UNDECODABLE_FETCHES)
  })

  it('starts from now on a new casino and persists that start', async () => {
    const { chain, owner } = buildChain(20, 5, 9)
    const store = memoryStore()
    const indexer = createIndexer({ store, events: createCasinoEvents(), logger: quiet, config: { ...config(owner, ''), start: 'now' }, rpc: chain.rpc() })
    await indexer.start()
    await indexer.ready
    expect((await store.getCursor())!.signature).toBe(chain.txs.at(-1)!.info.signature)
    await indexer.stop()
    // Nothing before the start point was ingested.
    const stats = await store.stats(Date.now())
    expect(stats.totalBets + stats.pendingBets).toBe(0)
  })

  it('keeps two commits in flight on a store that pipelines batches: exact, each bet published once and after its commit', async () => {
    const { chain, owner, genesis } = buildChain(800, 40, 21)
    const memory = memoryStore()
    // Commits that take a while and fail one time in six: groups sent behind a failed one are refused
    // by the store and committed again by the indexer.
    const store = pipelined(memory, { delayMs: 3, failRate: 1 / 6, random: seeded(21) })
    const events = createCasinoEvents()
    const published = new Map<string, number>()
    const notCommitted: string[] = []
    events.on('bet.placed', (bet) => {
      published.set(bet.id, (published.get(bet.id) ?? 0) + 1)
      void memory.getBet(bet.id).then(b => b || notCommitted.push(bet.id))
    })
    const faults: FakeFaults = { errorRate: 0.05, random: seeded(22) }
    const indexer = createIndexer({
      store, events, logger: quiet, rpc: chain.rpc(faults),
      config: config(owner, genesis, { maxBatchTransactions: 40, fetchBatchSize: 10, concurrency: 8 }),
    })
    await indexer.start()
    await until(async () => (await memory.getCursor())?.signature === chain.txs.at(-1)!.info.signature)
    await indexer.stop()

    await expectConsistent(memory, 800)
    expect(published.size).toBe(800)
    expect([...published.values()].every(n => n === 1)).toBe(true)
    expect(notCommitted).toEqual([])
    expect(store.counts.behind).toBeGreaterThan(10)
    expect(store.counts.failed).toBeGreaterThan(3)
    expect(store.counts.refused).toBeGreaterThan(0)
  })

  it('publishes every bet once when commits\' replies are lost, and stays exact', async () => {
    const { chain, owner, genesis } = buildChain(600, 30, 23, 0.15)
    const memory = memoryStore()
    // One group in five sent ahead is written but answered with an error: the group sent behind it is then
    // written too (the store's cursor is where it expects), which proves the first one committed, or the
    // lost group is sent again and found applied. Either way its bets are read back and published.
    const store = pipelined(memory, { delayMs: 3, failRate: 0, lostReplyRate: 0.2, random: seeded(23) })
    const events = createCasinoEvents()
    const published = new Map<string, number>()
    const settled = new Map<string, number>()
    const order: string[] = []
    events.on('bet.placed', (bet) => {
      published.set(bet.id, (published.get(bet.id) ?? 0) + 1)
      order.push(bet.id)
    })
    events.on('bet.settled', bet => settled.set(bet.id, (settled.get(bet.id) ?? 0) + 1))
    const indexer = createIndexer({
      store, events, logger: quiet, rpc: chain.rpc(),
      config: config(owner, genesis, { maxBatchTransactions: 40, fetchBatchSize: 10, concurrency: 8 }),
    })
    await indexer.start()
    await until(() => indexer.status().lastSignature === chain.txs.at(-1)!.info.signature)
    await indexer.stop()

    await expectConsistent(memory, 600)
    expect(store.counts.lostPlaced.size).toBeGreaterThan(0)
    expect(store.counts.writtenBehindLost).toBeGreaterThan(0)
    // Every bet, the lost replies' too, placed once and settled once, placed in chain order (seq).
    expect(published.size).toBe(600)
    expect([...published.values()].every(n => n === 1)).toBe(true)
    expect(settled.size).toBe(600)
    expect([...settled.values()].every(n => n === 1)).toBe(true)
    const seqs = await Promise.all(order.map(async id => (await memory.getBet(id))!.seq))
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
  })

  it.each([3, 5, 7, 11, 25, 60])('publishes every bet placed once then settled once when any commit\'s reply may be lost, several in a row (seed %i)', async (seed) => {
    const { chain, owner, genesis } = buildChain(400, 20, seed, 0.25)
    const memory = memoryStore()
    // Any call, first attempt or retry or group sent ahead, is written but answered with an error one time
    // in four: a group sent ahead of a lost one can be lost too, and a resolve seen first can sit in a lost
    // group while its register is in a later one that was answered.
    const store = pipelined(memory, { delayMs: 2, failRate: 0, lostReplyRate: 0.25, lostAnyCall: true, random: seeded(seed * 7) })
    const events = createCasinoEvents()
    const published = countPublished(events)
    const indexer = createIndexer({
      store, events, logger: quiet, rpc: chain.rpc(),
      config: config(owner, genesis, { maxBatchTransactions: 25, fetchBatchSize: 10, concurrency: 8 }),
    })
    await indexer.start()
    // Until the indexer heard of the last commit: the store's cursor can be there already through a
    // commit whose reply was lost, which the indexer has yet to send again and publish.
    await until(() => indexer.status().lastSignature === chain.txs.at(-1)!.info.signature)
    await indexer.stop()

    await expectConsistent(memory, 400)
    expect(store.counts.lostPlaced.size).toBeGreaterThan(0)
    expectEachPublishedOnce(published, 400)
  })

  it.each([[5, 25, 10], [7, 7, 16], [11, 40, 4]])('keeps chain order and publishes every bet once when the decode thread\'s events go to the store packed, replies lost (seed %i, commits of %i, fetches of %i)', async (seed, maxBatchTransactions, fetchBatchSize) => {
    const { chain, owner, genesis } = buildChain(400, 20, seed, 0.25)
    const position = new Map(chain.txs.map((t, i) => [t.info.signature, i]))
    const memory = memoryStore()
    const lossy = pipelined(memory, { delayMs: 2, failRate: 0, lostReplyRate: 0.25, lostAnyCall: true, random: seeded(seed * 7) })
    // A store that takes packed events (as SQLite on its writer thread does), through the same lossy store.
    let packedCalls = 0
    const outOfOrder: string[] = []
    const store: CasinoStore = {
      ...lossy,
      applyPackedBatch(batch) {
        packedCalls++
        const unpacked = unpackEvents(batch.events)
        unpacked.forEach((e, i) => i > 0 && position.get(e.signature)! < position.get(unpacked[i - 1]!.signature)! && outOfOrder.push(e.id))
        return lossy.applyBatch({ ...batch, events: unpacked })
      },
    }
    const events = createCasinoEvents()
    const published = countPublished(events)
    const indexer = createIndexer({
      store, events, logger: quiet, rpc: rawBatchRpc(chain, seeded(seed * 13)),
      config: config(owner, genesis, { maxBatchTransactions, fetchBatchSize, concurrency: 8, decodeThread: true }),
    })
    await indexer.start()
    await until(() => indexer.status().lastSignature === chain.txs.at(-1)!.info.signature, 60_000)
    await indexer.stop()

    await expectConsistent(memory, 400)
    expect(packedCalls).toBeGreaterThan(0)
    expect(outOfOrder).toEqual([])
    expect(lossy.counts.lostPlaced.size).toBeGreaterThan(0)
    expectEachPublishedOnce(published, 400)
  }, 90_000)

  // The check of a batch body runs in the indexer, not only in its own client: a custom client's
  // fetchTransactionsBatch that resolves with a proxy's 429 body (not an array) is paced as a 429.
  it('paces a 429 body that a custom client hands over as a batch answer, and misses nothing', async () => {
    const { chain, owner, genesis } = buildChain(100, 10, 37)
    const store = memoryStore()
    const inner = rawBatchRpc(chain, () => 0.5)
    let refusals = 3
    const rpc = {
      ...inner,
      async fetchTransactionsBatch(signatures: readonly string[]) {
        if (refusals <= 0) return inner.fetchTransactionsBatch!(signatures)
        refusals--
        return { first: 1, retryAfterMs: null, bytes: new TextEncoder().encode('{"jsonrpc":"2.0","error":{"code": 429, "message":"Too many requests from your IP"}, "id": null }') }
      },
    }
    const indexer = createIndexer({
      store, events: createCasinoEvents(), logger: quiet, rpc,
      config: config(owner, genesis, { fetchBatchSize: 10, concurrency: 4, decodeThread: true }),
    })
    await indexer.start()
    await until(() => indexer.status().lastSignature === chain.txs.at(-1)!.info.signature, 30_000)
    const status = indexer.status()
    await indexer.stop()
    await expectConsistent(store, 100)
    expect(refusals).toBe(0)
    expect(status.rateLimited).toBe(3)
  }, 60_000)

  it('publishes a commit whose reply was lost once, when the retry finds it applied (a store that does not pipeline)', async () => {
    const { chain, owner, genesis } = buildChain(400, 20, 29, 0.3)
    const memory = memoryStore()
    const { store, lost } = losingReplies(memory, seeded(29))
    const events = createCasinoEvents()
    const placed = new Map<string, number>()
    const settled = new Map<string, number>()
    events.on('bet.placed', bet => placed.set(bet.id, (placed.get(bet.id) ?? 0) + 1))
    events.on('bet.settled', (bet) => {
      expect(placed.has(bet.id)).toBe(true) // placed before settled, even when read back
      settled.set(bet.id, (settled.get(bet.id) ?? 0) + 1)
    })
    const indexer = createIndexer({ store, events, logger: quiet, rpc: chain.rpc(), config: config(owner, genesis, { maxBatchTransactions: 30, fetchBatchSize: 10 }) })
    await indexer.start()
    await until(() => indexer.status().lastSignature === chain.txs.at(-1)!.info.signature)
    await indexer.stop()

    await expectConsistent(memory, 400)
    expect(lost()).toBeGreaterThan(3)
    expect(placed.size).toBe(400)
    expect([...placed.values()].every(n => n === 1)).toBe(true)
    expect(settled.size).toBe(400)
    expect([...settled.values()].every(n => n === 1)).toBe(true)
    expect(indexer.status().bets).toBe(400)
  })

  it('publishes the bets of a lost reply when reading them back fails at first (the store still recovering)', async () => {
    const { chain, owner, genesis } = buildChain(200, 10, 31)
    const memory = memoryStore()
    // The read after each lost reply fails too.
    let failReads = 0
    const lossy = losingReplies(memory, seeded(31), () => (failReads = 1))
    const { store, failed } = failingReads(lossy.store, () => failReads-- > 0)
    const events = createCasinoEvents()
    const seen = countPublished(events)
    const indexer = createIndexer({ store, events, logger: quiet, rpc: chain.rpc(), config: config(owner, genesis, { maxBatchTransactions: 30, fetchBatchSize: 10 }) })
    await indexer.start()
    await until(() => indexer.status().lastSignature === chain.txs.at(-1)!.info.signature)
    await indexer.stop()

    expect(lossy.lost()).toBeGreaterThan(0)
    expect(failed()).toBeGreaterThan(0)
    await expectConsistent(memory, 200)
    expectEachPublishedOnce(seen, 200)
    expect((await memory.listSystemEvents({ limit: 1000 })).filter(e => e.type === 'indexer.replay_unpublished')).toEqual([])
  })

  it('leaves the bets of a lost reply to the next run when it stops while reading them back', async () => {
    const { chain, owner, genesis } = buildChain(100, 10, 47)
    const memory = memoryStore()
    let reading = true
    const lossy = losingReplies(memory, seeded(47))
    const { store, failed } = failingReads(lossy.store, () => reading && lossy.lost() > 0)
    const events = createCasinoEvents()
    const seen = countPublished(events)
    const first = createIndexer({ store, events, logger: quiet, rpc: chain.rpc(), config: config(owner, genesis, { maxBatchTransactions: 30, retryDelay: 100 }) })
    await first.start()
    await until(() => failed() > 0)
    await first.stop()
    reading = false
    const second = createIndexer({ store: memory, events, logger: quiet, rpc: chain.rpc(), config: config(owner, genesis, { maxBatchTransactions: 30 }) })
    await second.start()
    await until(() => seen.placed.size === 100 && seen.settled.size === 100)
    await second.stop()
    await expectConsistent(memory, 100)
    expect((await memory.listSystemEvents({ limit: 1000 })).filter(e => e.type === 'indexer.replay_unpublished')).toEqual([])
  })

  it('catches up on a long backlog chunk by chunk: exact, and never more than two chunks queued', async () => {
    const { chain, owner, genesis } = buildChain(1200, 30, 27)
    const store = memoryStore()
    const faults: FakeFaults = { errorRate: 0.05, shortPages: 53, random: seeded(27) }
    const indexer = createIndexer({
      store, events: createCasinoEvents(), logger: quiet, rpc: chain.rpc(faults),
      config: config(owner, genesis, { backfillChunk: 200, maxBatchTransactions: 50, fetchBatchSize: 10 }),
    })
    let mostQueued = 0
    const applyBatch = store.applyBatch.bind(store)
    store.applyBatch = (batch) => {
      mostQueued = Math.max(mostQueued, indexer.status().pending)
      return applyBatch(batch)
    }
    await indexer.start()
    await indexer.ready
    await indexer.stop()
    expect(chain.txs.length).toBeGreaterThan(2400)
    await expectConsistent(store, 1200)
    expect((await store.getCursor())!.signature).toBe(chain.txs.at(-1)!.info.signature)
    expect(mostQueued).toBeGreaterThan(100)
    expect(mostQueued).toBeLessThanOrEqual(400)
  })

  it('commits a backfill in few full groups, and never holds a live transaction for a group', async () => {
    const { chain, owner, genesis } = buildChain(400, 30, 5)
    const all = [...chain.txs]
    chain.txs.splice(all.length - 3) // three transactions arrive live, later
    const store = memoryStore()
    const groups: number[] = []
    const applyBatch = store.applyBatch.bind(store)
    store.applyBatch = (batch) => {
      groups.push(new Set(batch.events.map(e => e.signature)).size)
      return applyBatch(batch)
    }
    // Fetches that trickle in (two batch requests at a time, each answered after 2 ms), so that without
    // the grouping each commit would hold only what the last requests brought.
    const base = chain.rpc()
    const rpc = { ...base, getTransactions: async (signatures: readonly string[]) => {
      await new Promise(r => setTimeout(r, 2))
      return base.getTransactions!(signatures)
    } }
    // A wait long enough to fail the test if it ever applied to live traffic.
    const indexer = createIndexer({
      store, events: createCasinoEvents(), logger: quiet, rpc,
      config: config(owner, genesis, { maxBatchTransactions: 100, fetchBatchSize: 10, concurrency: 2, groupWaitMs: 60_000 }),
    })
    await indexer.start()
    await indexer.ready
    const backfill = chain.txs.length - 1 // after the genesis
    const backfillCommits = groups.length
    // One commit per 100 transactions, plus at most a short tail (transactions without our events add
    // nothing to `groups`' sizes, hence the bound on the count rather than on each size).
    expect(backfillCommits).toBeLessThanOrEqual(Math.ceil(backfill / 100) + 2)
    chain.txs.push(...all.slice(chain.txs.length))
    await until(async () => (await store.getCursor())?.signature === all.at(-1)!.info.signature, 10_000)
    await indexer.stop()
    await expectConsistent(store, 400)
  })
  it('fetches a long backfill as commits move: never more than the window ahead of what is committed', async () => {
    const { chain, owner, genesis } = buildChain(1500, 30, 9)
    const store = memoryStore()
    const rpc = chain.rpc()
    const settings = { maxBatchTransactions: 50, fetchBatchSize: 10, concurrency: 4 }
    // The window: two commits' worth (100), or two rounds of every concurrent request (80).
    const window = Math.max(2 * settings.maxBatchTransactions, 2 * settings.concurrency * settings.fetchBatchSize)
    const indexer = createIndexer({ store, events: createCasinoEvents(), logger: quiet, rpc, config: config(owner, genesis, settings) })
    // Transactions asked for (no faults: each once), against transactions committed when asked.
    let fetched = 0
    let widest = 0
    const getTransactions = rpc.getTransactions!.bind(rpc)
    rpc.getTransactions = async (signatures) => {
      fetched += signatures.length
      widest = Math.max(widest, fetched - indexer.status().transactions)
      return getTransactions(signatures)
    }
    // A store slower than the node: without the window, every fetch would run ahead of the commits.
    const applyBatch = store.applyBatch.bind(store)
    store.applyBatch = async (batch) => {
      await new Promise(r => setTimeout(r, 5))
      return applyBatch(batch)
    }
    await indexer.start()
    await until(async () => (await store.stats(Date.now())).totalBets === 1500)
    await indexer.stop()
    await expectConsistent(store, 1500)
    expect(chain.txs.length).toBeGreaterThan(3000)
    expect(widest).toBeLessThanOrEqual(window)
    expect(widest).toBeGreaterThan(window / 2)
  })
  it('commits as many transactions as the store prefers when the config does not say, and the config wins', async () => {
    const { chain, owner, genesis } = buildChain(300, 20, 41)
    /** Transactions per commit: the distinct signatures of the batch's events (every one of ours carries some). */
    const run = async (preferred: number, configured: number | undefined): Promise<number[]> => {
      const store: CasinoStore = memoryStore()
      Object.defineProperty(store, 'preferredBatchTransactions', { value: preferred })
      const sizes: number[] = []
      const applyBatch = store.applyBatch.bind(store)
      store.applyBatch = async (batch) => {
        sizes.push(new Set(batch.events.map(e => e.signature)).size)
        return applyBatch(batch)
      }
      const indexer = createIndexer({
        store, events: createCasinoEvents(), logger: quiet, rpc: chain.rpc(),
        config: config(owner, genesis, { maxBatchTransactions: configured, fetchBatchSize: 10, groupWaitMs: 60_000 }),
      })
      await indexer.start()
      await until(async () => (await store.getCursor())?.signature === chain.txs.at(-1)!.info.signature)
      await indexer.stop()
      await expectConsistent(store, 300)
      return sizes
    }
    const preferred = await run(97, undefined)
    expect(Math.max(...preferred)).toBeLessThanOrEqual(97)
    // A backlog fills its commits: more than the 64 of this file's config, and than its own setting below.
    expect(Math.max(...preferred)).toBeGreaterThan(64)
    const configured = await run(97, 30)
    expect(Math.max(...configured)).toBeLessThanOrEqual(30)
    expect(configured.length).toBeGreaterThan(preferred.length)
  })

  it('holds a short group as long as the store prefers when the config does not say, and the config wins', () => {
    const base = { rpcUrl: 'http://127.0.0.1:1', ownerWallet: newKey() }
    expect(resolveIndexerOptions(base).groupWaitMs).toBe(25)
    expect(resolveIndexerOptions(base, { preferredGroupWaitMs: 5 }).groupWaitMs).toBe(5)
    expect(resolveIndexerOptions({ ...base, groupWaitMs: 40 }, { preferredGroupWaitMs: 5 }).groupWaitMs).toBe(40)
    expect(() => resolveIndexerOptions(base, { preferredGroupWaitMs: -1 })).toThrow(/groupWaitMs/)
  })

  it('refuses a filter that would match nothing by mistake, and takes the three it documents', () => {
    // Before, a pool list given as one string became a set of its letters, a typo of a key fell back to
    // the owner's host, and a host that is no address was taken: the casino indexed nothing, silently.
    const base = { rpcUrl: 'http://127.0.0.1:1', ownerWallet: newKey() }
    const pool = newKey()
    const refused: [unknown, RegExp][] = [
      [{ pools: pool }, /filter\.pools must be a non-empty array/],
      [{ pools: [] }, /filter\.pools must be a non-empty array/],
      [{ pools: [pool, 123] }, /filter\.pools holds 123, which is no address/],
      [{ pool: [pool] }, /filter must have exactly one key, host or pools/],
      [{ host: base.ownerWallet, pools: [pool] }, /exactly one key/],
      [{ host: 'not-a-wallet' }, /filter\.host must be a wallet address/],
      [{ host: '' }, /filter\.host must be a wallet address/],
      ['ALL', /filter must be 'all', \{ host \} or \{ pools \}/],
      [[pool], /filter must be 'all'/],
    ]
    for (const [filter, message] of refused) {
      expect(() => resolveIndexerOptions({ ...base, filter: filter as never }), JSON.stringify(filter)).toThrow(message)
    }
    expect(() => resolveIndexerOptions({ ...base, ownerWallet: 'owner' })).toThrow(/ownerWallet must be a wallet address/)
    expect(resolveIndexerOptions(base).filter).toEqual({ kind: 'host', host: base.ownerWallet })
    expect(resolveIndexerOptions({ ...base, filter: { host: pool } }).filter).toEqual({ kind: 'host', host: pool })
    expect(resolveIndexerOptions({ ...base, filter: { pools: [pool] } }).filter).toEqual({ kind: 'pools', pools: new Set([pool]) })
    expect(resolveIndexerOptions({ ...base, filter: 'all' }).filter).toEqual({ kind: 'all' })
  })

  it('takes only whole counts of at least 1 for counts', () => {
    // Before, fetchBatchSize 0.5 passed (positive) and was floored to 0: notified transactions were never
    // fetched, and live ingestion stopped for good.
    const base = { rpcUrl: 'http://127.0.0.1:1', ownerWallet: newKey() }
    for (const name of ['fetchBatchSize', 'backfillChunk', 'concurrency', 'retries', 'maxBatchTransactions'] as const) {
      for (const bad of [0.5, 2.5, 0, -1]) {
        expect(() => resolveIndexerOptions({ ...base, [name]: bad }), `${name} ${bad}`).toThrow(new RegExp(`${name} must (be a whole number of at least 1|be positive)`))
      }
      expect(resolveIndexerOptions({ ...base, [name]: 7 })[name]).toBe(7)
    }
  })
})
