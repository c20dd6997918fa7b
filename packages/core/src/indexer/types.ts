import type { CasinoEvents } from '../events'
import type { RpcClient } from '../solana/rpc'
import type { CasinoStore } from '../store/types'

/**
 * Which trials belong to this casino:
 * - `{ host }`: the trials whose host token account is owned by this wallet (the default: the owner wallet);
 * - `{ pools }`: the trials played in these pools;
 * - `'all'`: every trial of the program (an explorer, not a casino).
 */
export type IndexerFilter = { host: string } | { pools: string[] } | 'all'

/**
 * Where a casino with no stored cursor starts:
 * `'now'` (only what happens from now on), `{ signature }` (everything after that transaction),
 * or `{ recent: N }` (the N most recent transactions of the program, then everything after).
 */
export type IndexerStart = 'now' | { signature: string } | { recent: number }

/** A game of the registry, as the indexer needs it: the extra_data_hash trials carry. */
export interface IndexerGame {
  id: string
  extraDataHash: string
}

/** What the indexer logs through (consola's shape; a `console` works too). */
export interface IndexerLogger {
  debug(message: string, ...args: unknown[]): void
  info(message: string, ...args: unknown[]): void
  warn(message: string, ...args: unknown[]): void
  error(message: string, ...args: unknown[]): void
}

/** Indexer settings (user input; defaults are applied by `resolveIndexerOptions`). */
export interface IndexerOptions {
  /** HTTP(S) JSON-RPC endpoint. */
  rpcUrl: string
  /** WebSocket endpoint for logsSubscribe. @default derived from rpcUrl (ws/wss, port + 1 when a port is given) */
  wsUrl?: string | undefined
  /** The Fare Vault program id. @default 'FAREvmepkHArRWwLjHmwPQGL9Byg8iKF3hu1vewxTSXe' */
  programId?: string | undefined
  /** The casino owner's wallet: the default host filter. */
  ownerWallet: string
  /** Which trials belong to this casino. @default { host: ownerWallet } */
  filter?: IndexerFilter | undefined
  /** Game registry: extra_data_hash to game id; unknown hashes become game `'unknown'`. @default [] */
  games?: IndexerGame[] | undefined
  /** Where to start when the store has no cursor. @default 'now' */
  start?: IndexerStart | undefined
  /** Milliseconds between polls of getSignaturesForAddress (the backstop of logsSubscribe). @default 1000 */
  pollInterval?: number | undefined
  /** Concurrent RPC requests. @default 16 */
  concurrency?: number | undefined
  /** RPC requests per second, at most. @default 100 */
  rpcRateLimit?: number | undefined
  /** Per-request timeout in milliseconds. @default 10000 */
  timeout?: number | undefined
  /** Attempts with exponential backoff before a failure is reported (and retried slowly). @default 3 */
  retries?: number | undefined
  /** First backoff delay in milliseconds, doubled at each attempt. @default 250 */
  retryDelay?: number | undefined
  /** Delay between attempts once `retries` are exhausted, in milliseconds. @default 5000 */
  slowRetryDelay?: number | undefined
  /** Open a logsSubscribe WebSocket for low latency. @default true */
  subscribe?: boolean | undefined
  /**
   * The commitment every read and the logsSubscribe WebSocket use. `'confirmed'`: a bet is seen
   * about 400 ms after its slot, once a supermajority voted on it. `'finalized'`: only once its slot
   * is rooted (about 32 slots, 13 s later): slower, but nothing the casino records can be rolled back
   * by a fork, for casinos that credit players off chain on `bet.settled`. @default 'confirmed'
   */
  commitment?: 'confirmed' | 'finalized' | undefined
  /**
   * Transactions committed together, at most, in one `applyBatch` (a backfill fills them; live, a commit
   * holds what has arrived). @default the store's `preferredBatchTransactions`, else 1000
   */
  maxBatchTransactions?: number | undefined
  /**
   * getTransaction calls sent together in one JSON-RPC batch request (one HTTP round trip, counted as
   * one request by `concurrency` and `rpcRateLimit`). 1 sends one request per transaction. A node that
   * refuses a batch (a provider's cap on its size, or no batches at all) gets half as many per request
   * down to single requests; each cut below the smallest size so far is recorded as an
   * `indexer.batch_refused` SystemEvent. The size doubles back after `fetchBatchRegrowMs`.
   * @default 50
   */
  fetchBatchSize?: number | undefined
  /**
   * Milliseconds a cut fetch batch size holds before it doubles again, up to `fetchBatchSize`, so that a
   * one-off refusal does not cost full batches for good. Each time a regrown size is refused again, the
   * wait doubles (at most 6 hours). @default 300_000 (5 minutes)
   */
  fetchBatchRegrowMs?: number | undefined
  /**
   * While backfilling, milliseconds a short run of fetched transactions may wait for those in flight
   * behind it, to commit them in one bigger `applyBatch`. Live traffic is never held. @default the
   * store's `preferredGroupWaitMs` (SQLite on its writer thread: 5), else 25
   */
  groupWaitMs?: number | undefined
  /**
   * Signatures listed and queued at a time while catching up: a longer backlog is listed in chunks of
   * this size, oldest first, each once the previous is nearly committed, so that memory stays bounded
   * however long the casino was down (about 200 bytes per signature). @default 10000
   */
  backfillChunk?: number | undefined
  /** Milliseconds `stats.updated` is held back to coalesce commits. @default 250 */
  statsDebounce?: number | undefined
  /**
   * Parse and decode fetched transactions on a worker thread, so that ingestion uses two cores (the
   * main thread keeps the I/O, the store and publishing). `'auto'`: on a machine with more than one
   * core, when running the built package. `true` from TypeScript sources uses the package's build
   * (`pnpm build` first). @default 'auto'
   */
  decodeThread?: boolean | 'auto' | undefined
  /** A `fetch` for the RPC client (tests, benches, proxies). @default globalThis.fetch */
  fetch?: typeof fetch | undefined
}

/** {@link IndexerOptions} with every default applied. */
export interface ResolvedIndexerOptions extends Required<Omit<IndexerOptions, 'fetch' | 'filter'>> {
  filter: ResolvedIndexerFilter
  fetch: typeof fetch | undefined
}

/** The normalised filter. */
export type ResolvedIndexerFilter = { kind: 'host', host: string } | { kind: 'pools', pools: ReadonlySet<string> } | { kind: 'all' }

/** What the indexer needs from the casino. */
export interface IndexerContext {
  store: CasinoStore
  events: CasinoEvents
  logger?: IndexerLogger
  config: IndexerOptions
  /** An RPC client to use instead of one built from `config` (tests). */
  rpc?: RpcClient
  /**
   * Resolves once everything emitted on `events` so far has reached where clients read it back after a
   * crash (the realtime history: `realtime.flush()`). The published mark moves past a group only then, so
   * that a crash before it leaves the group to be published again by the next run. Without it, a group
   * counts as published once emitted.
   */
  delivered?: () => Promise<void>
}

/** A snapshot of the indexer, for `/health/ready` and operators. */
export interface IndexerStatus {
  running: boolean
  /** True once the indexer has caught up with the chain since it started. */
  live: boolean
  /** True while the logsSubscribe WebSocket is subscribed. */
  subscribed: boolean
  /** Slots between the chain head and the last committed transaction; 0 when nothing is waiting. */
  lagSlots: number
  /** Seconds since the block time of the oldest transaction not yet committed; 0 when nothing is waiting. */
  lagSeconds: number
  /** The last committed transaction (the durable cursor). */
  lastSignature: string | null
  lastSlot: number | null
  /** The newest slot seen (getSlot, notifications, signatures). */
  headSlot: number | null
  /** Transactions discovered but not committed yet. */
  pending: number
  /** Bets created since start. */
  bets: number
  /** Bets settled since start. */
  settled: number
  /** Chain events applied since start. */
  events: number
  /** Transactions committed since start (with or without events of ours). */
  transactions: number
  /** Failures since start (RPC, store, undecodable transactions). */
  errors: number
  /** RPC answers "too many requests" (HTTP 429, or 429 in the JSON-RPC body) since start. */
  rateLimited: number
  /**
   * While the node rate-limits: until when (epoch ms) every RPC request is paused, for its `Retry-After`
   * or a backoff; null otherwise.
   */
  throttledUntil: number | null
  lastError: { message: string, at: number } | null
}

/** The indexer of one casino. */
export interface Indexer {
  /** Loads the cursor, backfills from it and goes live. Resolves once started (not once caught up). */
  start(): Promise<void>
  /** Stops polling and subscriptions, cancels queued RPC calls, waits for the commit in progress (at most `timeout` ms). Always resolves; safe to call twice. */
  stop(): Promise<void>
  status(): IndexerStatus
  /** Resolves the first time the indexer has caught up with the chain (or when stopped). Never rejects. */
  readonly ready: Promise<void>
}
