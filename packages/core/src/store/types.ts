/**
 * The storage contract of fare casino. Every adapter (memory, SQLite, Postgres, Redis, a third party's)
 * implements `CasinoStore` and passes the contract suite from `@fare-casino/core/testing`.
 *
 * Money is `bigint` in base units. Times are unix milliseconds unless a name says otherwise
 * (`blockTime` is unix seconds, as Solana gives it).
 */

import type { PackedEvents } from './packed'

/** A `[q, k]` pair of the Fare Vault: probability `q` of the outcome, payout multiple `k` of the wager. */
export type QKPair = [q: number, k: number]

/** A fee the vault charged on a trial when it was registered (a FeeCharged event of the registering transaction). */
export interface BetFee {
  /** `fee_type` as the vault wrote it (the localnet's vault: 0 host, 1 network, 2 pool). */
  type: number
  /** Base units of the pool's mint. */
  amount: bigint
}

/** Lifecycle of a bet: registered on chain, then resolved by the vault's randomness. */
export type BetStatus = 'pending' | 'settled'

/** A bet is one Fare Vault trial. */
export interface Bet {
  /** The trial account (base58); the bet's id. */
  id: string
  /** Monotonic order of insertion in this store: chain order, since the indexer commits in chain order. */
  seq: number
  /** The player's wallet (base58), `who` of TrialRegistered. */
  player: string
  /** The pool account (base58). */
  pool: string
  /** The token mint (base58), when the registering transaction shows it. */
  mint: string | null
  /** Game id from the casino's game registry, or `'unknown'` when the extra_data_hash is not registered. */
  game: string
  /** The game configuration hash the trial was registered with. */
  extraDataHash: string
  /** Amount wagered in base units (`multiplier` of TrialRegistered). */
  wager: bigint
  /** The outcome table of the trial. */
  qk: QKPair[]
  /** The fees charged when the trial was registered, in the order the vault emitted them; empty when none were. */
  fees: BetFee[]
  /**
   * The pool's accumulated amount (its jackpot pot) after the registering transaction added to it
   * (PoolAccumulatedAmountUpdated); null when that transaction did not report it.
   */
  poolAccumulatedAmount: bigint | null
  /** Index into `qk` of the drawn outcome, once settled. */
  resultIndex: number | null
  /** Gross amount returned to the player in base units (`wager * k`), once settled. `0n` for a loss. */
  payout: bigint | null
  /** `k` of the drawn outcome, once settled. */
  multiplier: number | null
  /** True when the payout exceeds the wager, once settled. */
  won: boolean | null
  status: BetStatus
  /** Signature of the transaction that registered the trial. */
  registerSignature: string
  registerSlot: number
  /** Unix seconds of the registering block. */
  blockTime: number
  /** Signature of the transaction that resolved the trial, once settled. */
  resolveSignature: string | null
  resolveSlot: number | null
  /** Unix seconds of the resolving block, once settled. */
  settledBlockTime: number | null
}

/** Running totals of one game for one player. */
export interface GameTotals {
  bets: number
  wins: number
  losses: number
  wagered: bigint
  payout: bigint
}

/** A player of this casino: created by sign-in or by their first bet. */
export interface Player {
  wallet: string
  /** Unique (case-insensitively) among players, 3 to 20 characters, or null. */
  username: string | null
  /** Unix ms. */
  createdAt: number
  /** Unix ms of the last sign-in or authenticated request. */
  lastSeenAt: number
  /** Totals count settled bets only. */
  totalBets: number
  totalWins: number
  totalLosses: number
  totalWagered: bigint
  totalPayout: bigint
  /** Per-game totals, keyed by game id. */
  games: Record<string, GameTotals>
}

/** Bets, wins, wagered and payout over some window. */
export interface Totals {
  bets: number
  wins: number
  wagered: bigint
  payout: bigint
}

/** Casino-wide statistics. */
export interface CasinoStats {
  totalBets: number
  totalWins: number
  totalWagered: bigint
  totalPayout: bigint
  /** Number of players (every player row, signed in or seen betting). */
  totalPlayers: number
  /** Bets currently registered but not yet resolved. */
  pendingBets: number
  /** Settled in the 24 hours before `now`, from hourly buckets (so up to one hour coarse). */
  last24h: Totals
}

/** A jackpot released to a player (PoolAccumulatedAmountReleased). */
export interface Jackpot {
  /** The chain event id that released it. */
  id: string
  pool: string
  trialId: string
  receiver: string
  amount: bigint
  signature: string
  slot: number
  blockTime: number
}

/** A chat message; deleted messages are kept (soft delete) but never listed. */
export interface ChatMessage {
  id: string
  wallet: string
  /**
   * The author's username: as it is now when listed (a name the author gave up, and another wallet took,
   * must not stand on the author's old messages), as it was when posted in the message's own event.
   */
  username: string | null
  message: string
  /** Unix ms. */
  createdAt: number
}

/** How much a {@link SystemEvent} matters, from `debug` to `critical`. */
export type SystemEventSeverity = 'debug' | 'info' | 'warn' | 'error' | 'critical'

/** Something the background machinery wants an operator to see later. */
export interface SystemEvent {
  id: number
  type: string
  severity: SystemEventSeverity
  message: string
  metadata: Record<string, unknown> | null
  /** Unix ms. */
  createdAt: number
}

/** A transaction's place in the chain: its signature and slot. */
export interface ChainPosition {
  signature: string
  slot: number
}

/** Where the indexer has committed up to, in chain order. */
export interface IndexerCursor {
  signature: string
  slot: number
  /** Unix ms of the commit. */
  updatedAt: number
  /**
   * The last transaction whose changes the indexer has published (see {@link Batch.published}); null when
   * never recorded. Behind `signature` after a crash between a commit and its publication: the next
   * indexer publishes what lies between. Absent in stores that do not keep it (nothing is published again).
   */
  published?: ChainPosition | null
}

/* ------------------------------------------------------------------------------------------------ */
/* Chain events: what the indexer decodes and hands to `applyBatch`                                */
/* ------------------------------------------------------------------------------------------------ */

interface ChainEventBase {
  /** Unique and stable: `<signature>:<index of the event within the transaction>`. */
  id: string
  signature: string
  slot: number
  /** Unix seconds of the block. */
  blockTime: number
}

/** A trial registered for this casino (already mapped to a game by the indexer). */
export interface TrialRegisteredEvent extends ChainEventBase {
  kind: 'trialRegistered'
  trialId: string
  player: string
  pool: string
  mint: string | null
  wager: bigint
  qk: QKPair[]
  extraDataHash: string
  game: string
  /**
   * The FeeCharged events of this trial and pool in the registering transaction, folded in by the
   * decoder (they reach the store as part of this event, not as events of their own).
   */
  fees: BetFee[]
  /** The last PoolAccumulatedAmountUpdated of this trial and pool in that transaction, folded in likewise; null when none. */
  poolAccumulatedAmount: bigint | null
  /** The transaction's position in its block, when the node gives it (`transactionIndex`; see planBatch). */
  transactionIndex?: number
}

/** A trial's outcome drawn. */
export interface TrialResolvedEvent extends ChainEventBase {
  kind: 'trialResolved'
  trialId: string
  resultIndex: number
  randomness: number
  /** The transaction's position in its block, when the node gives it (`transactionIndex`; see planBatch). */
  transactionIndex?: number
}

/** A jackpot (pool accumulated amount) released to a player. */
export interface JackpotReleasedEvent extends ChainEventBase {
  kind: 'jackpotReleased'
  pool: string
  trialId: string
  receiver: string
  amount: bigint
}

/**
 * Other vault events the casino records but does not turn into bets. A FeeCharged or
 * PoolAccumulatedAmountUpdated of a trial registered in the same transaction is not one: it is part of
 * that register ({@link TrialRegisteredEvent.fees}).
 */
export interface OtherVaultEvent extends ChainEventBase {
  kind: 'feeCharged' | 'poolAccumulatedAmountUpdated' | 'poolRegistered'
  /** Decoded fields, amounts as decimal strings so the record is JSON-safe. */
  data: Record<string, unknown>
}

/** One decoded Fare Vault event that concerns this casino. */
export type ChainEvent = TrialRegisteredEvent | TrialResolvedEvent | JackpotReleasedEvent | OtherVaultEvent

/** The indexer's unit of work: events in chain order, and the cursor they advance to. */
export interface Batch {
  /**
   * In chain order, and whole transactions: every event of a transaction is in the same batch, as the
   * indexer commits them. A store may rely on it: Redis finds the first bet a resolve transaction
   * settles (`getBet(signature)`) from within the batch, and a transaction split over two batches could
   * name another of its bets.
   */
  events: ChainEvent[]
  /** The last transaction this batch covers (it may carry no event of ours). */
  cursor?: { signature: string, slot: number } | null
  /** Unix ms of the commit; defaults to `Date.now()`. */
  now?: number
  /**
   * Write only if the stored cursor is this signature when the batch is written (checked under the
   * store's write lock); otherwise reject with a transient `STORE_ERROR` and write nothing. Honoured by
   * stores that pipeline batches (`pipelinesBatches`): the indexer sets it on a batch it sends behind
   * one still being written, so that the later batch can never be written without the earlier one.
   */
  expectCursor?: string
  /**
   * The last transaction whose changes the indexer has published, kept with the cursor (and returned by
   * `getCursor`) so that an indexer started after a crash publishes what was committed but never announced.
   * Like the cursor it only moves forward (by slot), and it is written even when the batch has no cursor
   * and no event, but only once a cursor is stored. Absent: left as it is.
   */
  published?: ChainPosition | null
}

/**
 * A {@link Batch} whose events are still bytes from the indexer's decode thread (see
 * `@fare-casino/core/store`'s `unpackEvents`), for {@link CasinoStore.applyPackedBatch}.
 */
export interface PackedBatch extends Omit<Batch, 'events'> {
  events: PackedEvents
}

/** What a committed batch changed, for the events the casino publishes afterwards. */
export interface BatchResult {
  /** Events new to the store (replayed ones are not counted). */
  applied: number
  /** Events already applied before, ignored. */
  duplicates: number
  /** Bets created, in chain order (their state after the batch: a bet may be created settled). */
  placed: Bet[]
  /** Bets settled by this batch, in chain order. */
  settled: Bet[]
  jackpots: Jackpot[]
  /** Players created by this batch. */
  joined: Player[]
  /**
   * Events that changed nothing, and why: a register of a trial that already has a bet (its keypair
   * registered again, or another register of it), a resolve of a bet already settled, or a second resolve
   * of a trial not registered yet, not surely run after the first (which is kept for its register). A bet is one
   * trial account, so the first wins. And a resolve kept for its register (applied by an earlier batch)
   * that turned out to be an earlier trial's: a register or resolve of the trial that surely ran after it
   * came (a later slot, or a later `transactionIndex` in its slot), so its own register was before the
   * indexer's start ('resolve without its register').
   * Never dropped silently: the store (`recordsIgnoredEvents`) or the indexer records them as a
   * SystemEvent. Optional for stores written before it.
   */
  ignored?: IgnoredEvent[]
}

/** An event that {@link BatchResult.ignored} lists. */
export interface IgnoredEvent {
  id: string
  trialId: string
  signature: string
  reason: 'trial already registered' | 'bet already settled' | 'trial already resolved' | 'resolve without its register'
}

/* ------------------------------------------------------------------------------------------------ */
/* Queries                                                                                           */
/* ------------------------------------------------------------------------------------------------ */

/** Filters and page of {@link CasinoStore.listBets}. */
export interface BetQuery {
  player?: string
  game?: string
  status?: BetStatus
  won?: boolean
  /** Opaque cursor from a previous page's `nextCursor` (never empty). */
  cursor?: string
  /** 1 to 100. */
  limit: number
}

/** One page of bets, newest first. */
export interface BetPage {
  bets: Bet[]
  /** Pass back as `cursor` for the next (older) page; null at the end. */
  nextCursor: string | null
}

/** The metric a leaderboard ranks by: wagered, profit (payout - wagered), wins or bets. */
export type LeaderboardBy = 'wagered' | 'profit' | 'wins' | 'bets'
/** The window a leaderboard covers, ending now; `all` reads lifetime totals. */
export type LeaderboardPeriod = '24h' | '7d' | '30d' | 'all'

/** What {@link CasinoStore.leaderboard} ranks. */
export interface LeaderboardQuery {
  by: LeaderboardBy
  period: LeaderboardPeriod
  limit: number
  /** Unix ms the window ends at. */
  now: number
}

/** One ranked player of a leaderboard. */
export interface LeaderboardEntry {
  rank: number
  wallet: string
  username: string | null
  bets: number
  wins: number
  wagered: bigint
  payout: bigint
  /** payout - wagered. */
  profit: bigint
}

/* ------------------------------------------------------------------------------------------------ */
/* The contract                                                                                      */
/* ------------------------------------------------------------------------------------------------ */

/**
 * Storage for one casino. Every method is safe to call concurrently; `applyBatch` is atomic
 * (all of a batch or nothing) and idempotent per chain event id.
 *
 * Read methods take what the HTTP layer lets through: limits are integers from 1 (to 100 where said),
 * offsets integers from 0, a cursor a `nextCursor` the store gave. Anything else is the caller's
 * mistake, and the stores differ on it (SQLite clamps, Postgres and Redis throw their own errors).
 */
export interface CasinoStore {
  /** Adapter name, e.g. `sqlite`. */
  readonly name: string
  /** Creates or upgrades the schema; safe to call again and from several processes. */
  migrate(): Promise<void>
  /** Releases connections. The store is unusable afterwards. */
  close(): Promise<void>
  /** Answers when the backend is reachable (for /health/ready). */
  ping(): Promise<void>

  /* indexer */
  /**
   * Records the events, creates and settles bets, updates player and casino totals and the cursor:
   * all together or nothing. An event whose id is already applied is skipped. A resolve whose trial is
   * not yet known is kept and applied when the register arrives. The cursor only moves forward: a batch
   * whose cursor slot is below the stored one (a deposed leader's late commit) leaves it where it is.
   */
  applyBatch(batch: Batch): Promise<BatchResult>
  /**
   * `applyBatch` of `unpackEvents(batch.events)`, for a store that writes on a thread of its own: it
   * hands the bytes to that thread as they are, which saves the main thread reading and writing every
   * event object again. Same rules and result as `applyBatch` (and in the same order with it). Optional:
   * without it, the indexer unpacks the events and calls `applyBatch`.
   */
  applyPackedBatch?(batch: PackedBatch): Promise<BatchResult>
  /**
   * True when `applyBatch` may be called again before the previous call has settled, so that the next
   * batch is read and planned while the previous one is being written (the indexer then keeps two in
   * flight). Calls are applied in call order, and a call made while another is in flight commits only
   * after that one has committed: if it failed, the later call rejects with a transient error and
   * writes nothing. Absent or false: the indexer awaits each `applyBatch` before the next.
   */
  readonly pipelinesBatches?: boolean
  /**
   * True when `applyBatch` records its `result.ignored` itself, as one `indexer.event_ignored`
   * SystemEvent written atomically with the batch (see `ignoredEventsReport`): reported exactly once,
   * even when the reply is lost and the batch, sent again, comes back as duplicates. Absent or false:
   * the indexer records the report after the commit, best effort.
   */
  readonly recordsIgnoredEvents?: boolean
  /**
   * How many transactions this store writes best in one `applyBatch`: the indexer's default for
   * `maxBatchTransactions` (its config still wins). A store whose cost per bet falls with the batch's
   * size (SQLite: each commit writes every page it dirtied once) says so here. Absent: 1000.
   */
  readonly preferredBatchTransactions?: number
  /**
   * How long (ms) the indexer may hold a short run of fetched transactions while backfilling, waiting
   * for those in flight behind it to commit them in one bigger `applyBatch`: the indexer's default for
   * `groupWaitMs` (its config still wins). A store whose commits cost little beside what they write
   * (SQLite on its writer thread) asks for less, so that it is not left idle. Absent: 25.
   */
  readonly preferredGroupWaitMs?: number
  getCursor(): Promise<IndexerCursor | null>

  /* bets */
  /** By trial id, or by the signature that registered or resolved it. */
  getBet(idOrSignature: string): Promise<Bet | null>
  /** Newest first, keyset pagination that stays stable while bets are inserted. */
  listBets(query: BetQuery): Promise<BetPage>
  /** A player's bets, newest first, offset pagination (FarePlay compatibility). */
  playerBetHistory(wallet: string, page: { limit: number, offset: number }): Promise<{ bets: Bet[], total: number }>

  /* players */
  getPlayer(wallet: string): Promise<Player | null>
  getPlayerByUsername(username: string): Promise<Player | null>
  /** Gets the player, creating it when missing (`created` tells which); updates `lastSeenAt`. */
  ensurePlayer(wallet: string, now: number): Promise<{ player: Player, created: boolean }>
  /** Sets the username; throws `CasinoError('USERNAME_TAKEN')` when another player has it. */
  setUsername(wallet: string, username: string | null): Promise<Player>
  leaderboard(query: LeaderboardQuery): Promise<LeaderboardEntry[]>

  /* casino */
  stats(now: number): Promise<CasinoStats>
  /** Jackpots, newest first. */
  listJackpots(limit: number): Promise<Jackpot[]>

  /* chat */
  addChatMessage(input: { wallet: string, message: string, createdAt: number }): Promise<ChatMessage>
  /** Newest first; `before` is a message id (exclusive). Deleted messages are not listed. */
  listChat(query: { limit: number, before?: string }): Promise<ChatMessage[]>
  /** Soft delete; false when there was no such (undeleted) message. */
  deleteChatMessage(id: string, deletedAt: number): Promise<boolean>

  /* operations */
  recordSystemEvent(event: Omit<SystemEvent, 'id'>): Promise<void>
  listSystemEvents(query: { limit: number }): Promise<SystemEvent[]>
  /**
   * Marks a sign-in nonce used. Returns false when it was used before. Atomic across every process
   * that shares the store: this is what makes a nonce single-use. Expired rows may be purged.
   */
  useNonce(nonce: string, expiresAt: number): Promise<boolean>
  /**
   * True when `nonce` was marked by {@link CasinoStore.useNonce} and has not expired: a read, nothing
   * is marked. The casino keeps its logged-out tokens this way too, so that a restart (which empties an
   * in-memory kv) never brings one back. Optional for stores written before it: without it, logouts
   * last as long as the kv keeps them.
   */
  isNonceUsed?(nonce: string): Promise<boolean>
}
