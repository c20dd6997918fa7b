import type { LeaderboardEntry, LeaderboardQuery, Totals } from './types'

/** A row being ranked: wallet, totals, and the metric ranked by. */
type Ranked = [wallet: string, totals: Totals, metric: bigint]

/** True when `a` ranks before `b`: a higher metric, then more wagered, then the lower wallet. */
function ranksBefore(a: Ranked, b: Ranked): boolean {
  if (a[2] !== b[2]) return a[2] > b[2]
  if (a[1].wagered !== b[1].wagered) return a[1].wagered > b[1].wagered
  return a[0] < b[0]
}

/**
 * Above this limit, or when the limit is a large part of the rows, the rows are sorted whole; below it,
 * the best `limit` are picked in one pass (a windowed leaderboard ranks every player of the window:
 * sorting 20,000 rows by bigint took ~40 ms, picking the top 100 a few).
 */
const PICK_UP_TO = 512

/**
 * Orders leaderboard rows and numbers them. Shared by adapters that rank in JavaScript so that ties
 * break the same way everywhere: by the metric, then by wagered, then by wallet.
 */
export function rankLeaderboard(rows: Map<string, Totals>, query: Pick<LeaderboardQuery, 'by' | 'limit'>, username: (wallet: string) => string | null): LeaderboardEntry[] {
  const limit = Math.max(0, Math.floor(query.limit))
  if (limit === 0) return []
  const metric = (t: Totals): bigint => {
    switch (query.by) {
      case 'wagered': return t.wagered
      case 'profit': return t.payout - t.wagered
      case 'wins': return BigInt(t.wins)
      case 'bets': return BigInt(t.bets)
    }
  }
  let top: Ranked[]
  if (limit > PICK_UP_TO || limit * 8 >= rows.size) {
    top = []
    for (const [wallet, t] of rows) top.push([wallet, t, metric(t)])
    top.sort((a, b) => (ranksBefore(a, b) ? -1 : ranksBefore(b, a) ? 1 : 0))
    top.length = Math.min(top.length, limit)
  }
  else {
    // Kept in order; a row enters only when it ranks before the last of a full list.
    top = []
    for (const [wallet, t] of rows) {
      const row: Ranked = [wallet, t, metric(t)]
      if (top.length === limit && !ranksBefore(row, top[limit - 1]!)) continue
      let lo = 0
      let hi = top.length
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (ranksBefore(top[mid]!, row)) lo = mid + 1
        else hi = mid
      }
      top.splice(lo, 0, row)
      if (top.length > limit) top.pop()
    }
  }
  return top.map(([wallet, t], i) => ({
    rank: i + 1, wallet, username: username(wallet), bets: t.bets, wins: t.wins, wagered: t.wagered, payout: t.payout, profit: t.payout - t.wagered,
  }))
}
