import { sql } from 'drizzle-orm'
import {
  bigint, boolean, customType, doublePrecision, index, integer, jsonb, numeric, pgSchema, pgTable, primaryKey, text, uniqueIndex,
} from 'drizzle-orm/pg-core'

/**
 * The Postgres schema of a fare casino store, as drizzle tables.
 *
 * Money: a single bet's wager is a Solana u64, which does not fit BIGINT (signed 64-bit), so it is
 * NUMERIC(20,0); payouts (`wager * k`) and every running total are NUMERIC(39,0). All of them are read
 * back as exact bigints. Slots and unix times are BIGINT read as numbers (they stay far below 2^53).
 *
 * The tables are built by {@link pgTables} for any Postgres schema name, so that several casinos (or
 * test runs) can share one database. drizzle-kit generates the migrations from the `public` tables
 * exported below; `migrate()` applies them with `search_path` set to the configured schema.
 */

/**
 * Base58 keys (wallets, trial ids, signatures, event ids) compare byte-wise: `COLLATE "C"`. Under the
 * database's default collation (often a UTF-8 locale) every B-tree comparison of these keys goes through
 * strcoll, the largest server cost of inserting bets. Only equality and byte order are ever asked of them.
 */
const key = customType<{ data: string }>({ dataType: () => 'text COLLATE "C"' })

/** Exact money column: NUMERIC(39,0) read as bigint. */
const money = (name: string) => numeric(name, { precision: 39, scale: 0, mode: 'bigint' })
/** BIGINT read as a JS number: slots, unix times, seqs. */
const int8 = (name: string) => bigint(name, { mode: 'number' })

/** Builds every table of the store inside Postgres schema `schema` (`public` by default). */
export function pgTables(schema = 'public') {
  const table = (schema === 'public' ? pgTable : pgSchema(schema).table) as typeof pgTable

  const bets = table('bets', {
    id: key('id').primaryKey(),
    seq: int8('seq').notNull(),
    player: key('player').notNull(),
    pool: text('pool').notNull(),
    mint: text('mint'),
    game: text('game').notNull(),
    extraDataHash: text('extra_data_hash').notNull(),
    wager: numeric('wager', { precision: 20, scale: 0, mode: 'bigint' }).notNull(),
    qk: jsonb('qk').notNull(),
    /** int8: the decoder takes any index up to 2^53 (an index past the qk pays nothing); int4 refused those past 2^31. */
    resultIndex: int8('result_index'),
    payout: money('payout'),
    multiplier: doublePrecision('multiplier'),
    won: boolean('won'),
    status: text('status').notNull(),
    registerSignature: key('register_signature').notNull(),
    registerSlot: int8('register_slot').notNull(),
    blockTime: int8('block_time').notNull(),
    resolveSignature: key('resolve_signature'),
    resolveSlot: int8('resolve_slot'),
    settledBlockTime: int8('settled_block_time'),
    /** Id of the event that created this bet (see `_bet-events.ts`): replaying it is a no-op. */
    registerEventId: key('register_event_id'),
    /** Id of the event that settled this bet. */
    resolveEventId: key('resolve_event_id'),
    /** `[type, "amount"][]` (core's `encodeFees`): the fees charged when the trial was registered. */
    fees: jsonb('fees').notNull().default(sql`'[]'::jsonb`),
    /** The pool's accumulated amount after the register, when the transaction reported it. */
    poolAccumulatedAmount: numeric('pool_accumulated_amount', { precision: 20, scale: 0, mode: 'bigint' }),
  }, t => [
    // Keyset pagination (newest first) for every listBets filter.
    uniqueIndex('bets_seq_idx').on(t.seq),
    index('bets_player_seq_idx').on(t.player, t.seq),
    index('bets_game_seq_idx').on(t.game, t.seq),
    // Few bets are pending: a small partial index finds them. `settled` and `won` match most bets, so
    // walking bets_seq_idx and filtering is as fast as an index of their own, and cheaper to ingest.
    index('bets_pending_seq_idx').on(t.seq).where(sql`${t.status} = 'pending'`),
    // getBet by signature: equality only, so hash indexes (smaller, one hash per insert instead of a
    // B-tree descent comparing strings).
    index('bets_register_signature_idx').using('hash', t.registerSignature),
    index('bets_resolve_signature_idx').using('hash', t.resolveSignature),
  ])

  /**
   * Applied chain event ids that are not on a bet row (jackpots, fees, early resolves, repeats), one row
   * per transaction: with `bets.register_event_id` / `resolve_event_id`, what makes applyBatch
   * idempotent. A row is the transaction an id names (`<signature>:<index>`, the id up to its first
   * ':'), with its applied ids and their kinds. A register carries four events besides TrialRegistered
   * (three FeeCharged and a PoolAccumulatedAmountUpdated): one row for them, where a row each made them
   * most of the cost of ingesting a bet (migration 0005 carried the old `events` rows over).
   */
  const transactionEvents = table('transaction_events', {
    signature: key('signature').primaryKey(),
    slot: int8('slot').notNull(),
    blockTime: int8('block_time').notNull(),
    ids: text('ids').array().notNull(),
    kinds: text('kinds').array().notNull(),
  })

  /** Resolves seen before their register. */
  const orphans = table('orphans', {
    trialId: key('trial_id').primaryKey(),
    event: jsonb('event').notNull(),
  })

  const players = table('players', {
    wallet: key('wallet').primaryKey(),
    username: text('username'),
    createdAt: int8('created_at').notNull(),
    lastSeenAt: int8('last_seen_at').notNull(),
    totalBets: int8('total_bets').notNull().default(0),
    totalWins: int8('total_wins').notNull().default(0),
    totalLosses: int8('total_losses').notNull().default(0),
    totalWagered: money('total_wagered').notNull().default(sql`0`),
    totalPayout: money('total_payout').notNull().default(sql`0`),
  }, t => [
    // Usernames are unique case-insensitively: the index is what makes setUsername race-free.
    uniqueIndex('players_username_lower_idx').on(sql`lower(${t.username})`),
    // No index on the totals on purpose: every batch updates them, and four leaderboard indexes made
    // those updates ~5x dearer (no HOT updates). An `all` leaderboard is a top-N sort of the players
    // table instead (milliseconds for 10^5 players).

  ])

  const playerGames = table('player_games', {
    wallet: key('wallet').notNull(),
    game: text('game').notNull(),
    bets: int8('bets').notNull(),
    wins: int8('wins').notNull(),
    losses: int8('losses').notNull(),
    wagered: money('wagered').notNull(),
    payout: money('payout').notNull(),
  }, t => [primaryKey({ columns: [t.wallet, t.game] })])

  /** Player totals per hour (unix seconds / 3600): the windowed leaderboards sum these. */
  const playerHourly = table('player_hourly', {
    wallet: key('wallet').notNull(),
    hour: integer('hour').notNull(),
    bets: int8('bets').notNull(),
    wins: int8('wins').notNull(),
    wagered: money('wagered').notNull(),
    payout: money('payout').notNull(),
  }, t => [primaryKey({ columns: [t.wallet, t.hour] }), index('player_hourly_hour_idx').on(t.hour)])

  /**
   * Materialized leaderboard windows (see `windows.ts`): for each window length in hours, the hour it
   * currently ends at, and each player's totals over it.
   */
  const leaderboardWindows = table('leaderboard_windows', {
    hours: integer('hours').primaryKey(),
    endHour: integer('end_hour').notNull(),
  })

  /** Player totals per window length, kept current by applyBatch and slid forward by the first read of an hour. */
  const playerWindows = table('player_windows', {
    hours: integer('hours').notNull(),
    wallet: key('wallet').notNull(),
    bets: int8('bets').notNull(),
    wins: int8('wins').notNull(),
    wagered: money('wagered').notNull(),
    payout: money('payout').notNull(),
    // No rank index on purpose (as on players): every batch updates these rows, and updates that touch
    // no indexed column stay HOT. A windowed leaderboard is a top-N sort of one window's rows.
  }, t => [primaryKey({ columns: [t.hours, t.wallet] })])

  /** Casino totals per hour, for stats().last24h. */
  const hourly = table('hourly', {
    hour: integer('hour').primaryKey(),
    bets: int8('bets').notNull(),
    wins: int8('wins').notNull(),
    wagered: money('wagered').notNull(),
    payout: money('payout').notNull(),
  })

  /**
   * The one casino row (id 1): totals, the last bet seq and the indexer cursor. applyBatch locks it
   * (SELECT ... FOR UPDATE) so that batches from several writers serialize.
   */
  const casino = table('casino', {
    id: integer('id').primaryKey(),
    bets: int8('bets').notNull().default(0),
    wins: int8('wins').notNull().default(0),
    losses: int8('losses').notNull().default(0),
    wagered: money('wagered').notNull().default(sql`0`),
    payout: money('payout').notNull().default(sql`0`),
    pending: int8('pending').notNull().default(0),
    lastSeq: int8('last_seq').notNull().default(0),
    cursorSignature: text('cursor_signature'),
    cursorSlot: int8('cursor_slot'),
    cursorUpdatedAt: int8('cursor_updated_at'),
    // The last transaction the indexer has published (see `Batch.published`); null until one is.
    publishedSignature: text('published_signature'),
    publishedSlot: int8('published_slot'),
    // A fresh random token set by every committed batch: a batch pipelined behind another is written
    // only if it finds exactly the token that one set (proof that it committed, and nothing after it).
    batchToken: text('batch_token'),
  })

  const jackpots = table('jackpots', {
    seq: int8('seq').primaryKey().generatedAlwaysAsIdentity(),
    id: text('id').notNull(),
    pool: text('pool').notNull(),
    trialId: text('trial_id').notNull(),
    receiver: text('receiver').notNull(),
    amount: money('amount').notNull(),
    signature: text('signature').notNull(),
    slot: int8('slot').notNull(),
    blockTime: int8('block_time').notNull(),
  }, t => [uniqueIndex('jackpots_id_idx').on(t.id)])

  const chat = table('chat', {
    id: int8('id').primaryKey().generatedAlwaysAsIdentity(),
    wallet: text('wallet').notNull(),
    username: text('username'),
    message: text('message').notNull(),
    createdAt: int8('created_at').notNull(),
    deletedAt: int8('deleted_at'),
  })

  const systemEvents = table('system_events', {
    id: int8('id').primaryKey().generatedAlwaysAsIdentity(),
    type: text('type').notNull(),
    severity: text('severity').notNull(),
    message: text('message').notNull(),
    metadata: jsonb('metadata'),
    createdAt: int8('created_at').notNull(),
  })

  /** Used sign-in nonces until they expire. */
  const nonces = table('nonces', {
    nonce: text('nonce').primaryKey(),
    expiresAt: int8('expires_at').notNull(),
  }, t => [index('nonces_expires_at_idx').on(t.expiresAt)])

  return { bets, transactionEvents, orphans, players, playerGames, playerHourly, leaderboardWindows, playerWindows, hourly, casino, jackpots, chat, systemEvents, nonces }
}

/** The tables of {@link pgTables} for one schema. */
export type PgTables = ReturnType<typeof pgTables>

// The `public` tables: what drizzle-kit reads to generate the migrations.
export const {
  bets, transactionEvents, orphans, players, playerGames, playerHourly, leaderboardWindows, playerWindows, hourly, casino, jackpots, chat,
  systemEvents, nonces,
} = pgTables()
