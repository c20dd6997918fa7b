import { sql } from 'drizzle-orm'
import { check, customType, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

/**
 * The SQLite schema of fare casino, as drizzle tables. Migrations in `migrations/sqlite` are generated
 * from this file with drizzle-kit (`drizzle.sqlite.config.ts`); never edit them by hand.
 *
 * Money is an INTEGER in base units, read with better-sqlite3's safe integers so that it stays exact
 * above 2^53. SQLite integers are signed 64-bit: an amount or a running total above 2^63 - 1 cannot be
 * stored (writing one throws; SUM() over the limit throws "integer overflow").
 */

/** Money in base units: INTEGER in SQLite, `bigint` in JavaScript (read it with safe integers). */
export const money = customType<{ data: bigint, driverData: bigint | number }>({
  dataType: () => 'integer',
  fromDriver: value => BigInt(value),
  toDriver: value => value,
})

/** One row per bet (Fare Vault trial). `seq` is the rowid: chain order, the key of every page. */
export const bets = sqliteTable('bets', {
  seq: integer('seq').primaryKey(),
  id: text('id').notNull(),
  player: text('player').notNull().references(() => players.wallet),
  pool: text('pool').notNull(),
  mint: text('mint'),
  game: text('game').notNull(),
  extraDataHash: text('extra_data_hash').notNull(),
  wager: money('wager').notNull(),
  /** JSON `[q, k][]`. */
  qk: text('qk').notNull(),
  resultIndex: integer('result_index'),
  payout: money('payout'),
  multiplier: real('multiplier'),
  won: integer('won', { mode: 'boolean' }),
  status: text('status', { enum: ['pending', 'settled'] }).notNull(),
  registerSignature: text('register_signature').notNull(),
  registerSlot: integer('register_slot').notNull(),
  blockTime: integer('block_time').notNull(),
  resolveSignature: text('resolve_signature'),
  resolveSlot: integer('resolve_slot'),
  settledBlockTime: integer('settled_block_time'),
  /** Id of the event that created this bet: replaying it is a no-op (see postgres `_bet-events.ts`). */
  registerEventId: text('register_event_id'),
  /** Id of the event that settled this bet. */
  resolveEventId: text('resolve_event_id'),
  /** JSON `[type, "amount"][]` (core's `encodeFees`): the fees charged when the trial was registered. */
  fees: text('fees').notNull().default('[]'),
  /**
   * The pool's accumulated amount after the register, when the transaction reported it: decimal TEXT,
   * since a u64 may pass SQLite's signed 64-bit integers and this amount must never stop a batch.
   */
  poolAccumulatedAmount: text('pool_accumulated_amount'),
}, t => [
  uniqueIndex('bets_id_unique').on(t.id),
  // Keyset pages: each filter walks its own index backwards from the cursor's seq.
  index('bets_player_seq_idx').on(t.player, t.seq),
  index('bets_game_seq_idx').on(t.game, t.seq),
  // Only pending bets are indexed by status: they are few, and a page of settled ones walks seq.
  index('bets_pending_seq_idx').on(t.seq).where(sql`"status" = 'pending'`),
  // Signatures are looked up by their first 16 characters (~94 bits, then the full value compared):
  // an 88-character key made every insert move several pages of a big random-key index.
  index('bets_register_signature_prefix_idx').on(sql`substr("register_signature", 1, 16)`),
  index('bets_resolve_signature_prefix_idx').on(sql`substr("resolve_signature", 1, 16)`),
])

/** Players with their all-time totals (settled bets only). */
export const players = sqliteTable('players', {
  wallet: text('wallet').primaryKey(),
  username: text('username'),
  createdAt: integer('created_at').notNull(),
  lastSeenAt: integer('last_seen_at').notNull(),
  totalBets: integer('total_bets').notNull().default(0),
  totalWins: integer('total_wins').notNull().default(0),
  totalLosses: integer('total_losses').notNull().default(0),
  totalWagered: money('total_wagered').notNull().default(sql`0`),
  totalPayout: money('total_payout').notNull().default(sql`0`),
}, () => [
  // SQLite turns an integer sum that overflows 64 bits into a REAL: refuse it rather than lose money.
  check('players_totals_integer', sql`typeof("total_wagered") = 'integer' and typeof("total_payout") = 'integer'`),
  // Usernames are unique regardless of (ASCII) case.
  uniqueIndex('players_username_lower_unique').on(sql`lower("username")`),
  // The all-time leaderboard reads the first rows of one of these, in the order it ranks by
  // (metric, then wagered, then wallet). Partial: players who never bet are never ranked.
  index('players_rank_wagered_idx').on(sql`"total_wagered" desc`, sql`"wallet"`).where(sql`"total_bets" > 0`),
  index('players_rank_profit_idx').on(sql`("total_payout" - "total_wagered") desc`, sql`"total_wagered" desc`, sql`"wallet"`).where(sql`"total_bets" > 0`),
  index('players_rank_wins_idx').on(sql`"total_wins" desc`, sql`"total_wagered" desc`, sql`"wallet"`).where(sql`"total_bets" > 0`),
  index('players_rank_bets_idx').on(sql`"total_bets" desc`, sql`"total_wagered" desc`, sql`"wallet"`).where(sql`"total_bets" > 0`),
])

/** A player's totals per game. */
export const playerGames = sqliteTable('player_games', {
  wallet: text('wallet').notNull().references(() => players.wallet),
  game: text('game').notNull(),
  bets: integer('bets').notNull(),
  wins: integer('wins').notNull(),
  losses: integer('losses').notNull(),
  wagered: money('wagered').notNull(),
  payout: money('payout').notNull(),
}, t => [
  primaryKey({ columns: [t.wallet, t.game] }),
  check('player_games_totals_integer', sql`typeof("wagered") = 'integer' and typeof("payout") = 'integer'`),
])

/** The one row (id 1) of casino-wide counters, and the highest bet seq handed out. */
export const casinoTotals = sqliteTable('casino_totals', {
  id: integer('id').primaryKey(),
  bets: integer('bets').notNull().default(0),
  wins: integer('wins').notNull().default(0),
  losses: integer('losses').notNull().default(0),
  wagered: money('wagered').notNull().default(sql`0`),
  payout: money('payout').notNull().default(sql`0`),
  pending: integer('pending').notNull().default(0),
  players: integer('players').notNull().default(0),
  lastSeq: integer('last_seq').notNull().default(0),
}, () => [check('casino_totals_integer', sql`typeof("wagered") = 'integer' and typeof("payout") = 'integer'`)])

/** Casino totals per hour (unix seconds / 3600) of the settling block. */
export const hourly = sqliteTable('hourly', {
  hour: integer('hour').primaryKey(),
  bets: integer('bets').notNull(),
  wins: integer('wins').notNull(),
  wagered: money('wagered').notNull(),
  payout: money('payout').notNull(),
}, () => [check('hourly_totals_integer', sql`typeof("wagered") = 'integer' and typeof("payout") = 'integer'`)])

/** Player totals per hour: the windowed leaderboards sum these. */
export const playerHourly = sqliteTable('player_hourly', {
  wallet: text('wallet').notNull().references(() => players.wallet),
  hour: integer('hour').notNull(),
  bets: integer('bets').notNull(),
  wins: integer('wins').notNull(),
  wagered: money('wagered').notNull(),
  payout: money('payout').notNull(),
}, t => [
  primaryKey({ columns: [t.wallet, t.hour] }),
  check('player_hourly_totals_integer', sql`typeof("wagered") = 'integer' and typeof("payout") = 'integer'`),
  // Covering index: a window is one range scan over hours that never touches the table.
  index('player_hourly_window_idx').on(t.hour, t.wallet, t.bets, t.wins, t.wagered, t.payout),
])

/** Jackpots released to players, in the order they were applied. */
export const jackpots = sqliteTable('jackpots', {
  seq: integer('seq').primaryKey({ autoIncrement: true }),
  id: text('id').notNull().unique(),
  pool: text('pool').notNull(),
  trialId: text('trial_id').notNull(),
  receiver: text('receiver').notNull(),
  /**
   * Decimal TEXT, as `pool_accumulated_amount`: a pool's pot is a u64 shared by every host and mint, so a
   * release may pass SQLite's signed 64-bit integers without any wager of this casino being large. As an
   * INTEGER it refused the whole transaction, and the bet it settled stayed pending.
   */
  amount: text('amount').notNull(),
  signature: text('signature').notNull(),
  slot: integer('slot').notNull(),
  blockTime: integer('block_time').notNull(),
})

/**
 * The applied events that are not on a bet row (see `_bet-events.ts`: fees, pool updates, jackpots, an
 * early or second register or resolve), one row per transaction: what makes `applyBatch` idempotent for
 * them. A register transaction carries four of them (three FeeCharged and a PoolAccumulatedAmountUpdated)
 * beside its TrialRegistered: one row and one random-key index entry for the four, where a row each made
 * them most of the cost of ingesting a bet.
 */
export const transactionEvents = sqliteTable('transaction_events', {
  /** The transaction its events' ids name: an id up to its first ':' (`<signature>:<index>`), or the whole id. */
  signature: text('signature').primaryKey(),
  slot: integer('slot').notNull(),
  blockTime: integer('block_time').notNull(),
  /** JSON `[{ id, kind, data }]` in program order; `data` holds the decoded fields of recorded kinds, else null. */
  events: text('events').notNull(),
})

/** Resolves seen before their register, kept until it arrives. */
export const orphanResolves = sqliteTable('orphan_resolves', {
  trialId: text('trial_id').primaryKey(),
  /** JSON of the TrialResolved event. */
  event: text('event').notNull(),
})

/** The one row (id 1) of the indexer cursor. */
export const cursor = sqliteTable('cursor', {
  id: integer('id').primaryKey(),
  signature: text('signature').notNull(),
  slot: integer('slot').notNull(),
  updatedAt: integer('updated_at').notNull(),
  /** The last transaction the indexer has published (see `Batch.published`); null until one is. */
  publishedSignature: text('published_signature'),
  publishedSlot: integer('published_slot'),
})

/** Chat messages; deleted ones keep their row (soft delete). */
export const chatMessages = sqliteTable('chat_messages', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  wallet: text('wallet').notNull(),
  username: text('username'),
  message: text('message').notNull(),
  createdAt: integer('created_at').notNull(),
  deletedAt: integer('deleted_at'),
})

/** Operator-facing events of the background machinery. */
export const systemEvents = sqliteTable('system_events', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  type: text('type').notNull(),
  severity: text('severity', { enum: ['debug', 'info', 'warn', 'error', 'critical'] }).notNull(),
  message: text('message').notNull(),
  /** JSON or null. */
  metadata: text('metadata'),
  createdAt: integer('created_at').notNull(),
})

/** Sign-in nonces already used, until they expire. */
export const usedNonces = sqliteTable('used_nonces', {
  nonce: text('nonce').primaryKey(),
  expiresAt: integer('expires_at').notNull(),
}, t => [index('used_nonces_expires_at_idx').on(t.expiresAt)])

/**
 * Leaderboard windows kept up to date instead of summed per request: for each window length (24, 168,
 * 720 hours) the hour it currently ends at. A request for the current hour reads `player_windows`
 * through an index; the window slides forward (subtracting the hours that leave it) on the first
 * request of a new hour. A request about an earlier hour sums `player_hourly` instead.
 */
export const leaderboardWindows = sqliteTable('leaderboard_windows', {
  hours: integer('hours').primaryKey(),
  endHour: integer('end_hour').notNull(),
})

/** Each player's totals inside each window of `leaderboard_windows` (rows with no bets are deleted). */
export const playerWindows = sqliteTable('player_windows', {
  hours: integer('hours').notNull(),
  wallet: text('wallet').notNull(),
  bets: integer('bets').notNull(),
  wins: integer('wins').notNull(),
  wagered: money('wagered').notNull(),
  payout: money('payout').notNull(),
}, t => [
  primaryKey({ columns: [t.hours, t.wallet] }),
  check('player_windows_totals_integer', sql`typeof("wagered") = 'integer' and typeof("payout") = 'integer'`),
  index('player_windows_rank_wagered_idx').on(t.hours, sql`"wagered" desc`, sql`"wallet"`),
  index('player_windows_rank_profit_idx').on(t.hours, sql`("payout" - "wagered") desc`, sql`"wagered" desc`, sql`"wallet"`),
  index('player_windows_rank_wins_idx').on(t.hours, sql`"wins" desc`, sql`"wagered" desc`, sql`"wallet"`),
  index('player_windows_rank_bets_idx').on(t.hours, sql`"bets" desc`, sql`"wagered" desc`, sql`"wallet"`),
])
