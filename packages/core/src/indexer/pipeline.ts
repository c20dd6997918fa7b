import { isRpcError, RpcError } from '../solana/rpc-errors'
import { checkTransactionsBatch, type SignatureInfo, type TransactionJson } from '../solana/rpc'
import { type PackedPart, unpackEvents } from '../store/packed'
import type { Batch, BatchResult, CasinoStore, ChainEvent, ChainPosition, SystemEventSeverity } from '../store/types'
import { createBatchSizer, isBatchRefusal } from './batch-size'
import { PermanentCommitError, permanentCommitErrorKey } from './commit-errors'
import type { DecodeOptions } from './decode'
import { decodeAnswers, type DecodedAnswer, type DecodedTransaction, decodeFetched } from './decode-batch'
import type { DecodeThread } from './decode-thread'
import { replayedResult } from './replayed'
import { retryForever, type RetryPolicy } from './retry'
import { rateLimitedAmong, type RpcTask } from './throttle'

/**
 * The ordered pipeline: transactions are fetched concurrently (through the rate-limited RPC queue, up to
 * `fetchBatchSize` per JSON-RPC batch request) but committed strictly in chain order. A group is the
 * longest run of fetched transactions at the front, committed in ONE `applyBatch` together with the
 * cursor of its last transaction, so that a crash leaves the store either before or after the whole
 * group, never in between, and a restart resumes from the cursor without a gap. A transaction that keeps
 * failing transiently (RPC, store down) holds the line (and is reported) rather than being skipped:
 * skipping could lose a bet.
 *
 * While backfilling (a full fetch batch still in flight right behind the ready run), a short ready run
 * waits up to `groupWaitMs` for the rest: the store's cost is mostly per commit, so a few big groups
 * ingest many times faster than many small ones. Live traffic never has that much in flight, so it
 * commits at once.
 *
 * A commit the store refuses for good (the same non-transient error, attempt after attempt) is split
 * until the one transaction it refuses is found; that one is recorded and skipped (see `commitGroup`).
 */

/** What the pipeline needs from the indexer. */
export interface PipelineContext {
  store: CasinoStore
  decode: DecodeOptions
  /** Where batch bodies are parsed and decoded; the main thread when absent. */
  thread?: DecodeThread
  /**
   * Runs an RPC call through the shared queue (concurrency, rate limit); a higher `priority` goes first
   * (default 0; fetches ahead of the listing use -1: they only fill what the queue leaves idle).
   */
  call: <T>(fn: RpcTask<T>, priority?: number) => Promise<T>
  /** The retry policy, without `onExhausted` (each step adds its own report). */
  retry: Omit<RetryPolicy, 'onExhausted'>
  maxBatchTransactions: number
  /**
   * Transactions fetched ahead of the oldest uncommitted one, at most: a long backfill is fetched as the
   * commits move, not all at once (memory stays bounded, and fetching interleaves with committing).
   */
  fetchAhead: number
  /**
   * Transactions asked for in one JSON-RPC batch request at first (1: one getTransaction request each);
   * fewer once the node refuses a batch.
   */
  fetchBatchSize: number
  /** How long a cut batch size holds before it doubles again (see batch-size.ts). @default 5 minutes */
  fetchBatchRegrowMs?: number
  /** Milliseconds a short group may wait for the transactions in flight behind it while backfilling. */
  groupWaitMs: number
  /** Requests fetching listed transactions before they are enqueued (see `fetchListed`), at most at a time. */
  fetchAheadConcurrency: number
  /** A fetch already started for this signature (from a logsNotification), taken at most once. */
  takePrefetched?: (signature: string) => Promise<TransactionJson | null> | undefined
  /** After each commit, with what it changed (publishing happens here). */
  onCommit: (result: BatchResult, group: { transactions: number, last: SignatureInfo, replayed: boolean }) => void
  /** The last transaction published, carried by every batch (see `published-mark.ts`). */
  published?: () => ChainPosition | null
  /** Something to record as a SystemEvent. */
  record: (type: string, severity: SystemEventSeverity, message: string, metadata: Record<string, unknown>) => Promise<void>
  isRunning: () => boolean
}

interface Entry {
  info: SignatureInfo
  ready: boolean
  /** Waiting for its fetch to be started (see `pump`). */
  toFetch: boolean
  /** Its events as objects (decoded on this thread), or none. */
  events: ChainEvent[]
  /** Its events as bytes from the decode thread: transaction `index` of a fetch batch's block. */
  packed?: { bytes: Uint8Array, index: number }
  /** How many events it has, either way. */
  count: number
  /** In `entries`: false while only listed (see `fetchListed`). */
  enqueued: boolean
  /** Its fetch was started before it was enqueued (see `fetchListed`): the pipeline does not fetch it again. */
  fetchedAhead: boolean
  /** Answers so far that could not be decoded (see {@link UNDECODABLE_FETCHES}). */
  undecodable?: number
}

/**
 * Answers that cannot be decoded before a transaction is recorded as undecodable and skipped. Chain data
 * decodes the same way every time, but an answer can also be damaged on its way (a proxy, a node serving
 * a transaction it has not fully stored): fetched again, a good answer keeps the bet.
 */
export const UNDECODABLE_FETCHES = 3

/**
 * True when `decoded` settles its entry: decoded, or undecodable for the {@link UNDECODABLE_FETCHES}th
 * time (each call with an undecodable answer counts one).
 */
function settles(entry: Entry, decoded: DecodedTransaction): boolean {
  if (decoded.undecodable === null) return true
  entry.undecodable = (entry.undecodable ?? 0) + 1
  return entry.undecodable >= UNDECODABLE_FETCHES
}

/** Errors made by {@link undecodableAnswer}: they spend none of the fetch's attempts (`settles` bounds them). */
const damagedAnswers = new WeakSet<object>()

/** The error of a fetch whose answer could not be decoded, before the last attempt: fetched again. */
function undecodableAnswer(signature: string, reason: string): RpcError {
  const error = new RpcError('getTransaction', 'invalid-response', `the answer for ${signature} cannot be decoded (${reason.slice(0, 200)}); fetching it again`, { retryable: true })
  damagedAnswers.add(error)
  return error
}

/** Thrown by `fetchBatch` when the RPC client has no batch request (a custom client): one request each, at once. */
const noBatchSupport = new RpcError('getTransaction', 'jsonrpc', 'no batch support', { retryable: false })

/** Thrown by `fetchBatch` for a batch larger than the node now takes, before it is sent. */
const resized = new Error('batch larger than the node takes')

/** The result of a commit known to be written by an attempt whose reply was lost: all of it already applied. */
const writtenUnheard = (events: number): BatchResult => ({ applied: 0, duplicates: events, placed: [], settled: [], jackpots: [], joined: [] })

/** The events of consecutive entries as parts: the runs of one decode-thread block merged. */
function partsOf(group: readonly Entry[]): PackedPart[] {
  const parts: PackedPart[] = []
  let run: { bytes: Uint8Array, from: number, to: number } | undefined
  for (const entry of group) {
    const packed = entry.packed
    if (packed) {
      // A fetch batch's transactions are consecutive entries (those not fetched, skipped): one part.
      if (run && run.bytes === packed.bytes && run.to === packed.index) run.to++
      else parts.push(run = { bytes: packed.bytes, from: packed.index, to: packed.index + 1 })
    }
    else if (entry.events.length > 0) {
      run = undefined
      parts.push({ events: entry.events })
    }
  }
  return parts
}

function countOf(group: readonly Entry[]): number {
  let n = 0
  for (const entry of group) n += entry.count
  return n
}

const notYet = (signature: string): RpcError =>
  // Listed by getSignaturesForAddress but not served yet (another node behind a load balancer).
  new RpcError('getTransaction', 'invalid-response', `transaction not available yet (${signature})`, { retryable: true })

/** Creates the pipeline of one indexer run. */
export function createPipeline(ctx: PipelineContext) {
  let entries: Entry[] = []
  let head = 0
  /** Entries before this index have their fetch started, or need none. */
  let nextFetch = 0
  let looping = false
  let loop: Promise<void> = Promise.resolve()
  /**
   * Transactions asked for in one JSON-RPC batch request: `fetchBatchSize`, halved each time the node
   * refuses a batch (see `refused`) and doubled back after a quiet while; 1 when it takes none.
   */
  const sizer = createBatchSizer(ctx.fetchBatchSize, { regrowMs: ctx.fetchBatchRegrowMs })
  let waitingSince: number | undefined
  let waitTimer: ReturnType<typeof setTimeout> | undefined
  /**
   * The group sent to a pipelining store (`pipelinesBatches`) behind the one being committed: it starts
   * where that one ends, and resolves to its result, or undefined when it was not written.
   */
  let speculative: { start: number, end: number, promise: Promise<BatchResult | undefined> } | undefined
  /**
   * Entries before this index may have been written by an attempt whose reply never came (a group sent
   * ahead that failed): committed again, what the store finds already applied is read back and
   * published (see `replayedResult`).
   */
  let maybeWrittenUpTo = 0
  /**
   * Entries before this index were committed by an earlier run that crashed before publishing them (see
   * `replayThrough`): committed again without a cursor (the store's is already past them, and must not
   * move back within a slot), and what the store finds applied is read back and published.
   */
  let replayEnd = 0
  /** The last transaction an earlier run committed, until it is enqueued (see `replayThrough`). */
  let replayUntil: ChainPosition | undefined
  /** Callers of `whenPendingAtMost`, released as commits move (or when the pipeline stops). */
  let waiters: { most: number, resolve: () => void }[] = []
  /**
   * Listed transactions whose fetch started before they were enqueued (see `fetchListed`), by signature,
   * until they are.
   */
  const early = new Map<string, Entry>()

  /** Puts a decoded transaction into its entry (the caller kicks the commit loop). */
  const finish = async (entry: Entry, decoded: DecodedTransaction): Promise<void> => {
    const signature = entry.info.signature
    entry.events = decoded.events
    entry.packed = decoded.packed
    entry.count = decoded.packed?.count ?? decoded.events.length
    for (const warning of decoded.warnings) {
      await ctx.record('indexer.decode_warning', 'warn', warning, { signature, slot: decoded.slot })
    }
    if (decoded.undecodable !== null) {
      // Fetched UNDECODABLE_FETCHES times, undecodable every time: recorded, then skipped.
      await ctx.record('indexer.undecodable', 'error', 'a Fare Vault transaction cannot be decoded; skipped', {
        signature, slot: decoded.slot, reason: decoded.undecodable,
      })
    }
    entry.ready = true
  }

  /**
   * Fetches a group of transactions until every one is served: each attempt asks only for those still
   * missing, in one batch request when the node takes batches, else one request each.
   */
  const fetchGroup = async (group: Entry[]): Promise<void> => {
    let missing = group
    let reported = false
    try {
      await retryForever(async () => {
        const answers = await fetchOnce(missing)
        const left: Entry[] = []
        let firstError: unknown
        const done: Promise<void>[] = []
        // By position; an answer missing from a short reply counts as not served yet.
        missing.forEach((entry, i) => {
          const answer = answers[i]
          if (answer?.ok && answer.value !== null && settles(entry, answer.value)) done.push(finish(entry, answer.value))
          else {
            left.push(entry)
            // A failure of the node goes first: only a group whose answers merely came damaged spends no attempt.
            if (answer?.ok && answer.value) firstError ??= undecodableAnswer(entry.info.signature, answer.value.undecodable!)
            else if (firstError === undefined || damagedAnswers.has(firstError as object)) firstError = answer && !answer.ok ? answer.error : notYet(entry.info.signature)
          }
        })
        missing = left
        await Promise.all(done)
        if (done.length > 0) kick()
        if (left.length > 0) throw firstError
      }, {
        ...ctx.retry,
        // A damaged answer is fetched again at most UNDECODABLE_FETCHES times: neither a failing node to
        // report nor a reason for the slow retries, whatever `retries` is.
        counts: error => !damagedAnswers.has(error as object),
        onExhausted: (error) => {
          if (reported) return
          reported = true
          void ctx.record('indexer.fetch_failing', 'warn', 'a transaction cannot be fetched; retrying', {
            signature: missing[0]?.info.signature, missing: missing.length,
            error: (error as Error)?.message ?? String(error), retryable: isRpcError(error) ? error.retryable : null,
          })
        },
      })
    }
    catch {
      // stopped
    }
  }

  type Answer = DecodedAnswer | { ok: false, error: unknown }

  /** A fetched transaction decoded on this thread, or null when not served yet. */
  const decodeHere = (tx: TransactionJson | null, entry: Entry): DecodedTransaction | null =>
    decodeFetched(tx, entry.info.signature, ctx.decode, entry.info.blockTime)

  /** One batch request through the queue; parsed and decoded after it, on the decode thread if any. */
  const fetchBatch = async (group: Entry[], priority: number): Promise<Answer[]> => {
    const signatures = group.map(e => e.info.signature)
    const blockTimes = group.map(e => e.info.blockTime)
    const thread = ctx.thread
    const raw = await ctx.call(async (rpc, refused) => {
      // Waited in the queue while the node refused a batch this size: split again, not sent to be refused.
      if (signatures.length > sizer.size) throw resized
      if (thread && rpc.fetchTransactionsBatch) {
        const body = await rpc.fetchTransactionsBatch(signatures)
        // Read here, where the request is queued: in the decode thread, a 429 for some of the calls
        // would count as an answer and bring back full concurrency. Whichever client fetched it.
        refused(checkTransactionsBatch(body))
        return body
      }
      if (!rpc.getTransactions) throw noBatchSupport
      const answers = await rpc.getTransactions(signatures)
      refused(rateLimitedAmong(answers))
      return answers
    }, priority)
    if (Array.isArray(raw)) return decodeAnswers(raw, { signatures, blockTimes }, ctx.decode)
    return thread!.decode(raw.bytes, { first: raw.first, signatures, blockTimes })
  }

  /**
   * Fetches `group` once: in batches of at most `batchSize` while the node takes batches, else one
   * request each. A part that fails answers with its error for each of its transactions.
   */
  const fetchOnce = async (group: Entry[], priority = 0): Promise<Answer[]> => {
    const batchSize = sizer.size
    if (batchSize <= 1 || group.length <= 1) return fetchSingly(group, priority)
    if (group.length > batchSize) {
      // A cap learnt after this group was formed: its parts, each a batch the node takes.
      const parts: Entry[][] = []
      for (let i = 0; i < group.length; i += batchSize) parts.push(group.slice(i, i + batchSize))
      const answers = await Promise.all(parts.map(part => fetchOnce(part, priority).then(
        // One answer per entry, in place: a short reply's missing answers are "not served yet" (see
        // fetchGroup), and must not let the next part's answers move up into them.
        got => part.map((entry, i): Answer => got[i] ?? { ok: false, error: notYet(entry.info.signature) }),
        (error: unknown) => part.map((): Answer => ({ ok: false, error })),
      )))
      return answers.flat()
    }
    try {
      return await fetchBatch(group, priority)
    }
    catch (error) {
      if (error === noBatchSupport) sizer.single()
      else if (isBatchRefusal(error)) refused(group.length, error)
      else if (error !== resized) throw error
      // Again, in parts the node takes (or one request each).
      return fetchOnce(group, priority)
    }
  }

  /** A batch of `size` refused for good: fewer at a time from now on (see batch-size.ts), each cut recorded. */
  const refused = (size: number, error: RpcError): void => {
    const batchSize = sizer.refused(size)
    if (batchSize === undefined) return
    // Recorded only below the smallest size so far: a node that caps batches refuses each regrow too.
    void ctx.record('indexer.batch_refused', 'warn', batchSize > 1
      ? `the node refused a batch of ${size} getTransaction calls; asking for ${batchSize} at a time`
      : `the node refused a batch of ${size} getTransaction calls; one request each from now on`, { size, batchSize, error: error.message, code: error.code })
  }

  /**
   * Settles fetches started before the pipeline's own (by a notification, or by the listing before the
   * enqueue): a decoded transaction is ready (an undecodable answer counts one of UNDECODABLE_FETCHES, see
   * `settles`); any other is fetched the pipeline's way (retries, reports)
   * when it is enqueued already, else forgotten, and fetched once it is. A fetch ahead is one attempt:
   * a listed transaction may never be enqueued (a fork drops it), and must not be retried forever.
   */
  const settleAhead = async (group: readonly Entry[], decoded: readonly (DecodedTransaction | null | undefined)[]): Promise<void> => {
    const again: Entry[] = []
    const done: Promise<void>[] = []
    group.forEach((entry, i) => {
      const value = decoded[i]
      if (value && settles(entry, value)) done.push(finish(entry, value))
      else if (entry.enqueued) again.push(entry)
      else if (early.get(entry.info.signature) === entry) early.delete(entry.info.signature)
    })
    await Promise.all(done)
    if (done.length > 0) kick()
    if (again.length > 0) void fetchGroup(again)
  }

  /**
   * Settles `entry` with a fetch a notification started (see prefetch.ts). One of another slot than the
   * listing's (a fork moved the transaction after it was fetched) is of the old block: fetched again, as
   * a fetch ahead of the listing would be, so that the bet's slot and time are the listed block's.
   */
  const settleFrom = (prefetched: Promise<TransactionJson | null>, entry: Entry): Promise<void> =>
    prefetched.then(
      tx => settleAhead([entry], [tx && tx.slot !== entry.info.slot ? null : decodeHere(tx, entry)]),
      () => settleAhead([entry], [null]),
    )

  /** Listed groups waiting for their fetch ahead (see `startAhead`). */
  const aheadGroups: Entry[][] = []
  let aheadInFlight = 0
  /**
   * Starts the fetches ahead that `fetchAheadConcurrency` allows: fewer than the queue's concurrency, so
   * that the walk's next page (ahead of them in the queue) always finds a free slot.
   */
  const startAhead = (): void => {
    if (!ctx.isRunning()) aheadGroups.length = 0
    while (aheadInFlight < ctx.fetchAheadConcurrency && aheadGroups.length > 0) {
      // Enqueued meanwhile (fetched by the pipeline itself) or forgotten (see `enqueue`): not fetched ahead.
      const group = aheadGroups.shift()!.filter(entry => !entry.enqueued && early.get(entry.info.signature) === entry)
      if (group.length === 0) continue
      for (const entry of group) entry.fetchedAhead = true
      aheadInFlight++
      void fetchAheadOf(group).finally(() => {
        aheadInFlight--
        startAhead()
      })
    }
  }

  /** One attempt at `group` (not enqueued yet), behind every other request in the queue. */
  const fetchAheadOf = async (group: Entry[]): Promise<void> => {
    let answers: Answer[] = []
    try {
      answers = await fetchOnce(group, -1)
    }
    catch {
      // The whole request failed: each is fetched the usual way.
    }
    await settleAhead(group, group.map((_, i) => {
      const answer = answers[i]
      return answer?.ok ? answer.value : null
    }))
  }

  /** One getTransaction request each, decoded on this thread. */
  const fetchSingly = (group: Entry[], priority: number): Promise<Answer[]> =>
    Promise.all(group.map(entry => ctx.call(rpc => rpc.getTransaction(entry.info.signature), priority).then(
      (tx): Answer => ({ ok: true, value: decodeHere(tx, entry) }),
      (error: unknown): Answer => ({ ok: false, error }),
    )))

  /**
   * One `applyBatch` of `group`, retried. An error that the store gives back unchanged `strikes` times in
   * a row and that retrying cannot heal ({@link permanentCommitErrorKey}) ends it with a
   * {@link PermanentCommitError}; every other failure is retried for as long as the indexer runs.
   */
  const commitOnce = async (group: Entry[], parts: PackedPart[], end: number, strikes: number, onIssued?: () => void): Promise<{ result: BatchResult, retried: boolean }> => {
    const last = group[group.length - 1]!.info
    let reported = false
    let streak = 0
    let lastKey: string | undefined
    let attempts = 0
    const result = await retryForever(
      async () => {
        // A group sent behind a failed attempt normally fails too; it must be settled before the next
        // attempt, which the store would otherwise plan behind it. Written, it proves this group was
        // committed (its expectCursor was this group's last transaction: the reply was lost), and sending
        // this group again would move the store's cursor back behind it (within a slot it cannot tell).
        const behind = attempts++ > 0 ? speculative : undefined
        if (behind && (await behind.promise) && behind.start === end) return writtenUnheard(countOf(group))
        try {
          const cursor = end <= replayEnd ? null : { signature: last.signature, slot: last.slot }
          const applied = apply(parts, { cursor, now: Date.now() })
          if (attempts === 1) onIssued?.()
          return await applied
        }
        catch (error) {
          const key = permanentCommitErrorKey(error)
          streak = key !== undefined && key === lastKey ? streak + 1 : key === undefined ? 0 : 1
          lastKey = key
          if (key !== undefined && streak >= strikes) throw new PermanentCommitError(key, error)
          throw error
        }
      },
      {
        ...ctx.retry,
        isRetryable: error => !(error instanceof PermanentCommitError),
        onExhausted: (error) => {
          if (reported) return
          reported = true
          void ctx.record('indexer.commit_failing', 'error', 'a batch cannot be committed; retrying', {
            signature: last.signature, error: (error as Error)?.message ?? String(error),
          })
        },
      },
    )
    // A failed attempt may have been written (its reply lost): the one that succeeded then found it applied.
    return { result, retried: attempts > 1 }
  }

  /**
   * Commits `group` in chain order. When the store refuses it for good, the group is split in halves,
   * each committed on its own, down to the one transaction it refuses: that one is recorded as a
   * SystemEvent and committed without its events (only the cursor moves past it), so one absurd value
   * on chain costs one transaction, not the casino's ingestion. Halves fail fast (one strike): the
   * refusal is already confirmed.
   */
  const commitGroup = async (start: number, end: number, bisecting: boolean): Promise<void> => {
    const group = entries.slice(start, end)
    const last = group[group.length - 1]!.info
    const parts = partsOf(group)
    let result: BatchResult
    try {
      // Once this group is on its way, a pipelining store can read and plan the next one.
      const commit = await commitOnce(group, parts, end, bisecting ? 1 : Math.max(2, ctx.retry.retries), bisecting ? undefined : () => speculate(end))
      const mayReplay = (commit.retried || start < maybeWrittenUpTo) && commit.result.duplicates > 0
      result = mayReplay ? await withReplayed(unpackEvents({ parts }), commit.result, start) : commit.result
    }
    catch (error) {
      if (!(error instanceof PermanentCommitError)) throw error // stopped
      if (group.length > 1) {
        const mid = start + Math.ceil(group.length / 2)
        await commitGroup(start, mid, true)
        await commitGroup(mid, end, true)
        return
      }
      await ctx.record('indexer.uncommittable', 'error', 'the store refuses a Fare Vault transaction; skipped', {
        signature: last.signature, slot: last.slot, events: countOf(group), reason: error.key, error: error.message,
      })
      result = (await commitOnce(group, [], end, Number.POSITIVE_INFINITY)).result
    }
    committed(start, end, result)
  }

  /**
   * `result` with the changes of `events` (the entries from `from` on), written by an attempt whose
   * reply never came, read back so that they are published. The read gets the fast attempts of the retry
   * policy (a store that just lost a reply often fails the next call too); a store that still cannot be
   * read costs those bets their live events only (they are committed): recorded, never retried for
   * longer, ahead of the commits behind them.
   */
  async function withReplayed(events: ChainEvent[], result: BatchResult, from: number): Promise<BatchResult> {
    // Every transaction from `from` on is still an entry; one that is not was committed before it.
    let fromHere: Set<string> | undefined
    const committedBefore = (signature: string): boolean => {
      fromHere ??= new Set(entries.slice(from).map(e => e.info.signature))
      return !fromHere.has(signature)
    }
    let attempts = 0
    try {
      return await retryForever(() => {
        attempts++
        return replayedResult(ctx.store, events, result, committedBefore)
      }, { ...ctx.retry, isRetryable: () => attempts < ctx.retry.retries })
    }
    catch (error) {
      // Stopped while reading: not past these bets, so the published mark stays before them and the next
      // run publishes them (see replayThrough).
      if (!ctx.isRunning()) throw error
      await ctx.record('indexer.replay_unpublished', 'warn', 'bets committed by an attempt whose reply was lost cannot be read back: not published', {
        events: events.length, error: (error as Error)?.message ?? String(error),
      })
      return result
    }
  }

  /** Moves past a committed group and publishes it. */
  function committed(start: number, end: number, result: BatchResult): void {
    head = end // before onCommit, which looks at what is still pending
    // Committed: their events are in the store now, and must not stay in memory until the next trim.
    for (let i = start; i < end; i++) {
      const entry = entries[i]!
      entry.events = []
      entry.packed = undefined
    }
    ctx.onCommit(result, { transactions: end - start, last: entries[end - 1]!.info, replayed: end <= replayEnd })
    if (waiters.length > 0) release(false)
  }

  /** Resolves the waiters whose bound is reached (all of them when `all`). */
  function release(all: boolean): void {
    const pending = entries.length - head
    const still: typeof waiters = []
    for (const w of waiters) {
      if (all || pending <= w.most) w.resolve()
      else still.push(w)
    }
    waiters = still
  }

  /** The events of `group` as objects (unpacked here: only off the usual path). */
  function eventsOf(group: readonly Entry[]): ChainEvent[] {
    return unpackEvents({ parts: partsOf(group) })
  }

  /**
   * `applyBatch` of the events of `parts`: handed to the store as they are when it takes packed events
   * (a store writing on its own thread), else unpacked here.
   */
  function apply(parts: PackedPart[], batch: Omit<Batch, 'events'>): Promise<BatchResult> {
    const store = ctx.store
    const published = ctx.published?.()
    const rest = published ? { ...batch, published } : batch
    if (store.applyPackedBatch && parts.some(part => 'bytes' in part)) return store.applyPackedBatch({ ...rest, events: { parts } })
    return store.applyBatch({ ...rest, events: unpackEvents({ parts }) })
  }

  /** The end of the ready run from `start`, at most `maxBatchTransactions` long. */
  function readyEnd(start: number): number {
    let end = start
    while (end < entries.length && entries[end]!.ready && end - start < ctx.maxBatchTransactions) end++
    return end
  }

  /**
   * Sends the ready run at `start` to a pipelining store right behind the group ending there, which is
   * being written: the store reads and plans it meanwhile. One attempt, no retry: `expectCursor` makes
   * the store refuse it unless the group before it is committed, and a refused (or failed) group is
   * simply committed again by `commitReady` through the usual path.
   */
  function speculate(start: number): void {
    // A replayed group leaves the store's cursor where it is, which a group sent behind it cannot expect;
    // and the store's cursor, which the group right after the replay would expect, proves nothing about
    // the replayed group before it (see commitOnce).
    if (!ctx.store.pipelinesBatches || speculative || !ctx.isRunning() || (replayEnd > 0 && start <= replayEnd)) return
    const end = readyEnd(start)
    // A short run worth waiting for is left to commitReady, which waits for it.
    if (end === start || worthWaiting(start, end)) return
    const last = entries[end - 1]!.info
    const batch = { cursor: { signature: last.signature, slot: last.slot }, now: Date.now(), expectCursor: entries[start - 1]!.info.signature }
    speculative = { start, end, promise: apply(partsOf(entries.slice(start, end)), batch).then(result => result, () => undefined) }
  }

  /**
   * Settles the speculative group (it starts at `head`): published when written. Meanwhile the run
   * after it is sent behind it.
   */
  async function settleSpeculative(): Promise<void> {
    const s = speculative!
    speculative = undefined
    speculate(s.end) // the store refuses it unless `s` is written
    const result = await s.promise
    if (result) {
      // An attempt of it before (a group sent ahead whose reply was lost, then sent again) may have written it.
      const mayReplay = s.start < maybeWrittenUpTo && result.duplicates > 0
      committed(s.start, s.end, mayReplay ? await withReplayed(eventsOf(entries.slice(s.start, s.end)), result, s.start) : result)
    }
    else {
      maybeWrittenUpTo = Math.max(maybeWrittenUpTo, s.end)
      await settleBehindFailure(s.start)
    }
  }

  /**
   * Waits for the speculative group (if any) sent behind a group from `from` on that failed (or whose
   * fate is unknown), and forgets it. It is normally refused. Written, it proves that everything before
   * it was committed after all (its `expectCursor` was the store's cursor: a commit whose reply was
   * lost), so all of it is counted as committed and its result published.
   */
  async function settleBehindFailure(from: number): Promise<void> {
    const s = speculative
    speculative = undefined
    const result = await s?.promise
    if (!s) return
    // Not heard back from, it may be written all the same (its reply lost): sent again later, what the
    // store finds applied is read back.
    if (!result) {
      maybeWrittenUpTo = Math.max(maybeWrittenUpTo, s.end)
      return
    }
    // The groups before it were written by attempts never heard back from: their changes are read back,
    // and so are its own that an earlier attempt of it may have written (what its result reports is not read).
    const written = eventsOf(entries.slice(from, s.start < maybeWrittenUpTo ? s.end : s.start))
    committed(from, s.end, await withReplayed(written, result, from))
  }

  const commitReady = async (): Promise<void> => {
    try {
      while (ctx.isRunning() && head < entries.length && entries[head]!.ready) {
        if (speculative) await settleSpeculative()
        else {
          const end = readyEnd(head)
          if (shouldWait(end)) return
          waitingSince = undefined
          await commitGroup(head, end, false)
        }
        if (head > 4096 && head * 2 > entries.length) {
          entries = entries.slice(head)
          nextFetch = Math.max(0, nextFetch - head)
          // A group sent ahead starts at `head`: its positions move with the entries.
          if (speculative) {
            speculative.start -= head
            speculative.end -= head
          }
          maybeWrittenUpTo = Math.max(0, maybeWrittenUpTo - head)
          replayEnd = Math.max(0, replayEnd - head)
          head = 0
        }
        pump()
      }
      // Stopping: a group already sent may still be written, and is then published like any other.
      while (speculative) await settleSpeculative()
    }
    catch {
      // Only thrown once stopped: whatever is uncommitted stays so, the cursor before it (a group sent
      // behind it is refused by the store).
      await settleBehindFailure(head)
    }
    finally {
      looping = false
    }
  }

  /** True when the ready run [start, end) is short and fetches are in flight right behind it (backfilling). */
  function worthWaiting(start: number, end: number): boolean {
    const run = end - start
    // Only transactions whose fetch is under way can join the run; the rest waits for the window.
    const behind = Math.max(0, nextFetch - end)
    return run < ctx.maxBatchTransactions && behind >= Math.max(sizer.size, 2) && behind >= run
  }

  /** True when the ready run at `head` should wait (up to `groupWaitMs`) for the fetches behind it. */
  function shouldWait(end: number): boolean {
    if (!worthWaiting(head, end)) return false
    const now = Date.now()
    waitingSince ??= now
    if (now - waitingSince >= ctx.groupWaitMs) return false
    // Woken by the next fetch that completes, or by this timer at the latest.
    waitTimer ??= setTimeout(() => {
      waitTimer = undefined
      kick()
    }, ctx.groupWaitMs - (now - waitingSince))
    return true
  }

  /** Starts the fetches of the entries that entered the window, `batchSize` per request. */
  function pump(): void {
    const batchSize = sizer.size
    let group: Entry[] = []
    while (ctx.isRunning() && nextFetch < entries.length && nextFetch - head < ctx.fetchAhead) {
      const entry = entries[nextFetch++]!
      if (!entry.toFetch) continue
      entry.toFetch = false
      group.push(entry)
      if (group.length >= batchSize) {
        void fetchGroup(group)
        group = []
      }
    }
    if (group.length > 0) void fetchGroup(group)
  }

  function kick(): void {
    if (looping || !ctx.isRunning()) return
    looping = true
    loop = commitReady()
  }

  return {
    /** Adds transactions, oldest first; they must be newer than every transaction added before. */
    enqueue(infos: readonly SignatureInfo[]): void {
      for (const info of infos) {
        // A failed transaction changes nothing on chain: no fetch, but it still moves the cursor.
        const failed = info.err !== null && info.err !== undefined
        // Fetched ahead while the listing went on, or not. Not taken when the node now lists it as failed,
        // or in another slot (a fork moved it): its fetch may be of the old block, and its slot would go
        // into the cursor. Its fetch then settles an entry nobody holds.
        const listed = early.get(info.signature)
        if (listed) early.delete(info.signature)
        const ahead = listed?.info.slot === info.slot ? listed : undefined
        const entry: Entry = (!failed && ahead) || { info, ready: failed, toFetch: false, events: [], count: 0, enqueued: true, fetchedAhead: false }
        entry.enqueued = true
        entries.push(entry)
        if (replayUntil) {
          // Up to the earlier run's last transaction, found by its place in the chain: a node behind
          // (or a short listing) may hand over the transactions before it in several listings.
          if (info.slot <= replayUntil.slot) {
            replayEnd = entries.length
            maybeWrittenUpTo = Math.max(maybeWrittenUpTo, replayEnd)
          }
          // Past it (or past its slot, if a fork dropped it): new from here on.
          if (info.slot > replayUntil.slot || info.signature === replayUntil.signature) replayUntil = undefined
        }
        if (failed || entry.fetchedAhead) continue
        const prefetched = ctx.takePrefetched?.(info.signature)
        if (prefetched) {
          void settleFrom(prefetched, entry)
          continue
        }
        entry.toFetch = true
      }
      // Fetched ahead and older than what was just enqueued: listed, then dropped (a fork). Never enqueued now.
      const newestSlot = infos[infos.length - 1]?.slot
      if (early.size > 0 && newestSlot !== undefined) {
        for (const [signature, entry] of early) if (entry.info.slot < newestSlot) early.delete(signature)
      }
      pump()
      kick()
    },
    /**
     * Starts fetching transactions as a walk lists them (newest first), before they are enqueued. A walk
     * must reach the oldest before anything can be committed; over a network that is a round trip a
     * page, with nothing fetched meanwhile. Each is fetched once, at a priority below every other request
     * and `fetchAheadConcurrency` at a time, and no more than `fetchAhead` are held besides the window.
     * Enqueued later, it is taken as it is (see `settleAhead`); one still waiting for its fetch is then
     * fetched the usual way.
     */
    fetchListed(newestFirst: readonly SignatureInfo[]): void {
      const batchSize = sizer.size
      let group: Entry[] = []
      for (const info of newestFirst) {
        if (!ctx.isRunning() || early.size + nextFetch - head >= ctx.fetchAhead) break
        // A failed transaction is never fetched (see enqueue).
        if ((info.err !== null && info.err !== undefined) || early.has(info.signature)) continue
        const entry: Entry = { info, ready: false, toFetch: false, events: [], count: 0, enqueued: false, fetchedAhead: false }
        early.set(info.signature, entry)
        const prefetched = ctx.takePrefetched?.(info.signature)
        if (prefetched) {
          entry.fetchedAhead = true
          void settleFrom(prefetched, entry)
          continue
        }
        group.push(entry)
        if (group.length >= batchSize) {
          aheadGroups.push(group)
          group = []
        }
      }
      if (group.length > 0) aheadGroups.push(group)
      startAhead()
    },
    /**
     * Marks the transactions to be enqueued up to `last` (inclusive, by slot, and within its slot up to
     * it) as committed by an earlier run that may not have published them (it crashed in between): they
     * are committed again without a cursor, which moves nothing, and their changes are read back from the
     * store and published. Called before the first `enqueue`.
     */
    replayThrough(last: ChainPosition): void {
      replayUntil = last
    },
    /** Listed transactions fetched (or waiting to be) ahead of their enqueue, held until it (see `fetchListed`). */
    get listedAhead(): number {
      return early.size
    },
    /** Transactions discovered and not committed yet. */
    get pending(): number {
      return entries.length - head
    },
    /** The oldest transaction not committed yet. */
    oldest(): SignatureInfo | undefined {
      return entries[head]?.info
    },
    /**
     * Resolves once at most `most` transactions are waiting to be committed (backpressure for a long
     * backfill), or once the pipeline stops.
     */
    whenPendingAtMost(most: number): Promise<void> {
      if (entries.length - head <= most || !ctx.isRunning()) return Promise.resolve()
      return new Promise(resolve => waiters.push({ most, resolve }))
    },
    /** Resolves when the commit in progress (if any) is done; releases `whenPendingAtMost` callers. */
    idle(): Promise<void> {
      if (waitTimer) clearTimeout(waitTimer)
      waitTimer = undefined
      release(true)
      return loop
    },
  }
}

/** The pipeline of one indexer run. */
export type Pipeline = ReturnType<typeof createPipeline>
