import { describe, expect, it } from 'vitest'
import { rankLeaderboard } from '../../src/store/leaderboard'
import type { LeaderboardBy, Totals } from '../../src/store/types'
import { createRng } from '../../src/testing/fixtures'

/** The order every store ranks by, written out plainly: metric, then wagered (both descending), then wallet. */
function reference(rows: Map<string, Totals>, by: LeaderboardBy, limit: number): string[] {
  const metric = (t: Totals) => (by === 'wagered' ? t.wagered : by === 'profit' ? t.payout - t.wagered : BigInt(by === 'wins' ? t.wins : t.bets))
  const desc = (a: bigint, b: bigint) => (a > b ? -1 : a < b ? 1 : 0)
  return [...rows].sort(([wa, a], [wb, b]) => desc(metric(a), metric(b)) || desc(a.wagered, b.wagered) || (wa < wb ? -1 : wa > wb ? 1 : 0))
    .slice(0, limit).map(([wallet]) => wallet)
}

describe('rankLeaderboard', () => {
  it('picks the same top rows as a full sort, ties and all, for every metric and limit', () => {
    const rng = createRng(3)
    const rows = new Map<string, Totals>()
    for (let i = 0; i < 3_000; i++) {
      // Few distinct values: most rows tie on the metric, many on wagered too.
      const wagered = BigInt(Math.floor(rng() * 20)) * 10n ** 18n
      rows.set(`W${Math.floor(rng() * 1e9).toString(36)}${i}`, { bets: Math.floor(rng() * 5), wins: Math.floor(rng() * 3), wagered, payout: BigInt(Math.floor(rng() * 20)) * 10n ** 18n })
    }
    for (const by of ['wagered', 'profit', 'wins', 'bets'] as const) {
      for (const limit of [1, 2, 10, 100, 375, 513, 3_000, 5_000]) {
        const ranked = rankLeaderboard(rows, { by, limit }, w => `name of ${w}`)
        expect(ranked.map(e => e.wallet), `${by} ${limit}`).toEqual(reference(rows, by, limit))
        expect(ranked.map(e => e.rank)).toEqual(ranked.map((_, i) => i + 1))
      }
    }
  })

  it('answers nothing for a limit of zero or less, and numbers entries with their totals', () => {
    const rows = new Map<string, Totals>([['A', { bets: 2, wins: 1, wagered: 5n, payout: 9n }], ['B', { bets: 1, wins: 0, wagered: 7n, payout: 0n }]])
    expect(rankLeaderboard(rows, { by: 'wagered', limit: 0 }, () => null)).toEqual([])
    expect(rankLeaderboard(rows, { by: 'profit', limit: -3 }, () => null)).toEqual([])
    expect(rankLeaderboard(rows, { by: 'profit', limit: 1 }, () => 'alice')).toEqual([
      { rank: 1, wallet: 'A', username: 'alice', bets: 2, wins: 1, wagered: 5n, payout: 9n, profit: 4n },
    ])
  })
})
