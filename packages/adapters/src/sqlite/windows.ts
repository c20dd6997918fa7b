import type { Database, Statement } from 'better-sqlite3'
import type { LeaderboardBy } from '@fare-casino/core/store'

/**
 * Materialized leaderboard windows (tables `leaderboard_windows` and `player_windows`).
 *
 * Summing `player_hourly` over 30 days of a busy casino reads a row per player per active hour on every
 * request. Instead each window length keeps each player's totals for the hour it currently ends at:
 * `applyBatch` adds a settled bet to every window its hour falls in, and the first request of a new
 * hour slides the window forward by subtracting the hours that left it (a range of `player_hourly`),
 * or rebuilds it when it jumped by a whole window. Requests about an earlier hour are answered by the
 * plain sum, so any `now` gets the exact answer.
 */

const order: Record<LeaderboardBy, [index: string, order: string]> = {
  wagered: ['player_windows_rank_wagered_idx', 'w."wagered" DESC, w."wallet"'],
  profit: ['player_windows_rank_profit_idx', '(w."payout" - w."wagered") DESC, w."wagered" DESC, w."wallet"'],
  wins: ['player_windows_rank_wins_idx', 'w."wins" DESC, w."wagered" DESC, w."wallet"'],
  bets: ['player_windows_rank_bets_idx', 'w."bets" DESC, w."wagered" DESC, w."wallet"'],
}

/** The ranked read of a materialized window (exported for the query-plan test). */
export function materializedWindowSql(by: LeaderboardBy): string {
  const [index, orderBy] = order[by]
  return `SELECT w.wallet AS wallet, p.username AS username, w.bets AS bets, w.wins AS wins, w.wagered AS wagered, w.payout AS payout
    FROM player_windows AS w INDEXED BY ${index} LEFT JOIN players AS p ON p.wallet = w.wallet
    WHERE w.hours = ? ORDER BY ${orderBy} LIMIT ?`
}

/** Adds one player-hour delta to every window that currently covers that hour (used by applyBatch). */
export const addToWindowsSql = `INSERT INTO player_windows (hours, wallet, bets, wins, wagered, payout)
  SELECT hours, @wallet, @bets, @wins, @wagered, @payout FROM leaderboard_windows
  WHERE @hour BETWEEN end_hour - hours + 1 AND end_hour
  ON CONFLICT (hours, wallet) DO UPDATE SET bets = bets + excluded.bets, wins = wins + excluded.wins,
    wagered = wagered + excluded.wagered, payout = payout + excluded.payout`

/** What the leaderboard needs from the windows. */
export interface MaterializedWindows {
  /**
   * Brings the window of `hours` forward to end at `endHour` (never backwards) and tells whether it now
   * ends exactly there, i.e. whether {@link MaterializedWindows.ranked} answers for that hour.
   */
  slideTo(hours: number, endHour: number): boolean
  /** The statement ranking a materialized window by `by`: params `(hours, limit)`. */
  ranked: Record<LeaderboardBy, Statement>
}

/** Prepares the window statements of one connection. */
export function createWindows(db: Database): MaterializedWindows {
  const p = (source: string) => db.prepare(source).safeIntegers(true)
  const endOf = p('SELECT end_hour FROM leaderboard_windows WHERE hours = ?').pluck()
  const setEnd = p(`INSERT INTO leaderboard_windows (hours, end_hour) VALUES (?, ?)
    ON CONFLICT (hours) DO UPDATE SET end_hour = excluded.end_hour`)
  const clear = p('DELETE FROM player_windows WHERE hours = ?')
  // `sign` is 1n to add a range of hours, -1n to subtract it: a bigint, because better-sqlite3 binds a
  // number as REAL and REAL * sum(wagered) would round money.
  const addRange = p(`INSERT INTO player_windows (hours, wallet, bets, wins, wagered, payout)
    SELECT @hours, wallet, @sign * sum(bets), @sign * sum(wins), @sign * sum(wagered), @sign * sum(payout)
    FROM player_hourly WHERE hour BETWEEN @from AND @to GROUP BY wallet
    ON CONFLICT (hours, wallet) DO UPDATE SET bets = bets + excluded.bets, wins = wins + excluded.wins,
      wagered = wagered + excluded.wagered, payout = payout + excluded.payout`)
  const prune = p('DELETE FROM player_windows WHERE hours = ? AND bets = 0')
  const metrics: LeaderboardBy[] = ['wagered', 'profit', 'wins', 'bets']
  const ranked = Object.fromEntries(metrics.map(by => [by, p(materializedWindowSql(by))])) as Record<LeaderboardBy, Statement>

  const read = (hours: number): number | null => {
    const end = endOf.get(hours) as bigint | undefined
    return end === undefined ? null : Number(end)
  }
  // IMMEDIATE: the end hour is re-read under the write lock, so two processes never slide it twice.
  const slide = db.transaction((hours: number, endHour: number) => {
    const current = read(hours)
    if (current !== null && current >= endHour) return
    if (current === null || endHour - current >= hours) {
      clear.run(hours)
      addRange.run({ hours, sign: 1n, from: endHour - hours + 1, to: endHour })
    }
    else {
      addRange.run({ hours, sign: -1n, from: current - hours + 1, to: endHour - hours })
      // Buckets already written for hours after the old end (blocks ahead of the clock) now enter it.
      addRange.run({ hours, sign: 1n, from: current + 1, to: endHour })
      prune.run(hours)
    }
    setEnd.run(hours, endHour)
  })

  return {
    slideTo(hours, endHour) {
      const current = read(hours)
      // A read-only connection cannot slide a window (SQLITE_READONLY): it uses one another connection
      // brought to the hour, else the caller sums the hours itself.
      if ((current === null || current < endHour) && !db.readonly) slide.immediate(hours, endHour)
      return read(hours) === endHour
    },
    ranked,
  }
}
