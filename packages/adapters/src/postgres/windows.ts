import type { LeaderboardBy } from '@fare-casino/core/store'
import type { Helper, Sql } from 'postgres'
import { transaction } from './_transaction'

/**
 * Materialized leaderboard windows on Postgres (tables `leaderboard_windows` and `player_windows`),
 * the same scheme as the SQLite store's `windows.ts`.
 *
 * Summing `player_hourly` over 30 days on every refresh cost 100 to 400 ms at 100k bets. Instead each
 * window length keeps each player's totals for the hour it currently ends at: `applyBatch` adds the
 * batch's player-hour deltas to every window their hour falls in, and the first read of a new hour
 * slides the window forward (subtracts the hours that left it, adds the hours that entered it), or
 * rebuilds it when it moved by a whole window. A read about an earlier hour gets the plain sum.
 *
 * Slides take the casino row lock, like batches: a batch's window update and a slide never
 * interleave, so a delta is never added to a window and then subtracted with the hour it was in.
 */

type Table = (name: string) => Helper<string, []>

const metricSql: Record<LeaderboardBy, string> = {
  wagered: 'w.wagered',
  profit: '(w.payout - w.wagered)',
  wins: 'w.wins',
  bets: 'w.bets',
}

/** A materialized window's rows, ranked as `rankLeaderboard` ranks (metric, wagered, wallet by byte). */
export function rankedWindow(sql: Sql, t: Table, hours: number, by: LeaderboardBy, limit: number) {
  const metric = sql.unsafe(metricSql[by])
  return sql<{ wallet: string, username: string | null, bets: string, wins: string, wagered: string, payout: string }[]>`
    SELECT r.*, p.username FROM (
      SELECT w.wallet, w.bets, w.wins, w.wagered, w.payout FROM ${t('player_windows')} AS w
      WHERE w.hours = ${hours} AND w.bets > 0
      ORDER BY ${metric} DESC, w.wagered DESC, w.wallet COLLATE "C" LIMIT ${limit}
    ) AS r LEFT JOIN ${t('players')} AS p ON p.wallet = r.wallet
    ORDER BY ${sql.unsafe(metricSql[by].replaceAll('w.', 'r.'))} DESC, r.wagered DESC, r.wallet COLLATE "C"`
}

/**
 * Brings the window of `hours` forward to end at `endHour` (never backwards) and tells whether it now
 * ends exactly there, i.e. whether {@link rankedWindow} answers for that hour.
 */
export async function slideWindow(sql: Sql, t: Table, hours: number, endHour: number): Promise<boolean> {
  const read = async (): Promise<number | null> => {
    const [row] = await sql<{ end_hour: number }[]>`SELECT end_hour FROM ${t('leaderboard_windows')} WHERE hours = ${hours}`
    return row ? Number(row.end_hour) : null
  }
  const before = await read()
  if (before !== null && before >= endHour) return before === endHour
  return transaction(sql, async (tx) => {
    await tx`SELECT 1 FROM ${t('casino')} WHERE id = 1 FOR UPDATE`
    const [row] = await tx<{ end_hour: number }[]>`SELECT end_hour FROM ${t('leaderboard_windows')} WHERE hours = ${hours}`
    const current = row ? Number(row.end_hour) : null
    if (current !== null && current >= endHour) return current === endHour
    const addRange = (sign: 1 | -1, from: number, to: number) => tx`
      INSERT INTO ${t('player_windows')} AS w (hours, wallet, bets, wins, wagered, payout)
      SELECT ${hours}::int4, wallet, ${sign}::int8 * sum(bets), ${sign}::int8 * sum(wins), ${sign}::numeric * sum(wagered), ${sign}::numeric * sum(payout)
      FROM ${t('player_hourly')} WHERE hour BETWEEN ${from}::int4 AND ${to}::int4 GROUP BY wallet
      ON CONFLICT (hours, wallet) DO UPDATE SET bets = w.bets + excluded.bets, wins = w.wins + excluded.wins,
        wagered = w.wagered + excluded.wagered, payout = w.payout + excluded.payout`
    if (current === null || endHour - current >= hours) {
      await tx`DELETE FROM ${t('player_windows')} WHERE hours = ${hours}`
      await addRange(1, endHour - hours + 1, endHour)
    }
    else {
      await addRange(-1, current - hours + 1, endHour - hours)
      // Buckets already written for hours after the old end (blocks ahead of the clock) now enter it.
      await addRange(1, current + 1, endHour)
      await tx`DELETE FROM ${t('player_windows')} WHERE hours = ${hours} AND bets = 0`
    }
    await tx`INSERT INTO ${t('leaderboard_windows')} (hours, end_hour) VALUES (${hours}, ${endHour})
      ON CONFLICT (hours) DO UPDATE SET end_hour = excluded.end_hour`
    return true
  })
}
