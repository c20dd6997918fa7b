import { CasinoError, decodeBetCursor, encodeBetCursor, hourOf, isChatMessageId, isChatPosition, windowStartHour } from '@fare-casino/core/store'
import type {
  Batch, BatchResult, BetPage, BetQuery, CasinoStats, CasinoStore, ChatMessage, IndexerCursor, Jackpot,
  LeaderboardEntry, LeaderboardQuery, Player, SystemEvent, SystemEventSeverity,
} from '@fare-casino/core/store'
import type { Sql } from 'postgres'
import { type BetRow, type PlayerGameRow, type PlayerRow, toBet, toPlayer } from './_rows'
import { createBatchChain } from '../_pipeline'
import { applyBatchPg, type PlannedPg } from './apply-batch'
import { migrate } from './migrate'
import { insertSystemEvent } from './_writes'
import { rankedWindow, slideWindow } from './windows'

/** What {@link createPostgresStore} needs: a connected client and where the tables live. */
export interface PostgresStoreContext {
  sql: Sql
  schema: string
  migrationsFolder?: string
  /** Ends the client when the store closes (only when the store created it). */
  end?: () => Promise<void>
}

/** A Postgres `CasinoStore`, with a test hook to prove batches are atomic. */
export type PostgresStore = CasinoStore & {
  /** The postgres.js client the store runs on. */
  readonly sql: Sql
  /** The Postgres schema holding the tables. */
  readonly schema: string
  /** Makes the next `applyBatch` fail after issuing this many of its writes (tests only). */
  failNextBatch(afterWrites: number): void
}

/** Tries of a username change that Postgres aborted as a deadlock (or serialization failure). */
const USERNAME_ATTEMPTS = 5
/** Purge expired nonces on about one `useNonce` call in this many. */
const NONCE_PURGE_EVERY = 64

const metricSql: Record<LeaderboardQuery['by'], string> = {
  wagered: 'wagered',
  profit: '(payout - wagered)',
  wins: 'wins',
  bets: 'bets',
}

/** The Postgres implementation of every `CasinoStore` method over one postgres.js client. */
export function createPostgresStore(ctx: PostgresStoreContext): PostgresStore {
  const { sql, schema } = ctx
  const t = (name: string) => sql(`${schema}.${name}`)
  let failAfter: number | undefined
  /** The batches in flight: the next one is planned behind the last. */
  const chain = createBatchChain<PlannedPg>()
  let nonceCalls = 0

  /**
   * A player with its per-game rows, in ONE statement: one snapshot, so a batch committing meanwhile is
   * seen whole or not at all (two statements could return totals with the game rows of one more bet).
   * Amounts travel as text inside the JSON, exact past 2^53.
   */
  const loadPlayer = async (where: 'wallet' | 'username', value: string): Promise<Player | null> => {
    const games = sql`coalesce((SELECT json_agg(json_build_object(
        'wallet', g.wallet, 'game', g.game, 'bets', g.bets::text, 'wins', g.wins::text, 'losses', g.losses::text,
        'wagered', g.wagered::text, 'payout', g.payout::text))
      FROM ${t('player_games')} AS g WHERE g.wallet = p.wallet), '[]'::json) AS games`
    const rows = where === 'wallet'
      ? await sql<(PlayerRow & { games: PlayerGameRow[] | string })[]>`SELECT p.*, ${games} FROM ${t('players')} AS p WHERE p.wallet = ${value}`
      : await sql<(PlayerRow & { games: PlayerGameRow[] | string })[]>`SELECT p.*, ${games} FROM ${t('players')} AS p WHERE lower(p.username) = lower(${value})`
    const row = rows[0]
    if (!row) return null
    // postgres.js parses json columns unless the client was given other type parsers.
    return toPlayer(row, typeof row.games === 'string' ? JSON.parse(row.games) as PlayerGameRow[] : row.games)
  }

  return {
    name: 'postgres',
    sql,
    schema,

    async migrate() {
      await migrate(sql, { schema, ...(ctx.migrationsFolder ? { migrationsFolder: ctx.migrationsFolder } : {}) })
    },

    async close() {
      await ctx.end?.()
    },

    async ping() {
      await sql`SELECT 1`
    },

    failNextBatch(afterWrites) {
      failAfter = afterWrites
    },

    pipelinesBatches: true,
    recordsIgnoredEvents: true,
    // Measured on bench/ingest (2026-12-04): 2,000 transactions per commit is as fast as 1,000 (the
    // indexer's own default) or faster, and faster than 4,000 or 8,000.
    preferredBatchTransactions: 2000,

    applyBatch(batch: Batch): Promise<BatchResult> {
      const failAfterWrites = failAfter
      failAfter = undefined
      return chain.run(call => applyBatchPg(sql, schema, batch, { ...call, failAfterWrites }))
    },

    async getCursor(): Promise<IndexerCursor | null> {
      const [row] = await sql<{
        cursor_signature: string | null, cursor_slot: string | null, cursor_updated_at: string | null,
        published_signature: string | null, published_slot: string | null
      }[]>`SELECT cursor_signature, cursor_slot, cursor_updated_at, published_signature, published_slot FROM ${t('casino')} WHERE id = 1`
      if (!row?.cursor_signature) return null
      const published = row.published_signature === null ? null : { signature: row.published_signature, slot: Number(row.published_slot) }
      return { signature: row.cursor_signature, slot: Number(row.cursor_slot), updatedAt: Number(row.cursor_updated_at), published }
    },

    async getBet(idOrSignature) {
      const [byId] = await sql<BetRow[]>`SELECT * FROM ${t('bets')} WHERE id = ${idOrSignature}`
      if (byId) return toBet(byId)
      // One transaction may register or resolve several trials: a signature finds the first it registered,
      // else, of the bets it settled, the one with the lowest seq (as every store).
      const [bySignature] = await sql<BetRow[]>`
        SELECT * FROM ${t('bets')} WHERE register_signature = ${idOrSignature} OR resolve_signature = ${idOrSignature}
        ORDER BY (register_signature = ${idOrSignature}) DESC, seq LIMIT 1`
      return bySignature ? toBet(bySignature) : null
    },

    async listBets(query: BetQuery): Promise<BetPage> {
      const before = query.cursor ? decodeBetCursor(query.cursor) : null
      // Status is a literal, not a parameter, so that a prepared (generic) plan can still use the partial
      // index of pending bets.
      const rows = await sql<BetRow[]>`
        SELECT * FROM ${t('bets')} WHERE TRUE
          ${before === null ? sql`` : sql`AND seq < ${before}`}
          ${query.player === undefined ? sql`` : sql`AND player = ${query.player}`}
          ${query.game === undefined ? sql`` : sql`AND game = ${query.game}`}
          ${query.status === undefined ? sql`` : query.status === 'pending' ? sql`AND status = 'pending'` : sql`AND status = 'settled'`}
          ${query.won === undefined ? sql`` : sql`AND won = ${query.won ? sql`TRUE` : sql`FALSE`}`}
        ORDER BY seq DESC LIMIT ${query.limit + 1}`
      const bets = rows.map(toBet)
      const more = bets.length > query.limit
      if (more) bets.pop()
      return { bets, nextCursor: more ? encodeBetCursor(bets[bets.length - 1]!.seq) : null }
    },

    async playerBetHistory(wallet, page) {
      // One statement, one snapshot: the count and the page of the same commit. The count's row is there
      // even when the page is empty (an offset past the end).
      const rows = await sql<(BetRow & { history_total: string })[]>`
        WITH total AS (SELECT count(*) AS n FROM ${t('bets')} WHERE player = ${wallet})
        SELECT total.n AS history_total, b.* FROM total LEFT JOIN LATERAL (
          SELECT * FROM ${t('bets')} WHERE player = ${wallet} ORDER BY seq DESC LIMIT ${page.limit} OFFSET ${page.offset}
        ) AS b ON true ORDER BY b.seq DESC`
      return { bets: rows.filter(r => r.id !== null).map(toBet), total: Number(rows[0]?.history_total ?? 0) }
    },

    async getPlayer(wallet) {
      return loadPlayer('wallet', wallet)
    },

    async getPlayerByUsername(username) {
      return loadPlayer('username', username)
    },

    async ensurePlayer(wallet, now) {
      const [row] = await sql<{ created: boolean }[]>`
        INSERT INTO ${t('players')} AS p (wallet, created_at, last_seen_at) VALUES (${wallet}, ${now}, ${now})
        ON CONFLICT (wallet) DO UPDATE SET last_seen_at = GREATEST(p.last_seen_at, excluded.last_seen_at)
        RETURNING (xmax = 0) AS created`
      // Read after the upsert, in one statement: totals and per-game rows of one commit.
      return { player: (await loadPlayer('wallet', wallet))!, created: row!.created }
    },

    async setUsername(wallet, username) {
      let rows: Pick<PlayerRow, 'username'>[] | undefined
      for (let attempt = 1; rows === undefined; attempt++) {
        try {
          rows = await sql<Pick<PlayerRow, 'username'>[]>`UPDATE ${t('players')} SET username = ${username} WHERE wallet = ${wallet} RETURNING username`
        }
        catch (error) {
          const code = (error as { code?: string }).code
          if (code === '23505') throw new CasinoError('USERNAME_TAKEN', 'username is taken', { cause: error })
          // Two players swapping names at once: each UPDATE holds its own row and waits on the other's
          // name in the unique index, and Postgres aborts one. Run again, it sees the other's name
          // committed (USERNAME_TAKEN) or freed; it was a 500.
          if ((code === '40P01' || code === '40001') && attempt < USERNAME_ATTEMPTS) continue
          throw error
        }
      }
      if (!rows[0]) throw new CasinoError('NOT_FOUND', 'player not found')
      // Totals and games read back in one statement; the username is this update's, whatever another
      // request for the same wallet wrote since.
      return { ...(await loadPlayer('wallet', wallet))!, username: rows[0].username }
    },

    async leaderboard(query: LeaderboardQuery): Promise<LeaderboardEntry[]> {
      const start = windowStartHour(query.period, query.now)
      // A window ends at `now`: later buckets (a clock behind the chain, a query about the past) stay out.
      const end = hourOf(Math.floor(query.now / 1000))
      if (start !== null && await slideWindow(sql, t, end - start + 1, end)) {
        return toEntries(await rankedWindow(sql, t, end - start + 1, query.by, query.limit))
      }
      const metric = sql.unsafe(metricSql[query.by])
      // Ties break as in rankLeaderboard: metric, then wagered, then wallet by code unit.
      const totals = start === null
        ? sql`SELECT wallet, total_bets AS bets, total_wins AS wins, total_wagered AS wagered, total_payout AS payout
            FROM ${t('players')} WHERE total_bets > 0`
        : sql`SELECT wallet, sum(bets) AS bets, sum(wins) AS wins, sum(wagered) AS wagered, sum(payout) AS payout
            FROM ${t('player_hourly')} WHERE hour BETWEEN ${start} AND ${end} GROUP BY wallet`
      const rows = await sql<{ wallet: string, username: string | null, bets: string, wins: string, wagered: string, payout: string }[]>`
        SELECT r.*, p.username FROM (
          SELECT * FROM (${totals}) AS x ORDER BY ${metric} DESC, wagered DESC, wallet COLLATE "C" LIMIT ${query.limit}
        ) AS r LEFT JOIN ${t('players')} AS p ON p.wallet = r.wallet
        ORDER BY ${metric} DESC, r.wagered DESC, r.wallet COLLATE "C"`
      return toEntries(rows)
    },

    async stats(now: number): Promise<CasinoStats> {
      const start = windowStartHour('24h', now)!
      const end = hourOf(Math.floor(now / 1000))
      // One statement, so one snapshot: the totals, the player count and the last 24 hours of one commit.
      type Amount = string | null
      const [row] = await sql<{ bets: Amount, wins: Amount, wagered: Amount, payout: Amount, pending: Amount, players: string, day_bets: Amount, day_wins: Amount, day_wagered: Amount, day_payout: Amount }[]>`
        SELECT c.bets, c.wins, c.wagered, c.payout, c.pending,
          (SELECT count(*) FROM ${t('players')}) AS players,
          d.bets AS day_bets, d.wins AS day_wins, d.wagered AS day_wagered, d.payout AS day_payout
        FROM (
          SELECT sum(bets) AS bets, sum(wins) AS wins, sum(wagered) AS wagered, sum(payout) AS payout
          FROM ${t('hourly')} WHERE hour BETWEEN ${start} AND ${end}
        ) AS d LEFT JOIN ${t('casino')} AS c ON c.id = 1`
      return {
        totalBets: Number(row?.bets ?? 0),
        totalWins: Number(row?.wins ?? 0),
        totalWagered: BigInt(row?.wagered ?? 0),
        totalPayout: BigInt(row?.payout ?? 0),
        totalPlayers: Number(row?.players ?? 0),
        pendingBets: Number(row?.pending ?? 0),
        last24h: {
          bets: Number(row?.day_bets ?? 0),
          wins: Number(row?.day_wins ?? 0),
          wagered: BigInt(row?.day_wagered ?? 0),
          payout: BigInt(row?.day_payout ?? 0),
        },
      }
    },

    async listJackpots(limit): Promise<Jackpot[]> {
      const rows = await sql<{ id: string, pool: string, trial_id: string, receiver: string, amount: string, signature: string, slot: string, block_time: string }[]>`
        SELECT * FROM ${t('jackpots')} ORDER BY seq DESC LIMIT ${limit}`
      return rows.map(r => ({
        id: r.id, pool: r.pool, trialId: r.trial_id, receiver: r.receiver, amount: BigInt(r.amount),
        signature: r.signature, slot: Number(r.slot), blockTime: Number(r.block_time),
      }))
    },

    async addChatMessage(input): Promise<ChatMessage> {
      const [row] = await sql<{ id: string, username: string | null }[]>`
        INSERT INTO ${t('chat')} (wallet, username, message, created_at)
        VALUES (${input.wallet}, (SELECT username FROM ${t('players')} WHERE wallet = ${input.wallet}), ${input.message}, ${input.createdAt})
        RETURNING id, username`
      return { id: String(row!.id), wallet: input.wallet, username: row!.username, message: input.message, createdAt: input.createdAt }
    },

    async listChat(query): Promise<ChatMessage[]> {
      if (query.before !== undefined && !isChatPosition(query.before)) return []
      const rows = await sql<{ id: string, wallet: string, username: string | null, message: string, created_at: string }[]>`
        SELECT c.id, c.wallet, p.username, c.message, c.created_at
        FROM ${t('chat')} AS c LEFT JOIN ${t('players')} AS p ON p.wallet = c.wallet
        WHERE c.deleted_at IS NULL ${query.before === undefined ? sql`` : sql`AND c.id < ${query.before}::int8`}
        ORDER BY c.id DESC LIMIT ${query.limit}`
      return rows.map(r => ({ id: String(r.id), wallet: r.wallet, username: r.username, message: r.message, createdAt: Number(r.created_at) }))
    },

    async deleteChatMessage(id, deletedAt) {
      if (!isChatMessageId(id)) return false
      const rows = await sql`UPDATE ${t('chat')} SET deleted_at = ${deletedAt} WHERE id = ${id}::int8 AND deleted_at IS NULL RETURNING id`
      return rows.length > 0
    },

    async recordSystemEvent(event) {
      await insertSystemEvent(sql, t, event)
    },

    async listSystemEvents(query): Promise<SystemEvent[]> {
      const rows = await sql<{ id: string, type: string, severity: string, message: string, metadata: Record<string, unknown> | null, created_at: string }[]>`
        SELECT * FROM ${t('system_events')} ORDER BY id DESC LIMIT ${query.limit}`
      return rows.map(r => ({
        id: Number(r.id), type: r.type, severity: r.severity as SystemEventSeverity, message: r.message, metadata: r.metadata, createdAt: Number(r.created_at),
      }))
    },

    async useNonce(nonce, expiresAt) {
      const now = Date.now()
      if (++nonceCalls % NONCE_PURGE_EVERY === 0) await sql`DELETE FROM ${t('nonces')} WHERE expires_at < ${now}`
      // One statement decides: a new nonce inserts, an expired one is taken over, a live one returns no row.
      const rows = await sql`
        INSERT INTO ${t('nonces')} AS n (nonce, expires_at) VALUES (${nonce}, ${expiresAt})
        ON CONFLICT (nonce) DO UPDATE SET expires_at = excluded.expires_at WHERE n.expires_at < ${now}
        RETURNING nonce`
      return rows.length > 0
    },

    async isNonceUsed(nonce) {
      // Live as `useNonce` counts it: a row whose expiry is past may be taken over (or purged).
      const rows = await sql`SELECT 1 FROM ${t('nonces')} WHERE nonce = ${nonce} AND expires_at >= ${Date.now()}`
      return rows.length > 0
    },
  }
}

/** Leaderboard entries from ranked rows (money as exact bigints). */
function toEntries(rows: { wallet: string, username: string | null, bets: string, wins: string, wagered: string, payout: string }[]): LeaderboardEntry[] {
  return rows.map((r, i) => {
    const wagered = BigInt(r.wagered)
    const payout = BigInt(r.payout)
    return { rank: i + 1, wallet: r.wallet, username: r.username, bets: Number(r.bets), wins: Number(r.wins), wagered, payout, profit: payout - wagered }
  })
}
