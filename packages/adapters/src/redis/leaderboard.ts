import { hourOf, rankLeaderboard, windowStartHour } from '@fare-casino/core/store'
import type { LeaderboardEntry, LeaderboardQuery, Totals } from '@fare-casino/core/store'
import type { Redis } from 'ioredis'
import type { RedisKeys } from './_keys'
import type { StoreScripts } from './scripts'
import { createWindowSums } from './windows'

/**
 * Above this many members tied at the floor score, the tie is narrowed in Redis (see
 * `fareCasinoLeaderboardCandidates`) instead of reading every tied player's totals: with 50,000 wallets
 * of one bet each, a leaderboard by bets took 1.0 to 1.3 s that way, and 0.1 s narrowed (2026-12-06,
 * beside a test run).
 */
const NARROW_TIES_ABOVE = 256

/**
 * Leaderboards on Redis, exact although sorted-set scores are doubles.
 *
 * `all`: one sorted set per metric. Rounding to a double never reorders two values (it only merges
 * near ones), so every member of the true top N scores at least the N-th highest score: the
 * candidates are all members scoring more, and of those tied at it the ones that can rank best (all of
 * them while they are few), re-ranked exactly from their bigint totals.
 *
 * Windows: one hash per hour (wallet -> totals), summed as bigint in this process, incrementally: a
 * read after a batch reads again only the hours that batch wrote (see `windows.ts`).
 */
export function createLeaderboards(redis: Redis, keys: RedisKeys, scripts: StoreScripts) {
  const windows = createWindowSums(redis, keys)

  const usernames = async (wallets: string[]): Promise<Map<string, string | null>> => {
    const p = redis.pipeline()
    for (const w of wallets) p.hget(keys.player(w), 'username')
    const res = wallets.length ? (await p.exec()) ?? [] : []
    return new Map(wallets.map((w, i) => [w, (res[i]?.[1] as string | null) ?? null]))
  }

  async function allTime(query: LeaderboardQuery): Promise<LeaderboardEntry[]> {
    if (query.limit <= 0) return []
    const key = keys.leaderboard(query.by)
    const candidates = await scripts.leaderboardCandidates(key, keys.leaderboard('wagered'), query.limit, NARROW_TIES_ABOVE, query.by === 'wagered' ? '1' : '0')
    if (!candidates.length) return []
    const p = redis.pipeline()
    for (const w of candidates) p.hmget(keys.player(w), 'bets', 'wins', 'wagered', 'payout', 'username')
    const res = (await p.exec()) ?? []
    const rows = new Map<string, Totals>()
    const names = new Map<string, string | null>()
    candidates.forEach((w, i) => {
      const [bets, wins, wagered, payout, username] = (res[i]?.[1] ?? []) as (string | null)[]
      rows.set(w, { bets: Number(bets ?? 0), wins: Number(wins ?? 0), wagered: BigInt(wagered ?? 0), payout: BigInt(payout ?? 0) })
      names.set(w, username ?? null)
    })
    return rankLeaderboard(rows, query, w => names.get(w) ?? null)
  }

  async function windowed(query: LeaderboardQuery, start: number): Promise<LeaderboardEntry[]> {
    const rows = await windows.rows(start, hourOf(Math.floor(query.now / 1000)))
    const ranked = rankLeaderboard(rows, query, () => null)
    const names = await usernames(ranked.map(e => e.wallet))
    return ranked.map(e => ({ ...e, username: names.get(e.wallet) ?? null }))
  }

  return {
    /** The leaderboard of `query`, ranked as `rankLeaderboard` ranks. */
    async leaderboard(query: LeaderboardQuery): Promise<LeaderboardEntry[]> {
      const start = windowStartHour(query.period, query.now)
      return start === null ? allTime(query) : windowed(query, start)
    },
  }
}
