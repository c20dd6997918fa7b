import { consola } from 'consola'
import { CasinoError } from '../errors'
import PQueue from 'p-queue'
import { createRpcClient, type RpcClient, type SignatureInfo } from '../solana/rpc'
import type { RpcError } from '../solana/rpc-errors'
import { type LogsSubscription, subscribeLogs } from '../solana/rpc-subscribe'
import type { SystemEventSeverity } from '../store/types'
import { ignoredEventsReport } from '../store/ignored-report'
import { decodeOptionsOf, type DecodeThread, decodeThreadUrl, startDecodeThread, wantsDecodeThread } from './decode-thread'
import { createCancellation, IndexerStoppedError } from './cancellation'
import { boundsAfter, type ListBounds, type ListingReach, listingReach, listSignatures, listSignaturesInChunks, toChainOrder, type WalkEnd } from './discover'
import { resolveIndexerOptions } from './options'
import { createPipeline, type Pipeline } from './pipeline'
import { createPrefetcher, type Prefetcher } from './prefetch'
import { createThrottle, isRateLimited, type RpcTask, type Throttle } from './throttle'
import { createPublisher, type Publisher } from './publish'
import { chainStart, createPublishedMark, type PublishedMark } from './published-mark'
import { delayAfter, retryForever, type RetryPolicy, sleep } from './retry'
import type { Indexer, IndexerContext, IndexerStatus } from './types'

/**
 * A listed page's transactions are fetched while the walk goes on when the thread idled for at least
 * this share of the page's round trip (see `OnListed`).
 */
const FETCH_AHEAD_IDLE = 0.5

/**
 * The indexer: Fare Vault transactions from a Solana RPC node into the store, exactly once, in chain
 * order, then published on `casino.events`.
 *
 * Discovery pages getSignaturesForAddress down to the newest signature already known (the durable
 * cursor at start), so downtime never loses a bet. logsSubscribe only says "look now" (low latency);
 * polling every `pollInterval` is the backstop, so a dropped WebSocket costs latency, never data.
 *
 * A notification does two things at once: it starts the poll that proves nothing older is missing
 * (only a listing can: a WebSocket drops messages silently), and it starts fetching the notified
 * transaction itself, so that by the time the listing hands it to the pipeline it is usually already
 * decoded. The transaction is committed only in its place in the listing, after everything before it.
 */
export function createIndexer(ctx: IndexerContext): Indexer {
  const options = resolveIndexerOptions(ctx.config, ctx.store)
  const logger = ctx.logger ?? consola.withTag('fare:indexer')
  const rpc: RpcClient = ctx.rpc ?? createRpcClient({ url: options.rpcUrl, timeout: options.timeout, commitment: options.commitment, fetch: options.fetch })
  const threadOptions = { programId: options.programId, filter: options.filter, games: new Map(options.games.map(g => [g.extraDataHash, g.id])) }
  const decode = decodeOptionsOf(threadOptions)
  const threadUrl = wantsDecodeThread(options.decodeThread) ? decodeThreadUrl() : undefined
  if (options.decodeThread === true && !threadUrl) {
    throw new CasinoError('INVALID_CONFIG', 'indexer: decodeThread needs the built package (run `pnpm build`)')
  }

  const counters = { bets: 0, settled: 0, events: 0, transactions: 0, errors: 0, rateLimited: 0 }
  let lastError: IndexerStatus['lastError'] = null
  let lastSignature: string | null = null
  let lastSlot: number | null = null
  let headSlot: number | null = null
  let live = false
  let running = false
  let generation = 0
  /**
   * The newest signature handed to the pipeline, with its slot when known: the next poll lists what is
   * newer (the slot stops a node that does not know the signature from listing the whole history).
   */
  let newest: ListBounds = {}

  let queue: PQueue | undefined
  /** The current run's pacing of `queue` while the node rate-limits. */
  let throttle: Throttle | undefined
  /**
   * Fired by stop(): rejects every request still queued or in flight (p-queue's clear() alone leaves the
   * promises of removed tasks pending forever, and stop() waiting on them with it) and cuts retry waits short.
   */
  let cancellation = createCancellation()
  let pipeline: Pipeline | undefined
  /** The decode thread of the current run (only with an RPC client that hands out raw batch bodies). */
  let thread: DecodeThread | undefined
  let publisher: Publisher | undefined
  /** The last transaction published, kept in the store beside the cursor (created once the cursor is read). */
  let mark: PublishedMark | undefined
  /** The current run's deliveries of published groups (see `ctx.delivered`), which stop() waits for. */
  let delivery: { chain: Promise<void> } | undefined
  let subscription: LogsSubscription | undefined
  let pollTimer: ReturnType<typeof setInterval> | undefined
  let polling = false
  /** A poll is listing (and queueing) a backlog chunk by chunk. */
  let listingChunks = false
  /**
   * The stored position a run resumed from, until a check of a walk down to it settles whether the node's
   * history reaches it (see `checkHistoryReach`).
   */
  let checkReach: { signature: string, slot: number, walkUntil: string | undefined } | undefined
  let pollAgain = false
  let lastSlotCheck = 0
  let lastPollAt = 0
  let soonTimer: ReturnType<typeof setTimeout> | undefined
  let runPromise: Promise<void> = Promise.resolve()
  /** Fetches started from logsNotifications, taken by the pipeline when the listing reaches them. */
  let prefetcher: Prefetcher | undefined

  let resolveReady!: () => void
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve
  })

  const noteError = (error: unknown): void => {
    counters.errors++
    lastError = { message: (error as Error)?.message ?? String(error), at: Date.now() }
  }

  const record = async (type: string, severity: SystemEventSeverity, message: string, metadata: Record<string, unknown>): Promise<void> => {
    if (severity === 'error' || severity === 'critical') noteError(new Error(`${message} (${String(metadata.signature ?? '')})`))
    logger[severity === 'critical' ? 'error' : severity === 'info' ? 'info' : severity === 'debug' ? 'debug' : severity](message, metadata)
    try {
      await ctx.store.recordSystemEvent({ type, severity, message, metadata, createdAt: Date.now() })
    }
    catch (error) {
      logger.error('system event not recorded', { type, error })
    }
  }

  /** The decode thread of a run; when Node cannot start one, decoding stays on the main thread. */
  const startThread = (url: URL): DecodeThread | undefined => {
    try {
      return startDecodeThread(threadOptions, url, (why) => {
        logger.warn('the decode thread ended; decoding on the main thread', { why })
        noteError(new Error(`decode thread ${why}`))
      })
    }
    catch (error) {
      logger.warn('no decode thread; decoding on the main thread', { error: (error as Error)?.message ?? String(error) })
      return undefined
    }
  }

  const policy = (gen: number): Omit<RetryPolicy, 'onExhausted'> => ({
    retries: options.retries,
    retryDelay: options.retryDelay,
    slowRetryDelay: options.slowRetryDelay,
    shouldContinue: () => running && gen === generation,
    cancellation,
    onError: (error, attempt) => {
      if (!running || gen !== generation) return // cancelled by stop(), not a failure
      noteError(error)
      logger.debug('retrying after an error', { attempt, error: (error as Error)?.message })
    },
  })

  const retryStep = <T>(gen: number, what: string, fn: () => Promise<T>): Promise<T> => {
    let reported = false
    return retryForever(fn, {
      ...policy(gen),
      onExhausted: (error) => {
        if (reported) return
        reported = true
        void record('indexer.rpc_failing', 'warn', `${what} keeps failing; retrying`, { error: (error as Error)?.message ?? String(error) })
      },
    })
  }

  const call = <T>(fn: RpcTask<T>, priority = 0): Promise<T> => {
    const run = cancellation
    if (run.cancelled) return Promise.reject(new IndexerStoppedError())
    const runThrottle = throttle!
    const task = queue!.add(async () => {
      const stamp = runThrottle.stamp()
      let refusal: RpcError | undefined
      try {
        const value = await fn(rpc, (error) => {
          refusal ??= error
        })
        if (refusal) counters.rateLimited++
        runThrottle.observe(stamp, refusal)
        return value
      }
      catch (error) {
        if (isRateLimited(error)) counters.rateLimited++
        runThrottle.observe(stamp, error)
        throw error
      }
    }, { priority }) as Promise<T>
    return new Promise<T>((resolve, reject) => {
      const off = run.onCancel(() => reject(new IndexerStoppedError()))
      task.then((value) => {
        off()
        resolve(value)
      }, (error: unknown) => {
        off()
        reject(error)
      })
    })
  }

  /** A signature page, ahead of transaction fetches in the queue, retried on its own. */
  const pageCall = (gen: number) => <T>(fn: (rpc: RpcClient) => Promise<T>): Promise<T> =>
    retryStep(gen, 'listing signatures', () => call(fn, 1))

  const markLiveIfCaughtUp = (): void => {
    // Between two chunks of a long backlog nothing may be pending: that is not caught up.
    if (!live && !listingChunks && pipeline && pipeline.pending === 0) {
      live = true
      logger.info('caught up with the chain', { lastSignature, lastSlot })
      resolveReady()
    }
  }

  const enqueue = (newestFirst: SignatureInfo[]): void => {
    if (newestFirst.length === 0) return
    newest = boundsAfter(newestFirst[0]!)
    headSlot = Math.max(headSlot ?? 0, newestFirst[0]!.slot)
    pipeline!.enqueue(toChainOrder(newestFirst))
  }

  const poll = async (gen: number): Promise<void> => {
    // Each page is retried on its own: a long backfill must not start over because one page failed.
    // A long one is listed and queued in chunks, each once the one before is nearly committed.
    listingChunks = true
    // Every walk down to the resume position is checked until one settles it: the check runs beside the
    // walks, and the walk that lists what arrived meanwhile may be the next one, before its answer.
    const reachFrom = checkReach && newest.until === checkReach.walkUntil ? checkReach : undefined
    checkReach = reachFrom
    try {
      const runPipeline = pipeline!
      await listSignaturesInChunks(pageCall(gen), options.programId, newest, options.backfillChunk, async (chunk) => {
        if (gen !== generation) throw new Error('stopped')
        enqueue(chunk)
        await runPipeline.whenPendingAtMost(options.backfillChunk)
      }, {
        // Over a network the walk mostly waits, and the transactions it lists are fetched meanwhile. A node
        // that answers at once leaves the thread busy listing: fetching then only slows the walk down (the
        // ingest bench measured 290-490 ms for its 40 pages instead of 130, and a slower run).
        onListed: (page, idle) => {
          // A walk lists newest first: its first page names the head of this casino's transactions at once,
          // while a backlog is handed over oldest chunk first (the lag figures count from it).
          if (page.length > 0) headSlot = Math.max(headSlot ?? 0, page[0]!.slot)
          if (idle >= FETCH_AHEAD_IDLE) runPipeline.fetchListed(page)
        },
        // At once, beside the hand-over of a long backlog: a node keeping a short history could prune the
        // oldest listed transaction meanwhile, and the operator should know early.
        onWalked: reachFrom ? (oldest, end) => void checkHistoryReach(gen, reachFrom, oldest, end) : undefined,
        onUnconfirmedEnd: (before) => {
          if (gen !== generation) return
          void record('indexer.listing_unconfirmed', 'warn', 'the RPC node answered an empty page before a signature it did not show it knows, after several tries: transactions between it and the cursor may not have been listed', { before: before.signature, beforeSlot: before.slot ?? null })
        },
      })
    }
    finally {
      listingChunks = false
    }
    if (gen !== generation) return
    // The head slot feeds the lag figures; a failure here is not worth a retry. Once per poll interval
    // at most: notifications carry their slot, and every request counts against the rate limit.
    const now = Date.now()
    if (now - lastSlotCheck >= options.pollInterval) {
      lastSlotCheck = now
      call(r => r.getSlot(), 1).then((slot) => {
        headSlot = Math.max(headSlot ?? 0, slot)
      }, (error: unknown) => {
        if (running && gen === generation) noteError(error)
      })
    }
    markLiveIfCaughtUp()
  }

  /**
   * After the first walk of a run that resumed from a cursor: whether the node's history reaches back to
   * it (see `listingReach`). If not, what lies between it and the node's oldest transaction cannot be
   * listed from this node: recorded, so that an operator backfills from an archival RPC, never silently.
   */
  const checkHistoryReach = async (gen: number, from: { signature: string, slot: number }, oldest: SignatureInfo | undefined, end: WalkEnd): Promise<void> => {
    let reach: ListingReach
    try {
      reach = await listingReach(pageCall(gen), options.programId, from, oldest, end)
    }
    catch {
      return // stopped
    }
    // A transaction arrived after a walk that listed nothing: the next walk lists it, and is checked instead.
    // Settled once, by whichever check answers first: a walk that listed nothing and is answered after
    // the next walk listed and settled it must not start over against a cursor that has moved (each
    // later walk would find "unknown" again, and the first that listed anything a gap that is none).
    if (gen !== generation || reach === 'unknown' || checkReach !== from) return
    checkReach = undefined
    if (reach !== 'gap') return
    const metadata = { from: from.signature, fromSlot: from.slot, oldestListed: oldest?.signature ?? null, oldestListedSlot: oldest?.slot ?? null }
    await record('indexer.history_gap', 'error', 'the RPC node\'s history does not reach back to the cursor: transactions between it and the oldest the node lists may be missing; backfill them from an archival RPC', metadata)
  }

  const trigger = (gen: number): void => {
    if (!running || gen !== generation) return
    if (polling) {
      pollAgain = true
      return
    }
    polling = true
    void (async () => {
      try {
        do {
          pollAgain = false
          lastPollAt = Date.now()
          await poll(gen)
        } while (pollAgain && running && gen === generation)
      }
      catch {
        // stopped while retrying
      }
      finally {
        polling = false
      }
    })()
  }

  /**
   * A poll asked for by a notification. Each poll costs at least two listing requests, so under the rate
   * limit polls are spaced to use at most half of it (4000 / rpcRateLimit ms apart: 40 ms at the default
   * 100/s, 4 ms at 1000/s); notifications in between are covered by the next one, which lists everything
   * newer than the last listed signature anyway.
   */
  const triggerSoon = (gen: number): void => {
    const wait = lastPollAt + 4000 / options.rpcRateLimit - Date.now()
    if (wait <= 0) return trigger(gen)
    soonTimer ??= setTimeout(() => {
      soonTimer = undefined
      trigger(gen)
    }, wait)
  }

  /**
   * The slot of a `{ signature }` start's transaction. A node behind it answers null: asked again over the
   * fast retries, then recorded (`indexer.start_unknown`) and undefined, for a start without the bound.
   */
  const startSlot = async (gen: number, signature: string): Promise<number | undefined> => {
    for (let attempt = 1; ; attempt++) {
      const tx = await retryStep(gen, 'finding the start transaction', () => call(r => r.getTransaction(signature), 1))
      if (tx && typeof tx.slot === 'number') return tx.slot
      if (attempt >= options.retries || !running || gen !== generation) break
      await sleep(delayAfter(options, attempt), cancellation)
    }
    if (running && gen === generation) {
      await record('indexer.start_unknown', 'warn', 'the node does not have the start transaction: listings are not bounded by its slot', { signature })
    }
    return undefined
  }

  /**
   * Positions `newest` from the cursor, or from `options.start` for a new casino, and where the run's
   * published mark starts (see published-mark.ts).
   */
  const position = async (gen: number, runPipeline: Pipeline, runMark: PublishedMark): Promise<void> => {
    const cursor = await retryStep(gen, 'loading the cursor', () => ctx.store.getCursor())
    if (cursor) {
      newest = boundsAfter(cursor)
      lastSignature = cursor.signature
      lastSlot = cursor.slot
      const published = cursor.published
      if (published && published.signature !== cursor.signature && published.slot <= cursor.slot) {
        // An earlier run committed past what it published, then stopped short (a crash): listed again from
        // the mark, what it committed is committed again (a no-op) and published (see replayThrough).
        logger.info('publishing what an earlier run committed but did not announce', { from: published.signature || '(the start)', through: cursor.signature })
        newest = published.signature === chainStart.signature ? {} : boundsAfter(published)
        runPipeline.replayThrough({ signature: cursor.signature, slot: cursor.slot })
      }
      // Checked on the walks from where they start: the cursor, or the published mark behind it after a
      // crash (such a walk lists down past the cursor, and whether the node reaches it is the question).
      checkReach = { signature: cursor.signature, slot: cursor.slot, walkUntil: newest.until }
      // A store that has no mark yet (one written before it): nothing to publish again.
      runMark.begin(published ?? { signature: cursor.signature, slot: cursor.slot }, cursor.signature)
      return
    }
    const start = options.start
    if (start === 'now') {
      const [latest] = await retryStep(gen, 'finding the newest transaction', () =>
        call(r => r.getSignaturesForAddress(options.programId, { limit: 1 }), 1))
      if (!latest) {
        // An empty chain: everything from now on is new, and a restart before any publish lists it all again.
        runMark.begin(chainStart, null)
        return
      }
      const at = { signature: latest.signature, slot: latest.slot }
      // Persisted so that a restart does not skip what happened in between.
      await retryStep(gen, 'storing the start cursor', () => ctx.store.applyBatch({ events: [], cursor: at, published: at }))
      runMark.begin(at, at.signature)
      newest = boundsAfter(latest)
      lastSignature = latest.signature
      lastSlot = latest.slot
    }
    else if ('signature' in start) {
      // Its slot bounds the listings (a node behind lists past a signature it does not know, down to the
      // start of the history) and orders the mark. A node that does not have it leaves the slot unknown:
      // no bound, and 0 only orders the mark before every later one.
      const slot = await startSlot(gen, start.signature)
      newest = { until: start.signature, untilSlot: slot }
      // Nothing after it published yet.
      runMark.begin({ signature: start.signature, slot: slot ?? 0 }, null)
    }
    else {
      // One more than the N most recent: the one before them is where a restart lists from until the
      // first is published (the start of the chain when it holds no more than N).
      const listed = await listSignatures(pageCall(gen), options.programId, { max: start.recent + 1 })
      const before = listed.length > start.recent ? listed.pop()! : undefined
      runMark.begin(before ? { signature: before.signature, slot: before.slot } : chainStart, null)
      if (before) newest = boundsAfter(before)
      enqueue(listed)
    }
  }

  const run = async (gen: number, runPipeline: Pipeline, runMark: PublishedMark): Promise<void> => {
    try {
      await position(gen, runPipeline, runMark)
    }
    catch {
      return // stopped before starting
    }
    if (!running || gen !== generation) return
    logger.info('indexing', { programId: options.programId, from: newest.until ?? null, filter: options.filter.kind })
    if (options.subscribe) {
      subscription = subscribeLogs({
        wsUrl: options.wsUrl,
        mentions: options.programId,
        commitment: options.commitment,
        onNotification: (n) => {
          // One in flight when this run stopped: a timer for a poll of a run that is over would swallow the
          // next run's notifications (see triggerSoon).
          if (!running || gen !== generation) return
          if (n.slot) headSlot = Math.max(headSlot ?? 0, n.slot)
          // Live only: a backfill lists first, and its transactions are fetched in order anyway.
          if (live && (n.err === null || n.err === undefined)) prefetcher?.add(n.signature)
          triggerSoon(gen)
        },
        // After a (re)connect, whatever the drop missed is found by one poll.
        onSubscribed: () => trigger(gen),
        onError: error => logger.debug('logsSubscribe', { error: (error as Error)?.message ?? String(error) }),
      })
    }
    pollTimer = setInterval(() => trigger(gen), options.pollInterval)
    trigger(gen)
  }

  return {
    ready,
    async start() {
      if (running) return
      running = true
      const gen = ++generation
      // A poll asked for by the run before must not stand for this one's (triggerSoon keeps one timer).
      if (soonTimer) clearTimeout(soonTimer)
      soonTimer = undefined
      live = false
      polling = false
      pollAgain = false
      newest = {}
      cancellation = createCancellation()
      queue = new PQueue({ concurrency: options.concurrency, intervalCap: options.rpcRateLimit, interval: 1000 })
      throttle = createThrottle({
        queue,
        concurrency: options.concurrency,
        baseMs: options.retryDelay,
        maxMs: options.slowRetryDelay,
        onPause: (ms, retryAfter) => logger.warn('the RPC node is rate-limiting: RPC requests paused', { ms, retryAfter }),
      })
      publisher = createPublisher(ctx.store, ctx.events, options.statsDebounce, noteError)
      prefetcher = createPrefetcher(fn => call(fn, 2), options.fetchBatchSize, options.fetchBatchRegrowMs)
      const pub = publisher
      thread = threadUrl && rpc.fetchTransactionsBatch ? startThread(threadUrl) : undefined
      // This run's deliveries, in commit order (see `ctx.delivered`).
      const runDelivery = delivery = { chain: Promise.resolve() }
      // This run's own: a stop() that timed out and a start() after it must not share them.
      const runMark: PublishedMark = mark = createPublishedMark({
        store: ctx.store,
        idleMs: Math.min(options.pollInterval, 1000),
        isIdle: (): boolean => running && gen === generation && runPipeline.pending === 0,
        onError: error => logger.debug('published mark not written', { error: (error as Error)?.message ?? String(error) }),
      })
      const runPipeline: Pipeline = pipeline = createPipeline({
        store: ctx.store,
        decode,
        thread,
        call: (fn, priority) => call(fn, priority),
        retry: policy(gen),
        maxBatchTransactions: options.maxBatchTransactions,
        // Two commits' worth (the group being committed and the one a pipelining store takes behind
        // it), and at least two rounds of every concurrent request. Decoded events held further ahead
        // only outlive young-generation collections: with four commits' worth the ingest bench spent
        // ~20% more CPU in the garbage collector's threads and ~7% less throughput.
        fetchAhead: Math.max(2 * options.maxBatchTransactions, 2 * options.concurrency * options.fetchBatchSize),
        fetchBatchSize: options.fetchBatchSize,
        fetchBatchRegrowMs: options.fetchBatchRegrowMs,
        groupWaitMs: options.groupWaitMs,
        // The walk's next page, ahead of these in the queue, always finds a free slot.
        fetchAheadConcurrency: Math.max(1, options.concurrency - 1),
        takePrefetched: signature => prefetcher?.take(signature),
        record,
        isRunning: () => running && gen === generation,
        published: () => runMark.current(),
        onCommit: (result, group) => {
          // A group published again after a crash (see position) lies behind the cursor already.
          if (lastSlot === null || group.last.slot >= lastSlot) {
            lastSignature = group.last.signature
            lastSlot = group.last.slot
          }
          counters.transactions += group.transactions
          counters.events += result.applied
          counters.bets += result.placed.length
          counters.settled += result.settled.length
          // A trial registered again (its keypair reused) or resolved again changes no bet: never silently.
          // A store that records the report with the batch (exactly once) has; else it is recorded here.
          const report = ignoredEventsReport(result.ignored ?? [], Date.now())
          if (report) {
            if (ctx.store.recordsIgnoredEvents) logger.warn(report.message, report.metadata ?? undefined)
            else void record(report.type, report.severity, report.message, report.metadata ?? {}).catch(() => {})
          }
          pub.publish(result)
          const position = { signature: group.last.signature, slot: group.last.slot }
          if (!group.replayed) runMark.committed(position.signature)
          const delivered = ctx.delivered
          if (!delivered) runMark.advance(position)
          else {
            // In commit order; a delivery that fails leaves the mark behind: the next run publishes again.
            runDelivery.chain = runDelivery.chain.then(delivered).then(() => runMark.advance(position), (error: unknown) => {
              logger.warn('events not delivered; the published mark stays behind them', { error: (error as Error)?.message ?? String(error) })
            })
          }
          markLiveIfCaughtUp()
        },
      })
      runPromise = run(gen, runPipeline, runMark)
    },
    async stop() {
      if (!running) return
      running = false
      generation++
      if (pollTimer) clearInterval(pollTimer)
      pollTimer = undefined
      if (soonTimer) clearTimeout(soonTimer)
      soonTimer = undefined
      subscription?.close()
      subscription = undefined
      cancellation.cancel()
      queue?.clear()
      throttle?.close()
      // Requests still in flight keep the closed one: status() must not show a pause of a stopped run.
      throttle = undefined
      prefetcher?.clear()
      // This run's own: a start() while this stop() waits for a commit begins a new run with new ones,
      // which must be neither waited for nor closed here.
      const stoppingRun = runPromise
      const stoppingPipeline = pipeline
      const stoppingMark = mark
      const stoppingDelivery = delivery
      const stoppingPublisher = publisher
      const stoppingThread = thread
      // Everything above settles at once; only a store call in progress may take its time (a commit cannot
      // be cut in half, and it is atomic). stop() resolves regardless after `timeout`: a hung store must
      // not hang casino.close(), nor keep a deposed leader from running for leadership again.
      const settled = (async () => {
        await stoppingRun
        await stoppingPipeline?.idle()
        // What was published (and delivered) is marked, so that the next run announces none of it again.
        await stoppingDelivery?.chain
        stoppingMark?.close()
        await stoppingMark?.flush()
      })()
      let bound: ReturnType<typeof setTimeout> | undefined
      const timedOut = await Promise.race([
        settled.then(() => false),
        new Promise<boolean>((resolve) => {
          bound = setTimeout(resolve, options.timeout, true)
        }),
      ])
      clearTimeout(bound)
      if (timedOut) logger.warn('stopped without waiting for the store call in progress', { timeout: options.timeout })
      // The last stats update goes out now rather than being dropped (unless the store hangs: not waited for).
      const closingPublisher = stoppingPublisher?.close()
      if (!timedOut) await closingPublisher
      stoppingMark?.close()
      if (mark === stoppingMark) mark = undefined
      if (thread === stoppingThread) thread = undefined
      await stoppingThread?.close()
      resolveReady()
      logger.info('stopped', { lastSignature, lastSlot })
    },
    status(): IndexerStatus {
      const pending = pipeline?.pending ?? 0
      const oldest = pipeline?.oldest()
      const waiting = pending > 0 && oldest !== undefined
      // Not caught up yet and listing, with nothing queued: behind by what the walk has seen so far, from
      // the last commit (or the start position of a casino that has none).
      const from = waiting ? lastSlot ?? oldest.slot : !live && listingChunks ? lastSlot ?? newest.untilSlot : undefined
      return {
        running,
        live,
        subscribed: subscription?.active ?? false,
        lagSlots: from !== undefined && from !== null && headSlot !== null ? Math.max(0, headSlot - from) : 0,
        lagSeconds: waiting && oldest.blockTime !== null ? Math.max(0, Math.round(Date.now() / 1000 - oldest.blockTime)) : 0,
        lastSignature,
        lastSlot,
        headSlot,
        pending,
        throttledUntil: throttle?.pausedUntil ?? null,
        ...counters,
        lastError,
      }
    },
  }
}
