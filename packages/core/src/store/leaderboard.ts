import type { LeaderboardEntry, LeaderboardQuery, Totals } from './types'

/**
 * Orders leaderboard rows and numbers them. Shared by adapters that rank in JavaScript so that ties
 * break the same way everywhere: by the metric, then by wagered, then by wallet.
 */
export function rankLeaderboard(rows: Map<string, Totals>, query: Pick<LeaderboardQuery, 'by' | 'limit'>, username: (wallet: string) => string | null): LeaderboardEntry[] {
  const metric = (t: Totals): bigint => {
    switch (query.by) {
      case 'wagered': return t.wagered
      case 'profit': return t.payout - t.wagered
      case 'wins': return BigInt(t.wins)
      case 'bets': return BigInt(t.bets)
    }
  }
  const cmp = (a: bigint, b: bigint) => (a < b ? 1 : a > b ? -1 : 0)
  return [...rows.entries()]
    .sort(([wa, a], [wb, b]) => cmp(metric(a), metric(b)) || cmp(a.wagered, b.wagered) || (wa < wb ? -1 : wa > wb ? 1 : 0))
    .slice(0, query.limit)
    .map(([wallet, t], i) => ({
      rank: i + 1, wallet, username: username(wallet), bets: t.bets, wins: t.wins, wagered: t.wagered, payout: t.payout, profit: t.payout - t.wagered,
    }))
}
