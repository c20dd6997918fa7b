import type { LeaderboardPeriod } from './types'
import { hourOf } from './plan'

/** Hours in each leaderboard window. */
const periodHours: Record<Exclude<LeaderboardPeriod, 'all'>, number> = { '24h': 24, '7d': 24 * 7, '30d': 24 * 30 }

/**
 * The first hour bucket inside a window ending at `now` (unix ms), or null for `all`.
 * A window of N hours covers the current hour and the N - 1 before it.
 */
export function windowStartHour(period: LeaderboardPeriod, now: number): number | null {
  if (period === 'all') return null
  return hourOf(Math.floor(now / 1000)) - periodHours[period] + 1
}
