import type { Database, Statement } from 'better-sqlite3'
import { decodeBetCursor, encodeBetCursor, hourOf, windowStartHour } from '@fare-casino/core/store'
import type { BetPage, BetQuery, LeaderboardBy, LeaderboardEntry, LeaderboardQuery } from '@fare-casino/core/store'
import { type BetRow, toBet } from './rows'
import type { SqliteStatements } from './statements'
import { createWindows } from './windows'

/**
 * The two query shapes that vary with their input: bet pages (one statement per combination of
 * filters, prepared on first use) and leaderboards (one per metric and kind of window).
 */

/** Largest seq a cursor can carry; also "no cursor". */
const NO_CURSOR = Number.MAX_SAFE_INTEGER

/**
 * The bet page query for some `column = ?` conditions, through `index` when given (exported for the
 * query-plan test).
 */
export function betPageSql(where: string[], index?: string): string {
  return `SELECT * FROM bets${index ? ` INDEXED BY ${index}` : ''} WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`
}

/**
 * The statement of a bet page and its arguments (without the LIMIT), by the filters of `query`
 * (exported for the query-plan test).
 */
export function betPageQuery(query: BetQuery): { source: string, args: unknown[] } {
  const before = query.cursor === undefined ? NO_CURSOR : decodeBetCursor(query.cursor)
  const where = ['seq < ?']
  const args: unknown[] = [before]
  if (query.player !== undefined) { where.push('player = ?'); args.push(query.player) }
  if (query.game !== undefined) { where.push('game = ?'); args.push(query.game) }
  // 'pending' as a literal: only then can SQLite use the partial index of pending bets.
  if (query.status === 'pending') where.push(`status = 'pending'`)
  else if (query.status !== undefined) { where.push('status = ?'); args.push(query.status) }
  if (query.won !== undefined) { where.push('won = ?'); args.push(query.won ? 1 : 0) }
  // A player's page walks the player's index: without table statistics (a store with no writer thread
  // never runs ANALYZE) SQLite took the game's index for player + game and read every bet of the game,
  // 110 ms against 0.2 ms at a million bets.
  return { source: betPageSql(where, query.player !== undefined ? 'bets_player_seq_idx' : undefined), args }
}

/** Keyset pages of bets, newest first: `seq < cursor` walks an index backwards, so inserts never shift a page. */
export function createBetLister(db: Database): (query: BetQuery) => BetPage {
  const cache = new Map<string, Statement>()
  return (query) => {
    const limit = Math.max(1, Math.min(100, Math.floor(query.limit)))
    const { source, args } = betPageQuery(query)
    let statement = cache.get(source)
    if (!statement) cache.set(source, statement = db.prepare(source).safeIntegers(true))
    // One row more than asked tells whether there is a next page.
    const rows = statement.all(...args, limit + 1) as BetRow[]
    const more = rows.length > limit
    const bets = rows.slice(0, limit).map(toBet)
    return { bets, nextCursor: more ? encodeBetCursor(bets[bets.length - 1]!.seq) : null }
  }
}

/**
 * ORDER BY of each metric: the metric, then wagered, then wallet (as `rankLeaderboard` in core), with
 * the partial index whose expressions it repeats. INDEXED BY pins it: without statistics SQLite may
 * pick the `total_bets` index for the `total_bets > 0` term and then sort every player.
 */
const allTimeOrder: Record<LeaderboardBy, [index: string, order: string]> = {
  wagered: ['players_rank_wagered_idx', '"total_wagered" DESC, "wallet"'],
  profit: ['players_rank_profit_idx', '("total_payout" - "total_wagered") DESC, "total_wagered" DESC, "wallet"'],
  wins: ['players_rank_wins_idx', '"total_wins" DESC, "total_wagered" DESC, "wallet"'],
  bets: ['players_rank_bets_idx', '"total_bets" DESC, "total_wagered" DESC, "wallet"'],
}

/** The all-time leaderboard query of a metric (exported for the query-plan test). */
export function allTimeLeaderboardSql(by: LeaderboardBy): string {
  const [index, order] = allTimeOrder[by]
  return `SELECT wallet, username, total_bets AS bets, total_wins AS wins, total_wagered AS wagered, total_payout AS payout
     FROM players INDEXED BY ${index} WHERE "total_bets" > 0 ORDER BY ${order} LIMIT ?`
}

/** The windowed leaderboard query of a metric (exported for the query-plan test). */
export function windowLeaderboardSql(by: LeaderboardBy): string {
  return `SELECT wallet, sum(bets) AS bets, sum(wins) AS wins, sum(wagered) AS wagered, sum(payout) AS payout
     FROM player_hourly WHERE hour BETWEEN ? AND ? GROUP BY wallet ORDER BY ${windowOrder[by]} LIMIT ?`
}
// Aggregates spelled out: inside an expression SQLite would read a bare `payout` as the column, not the alias.
const windowOrder: Record<LeaderboardBy, string> = {
  wagered: 'sum(wagered) DESC, wallet',
  profit: '(sum(payout) - sum(wagered)) DESC, sum(wagered) DESC, wallet',
  wins: 'sum(wins) DESC, sum(wagered) DESC, wallet',
  bets: 'sum(bets) DESC, sum(wagered) DESC, wallet',
}

interface RankRow { wallet: string, username?: string | null, bets: bigint, wins: bigint, wagered: bigint, payout: bigint }

/**
 * Leaderboards. All time reads the first rows of a partial index on `players` (the ORDER BY matches
 * the index expressions exactly, so SQLite never sorts). A window sums `player_hourly` over its hours
 * through a covering index, then looks up usernames for the rows it returns only.
 */
export function createLeaderboard(db: Database, s: SqliteStatements): (query: LeaderboardQuery) => LeaderboardEntry[] {
  const p = (source: string) => db.prepare(source).safeIntegers(true)
  const windows = createWindows(db)
  const metrics: LeaderboardBy[] = ['wagered', 'profit', 'wins', 'bets']
  const allTime = Object.fromEntries(metrics.map(by => [by, p(allTimeLeaderboardSql(by))])) as Record<LeaderboardBy, Statement>
  const windowed = Object.fromEntries(metrics.map(by => [by, p(windowLeaderboardSql(by))])) as Record<LeaderboardBy, Statement>

  return (query) => {
    const limit = Math.max(0, Math.floor(query.limit))
    const start = windowStartHour(query.period, query.now)
    let rows: RankRow[]
    if (start === null) {
      rows = allTime[query.by].all(limit) as RankRow[]
    }
    else {
      // A window ends at `now`: buckets after it stay out.
      const end = hourOf(Math.floor(query.now / 1000))
      if (windows.slideTo(end - start + 1, end)) return toEntries(windows.ranked[query.by].all(end - start + 1, limit) as RankRow[])
      rows = windowed[query.by].all(start, end, limit) as RankRow[]
      const names = new Map((s.usernames.all(JSON.stringify(rows.map(r => r.wallet))) as { wallet: string, username: string | null }[])
        .map(r => [r.wallet, r.username]))
      for (const row of rows) row.username = names.get(row.wallet) ?? null
    }
    return toEntries(rows)
  }
}

function toEntries(rows: RankRow[]): LeaderboardEntry[] {
  return rows.map((r, i) => ({
    rank: i + 1,
    wallet: r.wallet,
    username: r.username ?? null,
    bets: Number(r.bets),
    wins: Number(r.wins),
    wagered: r.wagered,
    payout: r.payout,
    profit: r.payout - r.wagered,
  }))
}
