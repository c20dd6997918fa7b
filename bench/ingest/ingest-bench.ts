/**
 * Ingest benchmark.
 * 1. Throughput: bets per second from RPC response bodies (JSON bytes served by an in-process `fetch`)
 *    to committed in SQLite, Postgres and Redis (one after the other, same workload) and published on
 *    casino.events, beside a decode-only baseline (JSON.parse + decodeTransaction of the same bodies)
 *    in the same run. Each store with the decode thread (the built package's default), SQLite also
 *    without (decoding on the main thread). Postgres gets a fresh schema and Redis a random key prefix.
 *    INGEST_STORES=sqlite,postgres,redis picks the stores; FARE_TEST_POSTGRES_URL / FARE_TEST_REDIS_URL
 *    point at the servers (default: the local ones). Each store's ingest runs INGEST_REPEAT times
 *    (default 3): the median run is shown, with every run's rate and the CPU of each thread.
 * 2. Latency: with logsSubscribe on, against the localnet, the time from the localnet's `confirmed`
 *    logsNotification for a bet (seen by a second WebSocket client) to casino.events emitting bet.placed.
 * Results are printed as a markdown section for bench/RESULTS.md.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { performance as nodePerformance } from 'node:perf_hooks'
import { postgresStore } from '@fare-casino/adapters/postgres'
import { redisStore } from '@fare-casino/adapters/redis'
import { sqliteStore } from '@fare-casino/adapters/sqlite'
import { startLocalnet } from '@fare-casino/localnet'
import { afterAll, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createCasinoEvents } from '../../packages/core/src/events'
import { decodeTransaction } from '../../packages/core/src/indexer/decode'
import { createIndexer } from '../../packages/core/src/indexer/indexer'
import type { TransactionJson } from '../../packages/core/src/solana/rpc'
import type { VaultEvent } from '../../packages/core/src/solana/vault-events'
import type { Batch, BatchResult, CasinoStore, ChainEvent } from '../../packages/core/src/store/types'
import { deleteKeys, postgresUrl, redisUrl, uniqueName } from '../../packages/adapters/test/_services'
import { betEvents, createFakeChain, newKey } from '../../packages/core/test/indexer/fake-chain'

const BETS = Number(process.env.INGEST_BETS ?? 20_000)
/** The latency run's `rpcRateLimit` (requests per second); INGEST_RPC_RATE=100 for the indexer's default. */
const RATE = Number(process.env.INGEST_RPC_RATE ?? 1000)
/** getTransaction calls per JSON-RPC batch request in the throughput run (default: the indexer's own default). */
const FETCH_BATCH = Number(process.env.INGEST_FETCH_BATCH ?? 50)
/**
 * Transactions per `applyBatch`, at most (the indexer's `maxBatchTransactions`). Default: what the
 * indexer chooses with no setting, the store's `preferredBatchTransactions` (SQLite with its writer
 * thread 8,000, Postgres and Redis 2,000), else 1,000.
 */
const COMMIT_TXS = process.env.INGEST_COMMIT_TXS ? Number(process.env.INGEST_COMMIT_TXS) : undefined
/** The commit size the indexer uses on `store`, and how the rows say where it comes from. */
const commitTxsOf = (store: CasinoStore): number => COMMIT_TXS ?? store.preferredBatchTransactions ?? 1000
const commitLabel = (txs: number): string => `commits ≤ ${txs.toLocaleString('en-US')} txs${COMMIT_TXS === undefined ? ', the indexer\'s default for the store' : ''}`
/**
 * Runs of each store's ingest: the row shows the median run and the range. This machine's speed
 * varies by up to ±20% from one run to the next with nothing else running, so one run says little.
 */
const REPEAT = Math.max(1, Number(process.env.INGEST_REPEAT ?? 3))
/** The stores the throughput run ingests into, in this order. */
const STORES = (process.env.INGEST_STORES ?? 'sqlite,postgres,redis').split(',').map(s => s.trim()).filter(Boolean)
/** INGEST_MAIN_THREAD=0 skips the SQLite run that decodes on the main thread (the comparison row). */
const MAIN_THREAD_RUN = process.env.INGEST_MAIN_THREAD !== '0'
/** A directory: each store run writes a CPU profile of the main thread there (`<store>-<thread>.cpuprofile`). */
const PROFILE_DIR = process.env.INGEST_PROFILE
/**
 * INGEST_WARM=0 skips the warm SQLite run: the second half of the chain ingested by an indexer that
 * ingested the first half (its threads started, their code compiled), as a running casino catches up.
 */
const WARM_RUN = process.env.INGEST_WARM !== '0' && STORES.includes('sqlite')
/** INGEST_SQLITE_WRITER=0 keeps SQLite's writes on the main thread in the threaded run (decode thread only). */
const SQLITE_WRITER = process.env.INGEST_SQLITE_WRITER !== '0'
/**
 * Every register transaction carries the three FeeCharged events and the PoolAccumulatedAmountUpdated
 * that the vault emits before TrialRegistered (as on the localnet), each one recorded by the store.
 * INGEST_FEES=0 serves TrialRegistered alone, as every run before 2026-12-04 08:12 did.
 */
const FEES = process.env.INGEST_FEES !== '0'
/**
 * INGEST_TX_BYTES=12000 pads every transaction's JSON to about that many bytes with ComputeBudget
 * invocations in its logs, as big as the vault's real mainnet transactions (10 to 17 KB in
 * ../shared/solana-rpc; the bench's own are ~2.5 KB). Default: no padding.
 */
const TX_BYTES = Number(process.env.INGEST_TX_BYTES ?? 0)
/**
 * INGEST_RPC_LATENCY_MS=20 answers every request of the throughput run that many milliseconds late, as a
 * node across a network would (a round trip). Default 0: the node answers at once and the indexer's CPU
 * is what is measured.
 */
const RPC_LATENCY_MS = Number(process.env.INGEST_RPC_LATENCY_MS ?? 0)
const quiet = { debug() {}, info() {}, warn() {}, error: (...a: unknown[]) => console.error(...a) }
const dir = mkdtempSync(join(tmpdir(), 'fare-ingest-bench-'))
const lines: string[] = []
const load = () => loadavg().map(l => l.toFixed(2)).join(', ')
const loadAtStart = load()
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Prints the RESULTS section as far as it is measured (each test adds its lines). */
function print(): void {
  console.log([
    '## Ingest benchmark',
    '',
    `Measured ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}; stores: ${STORES.join(', ')}.`,
    `Load average (1, 5, 15 min) at start: ${loadAtStart}; now: ${load()}.`,
    '',
    `${BETS.toLocaleString('en-US')} bets${TX_BYTES > 0 ? ` (every transaction padded to ~${TX_BYTES.toLocaleString('en-US')} bytes of JSON with ComputeBudget invocations in its logs)` : ''}, each a register transaction (${FEES ? 'with the three FeeCharged and the PoolAccumulatedAmountUpdated the vault emits before TrialRegistered' : 'TrialRegistered alone'}) and a resolve transaction, 500 players, served as`,
    `recorded JSON-RPC response bodies by an in-process \`fetch\` (Buffers that already exist, streamed in chunks of up to 64 KiB: the node costs next to nothing and the indexer is measured)${RPC_LATENCY_MS > 0 ? `, each answer ${RPC_LATENCY_MS} ms late (a network round trip)` : ''}.`,
    '',
    '| path | bets/s | ms | µs per tx | load (1 min) after |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...lines,
  ].join('\n'))
}

/**
 * The events a Fare Vault register emits before TrialRegistered (as the localnet's vault does): the host,
 * network and pool fees (the localnet's rates: 0.5%, 0.5%, 0.1%), and the pool's new accumulated amount.
 */
function feeEvents(trial: string, pool: string, wager: bigint, i: number): VaultEvent[] {
  const fee = (feeType: number, bps: bigint): VaultEvent => ({ name: 'FeeCharged', fields: { feeType, poolId: pool, trialId: trial, feeAmount: wager * bps / 10_000n } })
  return [fee(0, 50n), fee(1, 50n), fee(2, 10n), { name: 'PoolAccumulatedAmountUpdated', fields: { poolId: pool, trialId: trial, newAccumulatedAmount: 10_000n * BigInt(i + 1) } }]
}

/** `tx` with ComputeBudget invocations before its own logs, until its JSON is about {@link TX_BYTES} long. */
function padded(tx: TransactionJson): TransactionJson {
  const size = JSON.stringify(tx).length
  if (size >= TX_BYTES) return tx
  const program = 'ComputeBudget111111111111111111111111111111'
  const pair = [`Program ${program} invoke [1]`, `Program ${program} success`]
  const pairs = Math.ceil((TX_BYTES - size) / (JSON.stringify(pair).length - 1))
  const filler = Array.from({ length: pairs }, () => pair).flat()
  return { ...tx, meta: { ...tx.meta!, logMessages: [...filler, ...(tx.meta!.logMessages ?? [])] } }
}

/**
 * The chain as a node would serve it, as text: every bet registered in one transaction and resolved in
 * another, 8 per slot. Only the text is kept: the chain's transaction objects would otherwise sit in
 * the heap and make every major GC of both measured paths slower.
 */
function recordedNode() {
  const chain = createFakeChain()
  const owner = newKey()
  const host = { pool: newKey(), mint: newKey(), hostToken: newKey(), hostOwner: owner }
  const players = Array.from({ length: 500 }, () => newKey())
  const genesis = chain.add({ instructions: [] })
  for (let i = 0; i < BETS; i++) {
    if (i % 4 === 0) chain.nextSlot()
    const trial = newKey()
    const wager = 1_000_000n + BigInt(i)
    const e = betEvents({ trial, pool: host.pool, player: players[i % players.length]!, wager, resultIndex: i % 2 })
    chain.add({ instructions: [{ ...host, kind: 'register', trial, events: FEES ? [...feeEvents(trial, host.pool, wager, i), e.register] : [e.register] }] })
    chain.add({ instructions: [{ ...host, kind: 'resolve', trial, events: [e.resolve] }] })
  }
  const newestFirst = chain.txs.filter(t => t.json.transaction.message.accountKeys.includes(chain.programId)).reverse().map(t => t.info)
  return {
    owner,
    genesis,
    programId: chain.programId,
    headSlot: chain.txs.at(-1)!.info.slot,
    bodies: new Map(chain.txs.map(t => [t.info.signature, Buffer.from(JSON.stringify(padded(t.json)))])),
    infoJson: newestFirst.map(info => JSON.stringify(info)),
    position: new Map(newestFirst.map((info, i) => [info.signature, i])),
  }
}

it('ingest throughput vs decode-only', async () => {
  // The node's side is precomputed, so that serving a request costs next to nothing and what is measured
  // is the indexer: an answer is made of Buffers that already exist (each transaction's result, a slice
  // of the signature listing, a few bytes of envelope), streamed in chunks of up to 64 KiB as a node's
  // HTTP response arrives. The indexer's `fetch` consumer assembles the body from those chunks.
  const { owner, genesis, programId, headSlot, bodies, infoJson, position } = recordedNode()
  const newestCount = infoJson.length
  /** The newest signatures the node does not list yet (the warm run's second backlog). */
  let hidden = 0
  const listing = Buffer.from(infoJson.join(','))
  const infoAt: number[] = [0]
  for (const info of infoJson) infoAt.push(infoAt[infoAt.length - 1]! + Buffer.byteLength(info) + 1)
  const bytes = (text: string) => Buffer.from(text)
  const NULL = bytes('null')
  const CLOSE = bytes('}')
  const COMMA = bytes(',')
  const OPEN_LIST = bytes('[')
  const CLOSE_LIST = bytes(']')
  const serve = (request: { id: number, method: string, params: unknown[] }, out: Buffer[]): void => {
    out.push(bytes(`{"jsonrpc":"2.0","id":${request.id},"result":`))
    if (request.method === 'getTransaction') {
      out.push(bodies.get(request.params[0] as string) ?? NULL)
    }
    else if (request.method === 'getSignaturesForAddress') {
      const page = request.params[1] as { before?: string, until?: string, limit?: number }
      const from = page.before === undefined ? hidden : (position.get(page.before) ?? newestCount) + 1
      const to = Math.max(from, Math.min(page.until === undefined ? newestCount : (position.get(page.until) ?? newestCount), from + (page.limit ?? 1000)))
      out.push(OPEN_LIST)
      if (to > from) out.push(listing.subarray(infoAt[from], infoAt[to]! - 1)) // without the trailing comma
      out.push(CLOSE_LIST)
    }
    else {
      out.push(request.method === 'getSlot' ? bytes(String(headSlot)) : NULL)
    }
    out.push(CLOSE)
  }
  const fakeFetch = (async (_url: string, init: RequestInit) => {
    const request = JSON.parse(init.body as string) as Parameters<typeof serve>[0] | Parameters<typeof serve>[0][]
    const out: Buffer[] = []
    if (Array.isArray(request)) {
      out.push(OPEN_LIST)
      request.forEach((r, i) => {
        if (i > 0) out.push(COMMA)
        serve(r, out)
      })
      out.push(CLOSE_LIST)
    }
    else {
      serve(request, out)
    }
    // As from a socket: each chunk arrives in an event-loop turn of its own (an I/O callback), never all
    // in one run of microtasks, which would starve every other event of the main thread (the decode
    // thread's replies) while the fetch window fills.
    const chunks = inChunks(out)
    let next = 0
    if (RPC_LATENCY_MS > 0) await new Promise(resolve => setTimeout(resolve, RPC_LATENCY_MS))
    else await nextTurn()
    return new Response(new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (next > 0) await nextTurn()
        controller.enqueue(chunks[next++]!)
        if (next === chunks.length) controller.close()
      },
    }))
  }) as typeof fetch

  // Decode-only baseline: the same bodies, parsed and decoded, nothing else. A cold pass (what the
  // end-to-end run starts from too), then a warm one (the JIT has seen the code).
  const decodeOptions = { programId, filter: { kind: 'host' as const, host: owner }, gameOf: () => 'coinflip' }
  const decodeAll = (): number => {
    const t0 = performance.now()
    let decodedBets = 0
    for (const [signature, body] of bodies) {
      const tx = JSON.parse(body.toString()) as TransactionJson
      for (const e of decodeTransaction(tx, signature, decodeOptions).events) if (e.kind === 'trialRegistered') decodedBets++
    }
    expect(decodedBets).toBe(BETS)
    return performance.now() - t0
  }
  const rate = (ms: number) => Math.round(BETS / (ms / 1000)).toLocaleString('en-US')
  const perTx = (ms: number) => (ms * 1000 / (BETS * 2)).toFixed(1)
  const txs = (BETS * 2).toLocaleString('en-US')
  const decodeColdMs = decodeAll()
  lines.push(`| decode-only baseline, cold (JSON.parse + decodeTransaction, ${txs} txs) | ${rate(decodeColdMs)} | ${decodeColdMs.toFixed(0)} | ${perTx(decodeColdMs)} | ${loadavg()[0]!.toFixed(2)} |`)
  const decodeWarmMs = decodeAll()
  lines.push(`| decode-only baseline, warm (second pass) | ${rate(decodeWarmMs)} | ${decodeWarmMs.toFixed(0)} | ${perTx(decodeWarmMs)} | ${loadavg()[0]!.toFixed(2)} |`)

  // Store-only baseline: the same transactions, decoded beforehand, committed in the same groups
  // (`applyBatch` of at most the indexer's commit size, in chain order, one after the other) into a fresh
  // store of each kind with its threads. Nothing is fetched, decoded or published while it is timed: no
  // end-to-end run can commit faster than this on the same machine.
  for (const name of STORES) {
    const { store, cleanup } = await openStore(name, true)
    try {
      await store.migrate()
      const batches = decodedBatches(commitTxsOf(store))
      const t0 = performance.now()
      for (const batch of batches) await store.applyBatch(batch)
      const ms = performance.now() - t0
      expect((await store.stats(Date.now())).totalBets).toBe(BETS)
      lines.push(`| store-only baseline: ${name} \`applyBatch\` of the same groups, decoded beforehand, one after the other (${batches.length} calls, ${commitLabel(commitTxsOf(store))}${name === 'sqlite' ? ', writer thread' : ''}) | ${rate(ms)} | ${ms.toFixed(0)} | ${perTx(ms)} | ${loadavg()[0]!.toFixed(2)} |`)
    }
    finally {
      await cleanup()
      await store.close()
    }
  }

  /** Every transaction decoded, in groups of at most `size` in chain order, as the indexer commits them. */
  function decodedBatches(size: number): Batch[] {
    const batches: Batch[] = []
    let group: ChainEvent[] = []
    let count = 0
    let slot = 0
    for (const [signature, body] of bodies) {
      const tx = JSON.parse(body.toString()) as TransactionJson
      group.push(...decodeTransaction(tx, signature, decodeOptions).events)
      slot = tx.slot
      if (++count % size === 0 || count === bodies.size) {
        batches.push({ events: group, cursor: { signature, slot }, now: Date.now() })
        group = []
      }
    }
    return batches
  }

  // Every store with its threads (the built package's default on two cores: the decode thread, and for
  // SQLite the writer thread); SQLite also without them, all on the main thread, for comparison.
  const runs: [name: string, threads: boolean][] = STORES.flatMap(name => (name === 'sqlite' && MAIN_THREAD_RUN ? [[name, false], [name, true]] : [[name, true]]))
  for (const [name, decodeThread] of runs) {
    const measured: Run[] = []
    for (let i = 0; i < REPEAT; i++) {
      const { store, cleanup } = await openStore(name, decodeThread)
      try {
        await store.migrate()
        measured.push(await ingestInto(name, store, decodeThread, i))
      }
      finally {
        await cleanup() // the schema or keys of this run, through the store's own connection
        await store.close()
      }
    }
    const byTime = [...measured].sort((a, b) => a.ingestMs - b.ingestMs)
    const median = byTime[Math.floor((byTime.length - 1) / 2)]!
    const range = measured.length > 1 ? `; ${measured.length} runs: ${measured.map(r => rate(r.ingestMs)).join(', ')}` : ''
    const after = loadavg()[0]!.toFixed(2)
    lines.push(
      `| **RPC bodies → ${name} commit → published**, ${threadsOf(name, decodeThread)} (batches of ${FETCH_BATCH} getTransaction, concurrency 8, ${commitLabel(median.commitTxs)}; median run${range}) | **${rate(median.ingestMs)}** | ${median.ingestMs.toFixed(0)} | ${perTx(median.ingestMs)} | ${after} |`,
      `| … ${name} \`applyBatch\` wall time of the median run, summed (${median.commits} calls${median.pipelines ? ', two in flight at a time' : ''}; main event loop busy ${(median.elu * 100).toFixed(0)}% of the run; CPU of all this process's threads ${median.cpuMs.toFixed(0)} ms, ${(median.cpuMs * 1000 / (BETS * 2)).toFixed(1)} µs per tx; ${median.threads}) | ${rate(median.storeMs)} | ${median.storeMs.toFixed(0)} | ${perTx(median.storeMs)} | ${after} |`,
    )
  }
  if (WARM_RUN) {
    // The same SQLite path, with an indexer that has already ingested: the first half of the chain is
    // ingested unmeasured (its threads start and their code is compiled), then the rest appears on the
    // node and is measured, as when a running casino catches up after its RPC was down.
    const measured: { bets: number, ms: number, cpuMs: number }[] = []
    for (let i = 0; i < REPEAT; i++) {
      const { store } = await openStore('sqlite', true)
      try {
        await store.migrate()
        measured.push(await ingestWarm(store))
      }
      finally {
        await store.close()
      }
    }
    const byRate = [...measured].sort((a, b) => a.bets / a.ms - b.bets / b.ms)
    const median = byRate[Math.floor((byRate.length - 1) / 2)]!
    const rateOf = (r: { bets: number, ms: number }) => Math.round(r.bets / (r.ms / 1000)).toLocaleString('en-US')
    lines.push(`| **warm: the second half of the chain → sqlite commit → published**, decode thread + writer thread, by an indexer that ingested the first half (${median.bets.toLocaleString('en-US')} bets settled in the measured part; median run${measured.length > 1 ? `; ${measured.length} runs: ${measured.map(rateOf).join(', ')}` : ''}; CPU of all this process's threads ${median.cpuMs.toFixed(0)} ms, ${(median.cpuMs * 1000 / (median.bets * 2)).toFixed(1)} µs per tx) | **${rateOf(median)}** | ${median.ms.toFixed(0)} | ${(median.ms * 1000 / (median.bets * 2)).toFixed(1)} | ${loadavg()[0]!.toFixed(2)} |`)
  }
  print()

  /**
   * An indexer that ingests the first half of the chain, then the second once the node lists it:
   * the second half is measured (bets settled in it, per second of wall time from the node listing it).
   */
  async function ingestWarm(store: CasinoStore): Promise<{ bets: number, ms: number, cpuMs: number }> {
    hidden = Math.floor(newestCount / 2)
    const visibleNewest = JSON.parse(infoJson[hidden]!) as { signature: string }
    const events = createCasinoEvents()
    const progress = settledCount(events)
    const indexer = createIndexer({
      store, events, logger: quiet,
      config: {
        rpcUrl: 'http://bench.invalid', ownerWallet: owner, start: { signature: genesis }, subscribe: false, pollInterval: 10,
        concurrency: 8, rpcRateLimit: 1_000_000, maxBatchTransactions: COMMIT_TXS, fetchBatchSize: FETCH_BATCH, fetch: fakeFetch, decodeThread: true,
      },
    })
    try {
      await indexer.start()
      while (indexer.status().lastSignature !== visibleNewest.signature) await new Promise(r => setTimeout(r, 5))
      await new Promise(r => setTimeout(r, 100)) // the first half's stats update and collections settle
      const before = progress.settled
      const cpu0 = process.cpuUsage()
      const t = performance.now()
      hidden = 0
      await progress.finished
      const ms = performance.now() - t
      const cpu = process.cpuUsage(cpu0)
      return { bets: BETS - before, ms, cpuMs: (cpu.user + cpu.system) / 1000 }
    }
    finally {
      hidden = 0
      await indexer.stop()
    }
  }

  /** One measured ingest. */
  interface Run { ingestMs: number, storeMs: number, commits: number, commitTxs: number, pipelines: boolean, elu: number, cpuMs: number, threads: string }

  /** Full path: RPC client (JSON-RPC batches) -> p-queue -> decode -> `applyBatch` -> publish. */
  async function ingestInto(name: string, store: CasinoStore, decodeThread: boolean, attempt: number): Promise<Run> {
    // The wall time of each applyBatch call, summed (pipelining stores overlap two calls).
    let commits = 0
    let storeMs = 0
    const timed = <A>(apply: (batch: A) => Promise<BatchResult>) => async (batch: A): Promise<BatchResult> => {
      commits++
      const t0 = performance.now()
      try {
        return await apply(batch)
      }
      finally {
        storeMs += performance.now() - t0
      }
    }
    store.applyBatch = timed(store.applyBatch.bind(store))
    // A store that takes the decode thread's events as bytes gets them so (SQLite with its writer thread).
    if (store.applyPackedBatch) store.applyPackedBatch = timed(store.applyPackedBatch.bind(store))
    const events = createCasinoEvents()
    const { finished } = settledCount(events)
    // Read before the run: the SQLite store's preference depends on its writer thread being alive.
    const commitTxs = commitTxsOf(store)
    const indexer = createIndexer({
      store, events, logger: quiet,
      config: {
        rpcUrl: 'http://bench.invalid', ownerWallet: owner, start: { signature: genesis }, subscribe: false,
        concurrency: 8, rpcRateLimit: 1_000_000, maxBatchTransactions: COMMIT_TXS, fetchBatchSize: FETCH_BATCH, fetch: fakeFetch, decodeThread,
      },
    })
    const profiler = PROFILE_DIR ? await startProfile() : undefined
    const t = performance.now()
    const elu0 = nodePerformance.eventLoopUtilization()
    const cpu0 = process.cpuUsage()
    const threads0 = threadTimes()
    await indexer.start()
    await finished
    const ingestMs = performance.now() - t
    const elu = nodePerformance.eventLoopUtilization(elu0)
    const cpu = process.cpuUsage(cpu0)
    const cpuMs = (cpu.user + cpu.system) / 1000
    const threads = threadReport(threads0)
    await profiler?.(join(PROFILE_DIR!, `${name}-${decodeThread ? 'thread' : 'main'}-${attempt + 1}.cpuprofile`))
    await indexer.stop()
    const stats = await store.stats(Date.now())
    expect(stats.totalBets).toBe(BETS)

    return { ingestMs, storeMs, commits, commitTxs, pipelines: store.pipelinesBatches === true, elu: elu.utilization, cpuMs, threads }
  }
})

/** Counts the bets `events` publishes settled; `finished` resolves once all of the chain's are. */
function settledCount(events: ReturnType<typeof createCasinoEvents>): { readonly settled: number, finished: Promise<void> } {
  let settled = 0
  let done!: () => void
  const finished = new Promise<void>((resolve) => {
    done = resolve
  })
  events.on('bet.settled', () => {
    if (++settled === BETS) done()
  })
  return { get settled() { return settled }, finished }
}

/** CPU time (ms), of which in the kernel, and minor page faults of one thread. */
interface ThreadTimes { cpuMs: number, sysMs: number, faults: number }

/** Every thread of this process by id (Linux /proc; empty elsewhere). */
function threadTimes(): Map<string, ThreadTimes> {
  const times = new Map<string, ThreadTimes>()
  const tick = 1000 / 100 // USER_HZ: /proc counts in hundredths of a second
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      // After the command name: state is field 0, minflt 7, utime 11, stime 12.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      times.set(tid, { cpuMs: (Number(fields[11]) + Number(fields[12])) * tick, sysMs: Number(fields[12]) * tick, faults: Number(fields[7]) })
    }
  }
  catch {}
  return times
}

/**
 * What each thread spent since `since`: the main thread first, then every other thread that used at
 * least 50 ms, busiest first. Node names them all "node", so the decode and writer threads and V8's
 * garbage-collector helpers are told apart only by their share (the helpers are the small ones).
 */
function threadReport(since: Map<string, ThreadTimes>): string {
  const now = threadTimes()
  if (now.size === 0) return 'CPU per thread: not on Linux'
  const main = String(process.pid)
  const spent = [...now].map(([tid, t]) => {
    const before = since.get(tid) ?? { cpuMs: 0, sysMs: 0, faults: 0 }
    return { tid, cpuMs: t.cpuMs - before.cpuMs, sysMs: t.sysMs - before.sysMs, faults: t.faults - before.faults }
  }).filter(t => t.tid === main || t.cpuMs >= 50)
  spent.sort((a, b) => (a.tid === main ? -1 : b.tid === main ? 1 : b.cpuMs - a.cpuMs))
  const shown = spent.map(t => `${t.tid === main ? 'main ' : ''}${t.cpuMs.toFixed(0)} (${t.sysMs.toFixed(0)}, ${t.faults.toLocaleString('en-US')})`)
  return `CPU ms per thread (of which in the kernel, page faults): ${shown.join(', ')}`
}

/** Starts the V8 profiler of this thread; the returned function stops it and writes the profile to a file. */
async function startProfile(): Promise<(file: string) => Promise<void>> {
  const session = new Session()
  session.connect()
  const post = (method: string, params?: object) => new Promise<any>((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))))
  await post('Profiler.enable')
  await post('Profiler.setSamplingInterval', { interval: 200 })
  await post('Profiler.start')
  return async (file) => {
    const { profile } = await post('Profiler.stop')
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, JSON.stringify(profile))
    session.disconnect()
  }
}

/** Resolves in a later turn of the event loop (its check phase, right after I/O callbacks). */
const nextTurn = (): Promise<void> => new Promise(resolve => setImmediate(resolve))

/** `parts` as chunks of about 64 KiB (a part never split): what a socket would hand over. */
function inChunks(parts: Buffer[]): Buffer[] {
  const chunks: Buffer[] = []
  let group: Buffer[] = []
  let size = 0
  for (const part of parts) {
    if (size > 0 && size + part.length > 65_536) {
      chunks.push(group.length === 1 ? group[0]! : Buffer.concat(group, size))
      group = []
      size = 0
    }
    group.push(part)
    size += part.length
  }
  if (size > 0) chunks.push(group.length === 1 ? group[0]! : Buffer.concat(group, size))
  return chunks
}

/** Where a run decodes and writes. */
function threadsOf(name: string, threads: boolean): string {
  if (!threads) return name === 'sqlite' ? 'decode and writes on the main thread' : 'decode on the main thread'
  if (name === 'sqlite') return SQLITE_WRITER ? 'decode thread + writer thread' : 'decode thread, writes on the main thread'
  return 'decode on its thread'
}

/** A fresh store of each kind: a new SQLite file, a new Postgres schema, a random Redis key prefix. */
async function openStore(name: string, threads: boolean): Promise<{ store: CasinoStore, cleanup: () => Promise<void> }> {
  if (name === 'sqlite') {
    const writerThread = threads && SQLITE_WRITER
    const store = sqliteStore({ file: join(dir, `ingest-${Date.now()}.sqlite`), writerThread })
    if (store.writerThread !== writerThread) throw new Error('no SQLite writer thread: run `pnpm build` first')
    return { store, cleanup: async () => {} }
  }
  if (name === 'postgres') {
    const store = postgresStore({ url: postgresUrl, schema: uniqueName('fare_ingest_bench') })
    return { store, cleanup: async () => void await store.sql`DROP SCHEMA IF EXISTS ${store.sql(store.schema)} CASCADE` }
  }
  if (name === 'redis') {
    const store = redisStore({ url: redisUrl, prefix: `${uniqueName('fare_ingest_bench')}:` })
    return { store, cleanup: () => deleteKeys(store.redis, store.prefix) }
  }
  throw new Error(`INGEST_STORES: unknown store ${name}`)
}

it('latency from the localnet confirming a bet to casino.events', async () => {
  const net = await startLocalnet({ seed: 3, slotMs: 400, resolveDelayMs: 400 })
  const owner = (await net.createPlayer()).publicKey
  const players = await Promise.all(Array.from({ length: 10 }, () => net.createPlayer({ tokens: 10n ** 18n })))
  const store = sqliteStore({ file: join(dir, 'latency.sqlite') })
  await store.migrate()
  const events = createCasinoEvents()
  const confirmedAt = new Map<string, number>()
  const latencies: number[] = []
  events.on('bet.placed', (bet) => {
    const at = confirmedAt.get(bet.registerSignature)
    if (at !== undefined) latencies.push(performance.now() - at)
  })
  // A second subscriber marks when the localnet announces each transaction as confirmed.
  const ws = new WebSocket(net.wsUrl)
  await new Promise(resolve => ws.once('open', resolve))
  ws.on('message', (data) => {
    const m = JSON.parse(String(data))
    if (m.method === 'logsNotification') confirmedAt.set(m.params.result.value.signature, performance.now())
  })
  ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'logsSubscribe', params: [{ mentions: [net.programId] }, { commitment: 'confirmed' }] }))
  const indexer = createIndexer({
    store, events, logger: quiet,
    // A local node has no rate limit to respect: the default 100 requests/s is for public endpoints.
    config: { rpcUrl: net.rpcUrl, wsUrl: net.wsUrl, programId: net.programId, ownerWallet: owner, start: 'now', pollInterval: 1000, subscribe: true, rpcRateLimit: RATE, decodeThread: true },
  })
  await indexer.start()
  await indexer.ready
  await new Promise(r => setTimeout(r, 500))
  for (let i = 0; i < 200; i++) {
    await net.placeBet({ player: players[i % players.length]!, wager: 1_000_000n, game: net.games[0]!.id, host: owner })
    await new Promise(r => setTimeout(r, 37))
  }
  await net.waitForIdle()
  await new Promise(r => setTimeout(r, 1500))
  await indexer.stop()
  ws.close()
  await net.close()
  await store.close()
  expect(latencies.length).toBeGreaterThan(150)
  latencies.sort((a, b) => a - b)
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(1)
  lines.push('', `Latency, localnet confirmed notification → \`bet.placed\` emitted (logsSubscribe on, poll backstop 1 s, ${latencies.length} bets, ~25 bets/s, slots of 400 ms): p50 **${q(0.5)} ms**, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms.`)

  print()
})
