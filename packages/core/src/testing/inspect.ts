import { hourOf, zeroTotals } from '../store/plan'
import { windowStartHour } from '../store/windows'
import type {
  Bet, BetQuery, CasinoStats, CasinoStore, GameTotals, IndexerCursor, Jackpot, LeaderboardEntry,
  LeaderboardPeriod, Player, Totals,
} from '../store/types'

/**
 * Read-only views of a store for assertions: everything a user could observe, in one value that
 * `expect(...).toEqual` can compare before and after an operation that must change nothing.
 */

/** Every bet matching `query`, newest first, read page by page through `listBets`. */
export async function listAllBets(store: CasinoStore, query: Omit<BetQuery, 'limit' | 'cursor'> = {}): Promise<Bet[]> {
  const bets: Bet[] = []
  let cursor: string | undefined
  for (;;) {
    const page = await store.listBets({ ...query, limit: 100, ...(cursor === undefined ? {} : { cursor }) })
    bets.push(...page.bets)
    if (page.nextCursor === null) return bets
    cursor = page.nextCursor
  }
}

/** What {@link snapshotStore} captures. */
export interface StoreSnapshot {
  stats: CasinoStats
  cursor: IndexerCursor | null
  bets: Bet[]
  players: Record<string, Player | null>
  jackpots: Jackpot[]
  leaderboards: Record<LeaderboardPeriod, LeaderboardEntry[]>
}

/** Captures stats, cursor, every bet, the given players, jackpots and leaderboards as of `now`. */
export async function snapshotStore(store: CasinoStore, options: { wallets: string[], now: number }): Promise<StoreSnapshot> {
  const players: Record<string, Player | null> = {}
  for (const wallet of [...options.wallets].sort()) players[wallet] = await store.getPlayer(wallet)
  const leaderboards = {} as Record<LeaderboardPeriod, LeaderboardEntry[]>
  for (const period of ['24h', '7d', '30d', 'all'] as const) {
    leaderboards[period] = await store.leaderboard({ by: 'wagered', period, limit: 100, now: options.now })
  }
  return {
    stats: await store.stats(options.now),
    cursor: await store.getCursor(),
    bets: await listAllBets(store),
    players,
    jackpots: await store.listJackpots(1000),
    leaderboards,
  }
}

/** Totals recomputed from settled bets: what every counter of a store must equal. */
export interface RecomputedTotals {
  casino: GameTotals & { pending: number }
  players: Map<string, GameTotals & { games: Record<string, GameTotals> }>
  /** Settled totals per hour bucket of the settling block. */
  hourly: Map<number, Totals>
  /** Settled totals per wallet per hour bucket. */
  playerHourly: Map<string, Map<number, Totals>>
}

function add(t: Totals & { losses?: number }, bet: Bet): void {
  t.bets++
  if (bet.won) t.wins++
  else if (t.losses !== undefined) t.losses++
  t.wagered += bet.wager
  t.payout += bet.payout ?? 0n
}

/** Sums `bets` the way the counters of a store must: settled bets only, bucketed by settling hour. */
export function recomputeTotals(bets: Bet[]): RecomputedTotals {
  const out: RecomputedTotals = { casino: { ...zeroTotals(), pending: 0 }, players: new Map(), hourly: new Map(), playerHourly: new Map() }
  for (const bet of bets) {
    if (bet.status !== 'settled') {
      out.casino.pending++
      continue
    }
    add(out.casino, bet)
    let player = out.players.get(bet.player)
    if (!player) out.players.set(bet.player, player = { ...zeroTotals(), games: {} })
    add(player, bet)
    add(player.games[bet.game] ??= zeroTotals(), bet)
    const hour = hourOf(bet.settledBlockTime ?? bet.blockTime)
    let bucket = out.hourly.get(hour)
    if (!bucket) out.hourly.set(hour, bucket = { bets: 0, wins: 0, wagered: 0n, payout: 0n })
    add(bucket, bet)
    let hours = out.playerHourly.get(bet.player)
    if (!hours) out.playerHourly.set(bet.player, hours = new Map())
    let ph = hours.get(hour)
    if (!ph) hours.set(hour, ph = { bets: 0, wins: 0, wagered: 0n, payout: 0n })
    add(ph, bet)
  }
  return out
}

/** Per-wallet totals over a leaderboard window ending at `now`, from recomputed hourly buckets. */
export function windowTotals(totals: RecomputedTotals, period: LeaderboardPeriod, now: number): Map<string, Totals> {
  const start = windowStartHour(period, now)
  const end = hourOf(Math.floor(now / 1000))
  const rows = new Map<string, Totals>()
  for (const [wallet, hours] of totals.playerHourly) {
    const row: Totals = { bets: 0, wins: 0, wagered: 0n, payout: 0n }
    for (const [hour, t] of hours) {
      if (start !== null && (hour < start || hour > end)) continue
      row.bets += t.bets
      row.wins += t.wins
      row.wagered += t.wagered
      row.payout += t.payout
    }
    if (row.bets > 0) rows.set(wallet, row)
  }
  return rows
}
