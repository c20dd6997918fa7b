import { type Bet, type BetStatus, feesOfPairs, type GameTotals, type Player, type QKPair, type Totals } from '@fare-casino/core/store'

/**
 * Entities as Redis hash fields. Money is a decimal string, never a Lua number (a double) and never
 * HINCRBY (int64): totals are computed in JavaScript as bigint and written as absolute values.
 * A null field is an absent field.
 */

/**
 * A bet as one string value (`SET bet:<id>`): a JSON array of its fields in a fixed order, money as
 * decimal strings. One value instead of a 20-field hash: the batch script writes one argument per bet
 * instead of forty, and a page of bets is one MGET.
 */
export function encodeBet(bet: Bet): string {
  return JSON.stringify([
    bet.id, bet.seq, bet.player, bet.pool, bet.mint, bet.game, bet.extraDataHash, String(bet.wager), bet.qk,
    bet.resultIndex, bet.payout === null ? null : String(bet.payout), bet.multiplier, bet.won, bet.status,
    bet.registerSignature, bet.registerSlot, bet.blockTime, bet.resolveSignature, bet.resolveSlot, bet.settledBlockTime,
    bet.fees.map(fee => [fee.type, String(fee.amount)]), bet.poolAccumulatedAmount === null ? null : String(bet.poolAccumulatedAmount),
  ])
}

type BetTuple = [
  id: string, seq: number, player: string, pool: string, mint: string | null, game: string, extraDataHash: string,
  wager: string, qk: QKPair[], resultIndex: number | null, payout: string | null, multiplier: number | null,
  won: boolean | null, status: BetStatus, registerSignature: string, registerSlot: number, blockTime: number,
  resolveSignature: string | null, resolveSlot: number | null, settledBlockTime: number | null,
  // Absent from values written before bets carried them.
  fees: unknown, poolAccumulatedAmount: string | null | undefined,
]

/** A bet from {@link encodeBet}, or null for a missing key. */
export function decodeBet(value: string | null | undefined): Bet | null {
  if (!value) return null
  const [
    id, seq, player, pool, mint, game, extraDataHash, wager, qk, resultIndex, payout, multiplier, won, status,
    registerSignature, registerSlot, blockTime, resolveSignature, resolveSlot, settledBlockTime, fees, poolAccumulatedAmount,
  ] = JSON.parse(value) as BetTuple
  return {
    id, seq, player, pool, mint, game, extraDataHash, wager: BigInt(wager), qk,
    fees: fees === undefined ? [] : feesOfPairs(fees),
    poolAccumulatedAmount: poolAccumulatedAmount == null ? null : BigInt(poolAccumulatedAmount),
    resultIndex,
    payout: payout === null ? null : BigInt(payout), multiplier, won, status, registerSignature, registerSlot,
    blockTime, resolveSignature, resolveSlot, settledBlockTime,
  }
}

/** Player hash fields of per-game totals: `g.<metric>.<game>`. */
export const gameField = (metric: keyof GameTotals, game: string): string => `g.${metric}.${game}`

const gameMetrics: (keyof GameTotals)[] = ['bets', 'wins', 'losses', 'wagered', 'payout']

/** A player from `HGETALL`, or null for an empty hash. */
export function decodePlayer(h: Record<string, string>): Player | null {
  if (h.wallet === undefined) return null
  const games: Record<string, GameTotals> = {}
  for (const [field, value] of Object.entries(h)) {
    if (!field.startsWith('g.')) continue
    const dot = field.indexOf('.', 2)
    const metric = field.slice(2, dot) as keyof GameTotals
    const game = field.slice(dot + 1)
    if (!gameMetrics.includes(metric)) continue
    const g = games[game] ??= { bets: 0, wins: 0, losses: 0, wagered: 0n, payout: 0n }
    if (metric === 'wagered' || metric === 'payout') g[metric] = BigInt(value)
    else g[metric] = Number(value)
  }
  return {
    wallet: h.wallet,
    username: h.username ?? null,
    createdAt: Number(h.createdAt),
    lastSeenAt: Number(h.lastSeenAt),
    totalBets: Number(h.bets ?? 0),
    totalWins: Number(h.wins ?? 0),
    totalLosses: Number(h.losses ?? 0),
    totalWagered: BigInt(h.wagered ?? 0),
    totalPayout: BigInt(h.payout ?? 0),
    games,
  }
}

/** Hour totals as one field value: `bets:wins:wagered:payout`. */
export function encodeTotals(t: Totals): string {
  return `${t.bets}:${t.wins}:${t.wagered}:${t.payout}`
}

/** Hour totals from {@link encodeTotals}; zeros for a missing field. */
export function decodeTotals(v: string | null | undefined): Totals {
  if (!v) return { bets: 0, wins: 0, wagered: 0n, payout: 0n }
  const [bets, wins, wagered, payout] = v.split(':')
  return { bets: Number(bets), wins: Number(wins), wagered: BigInt(wagered!), payout: BigInt(payout!) }
}

/** Sum of two totals. */
export function addTotals(a: Totals, b: Totals): Totals {
  return { bets: a.bets + b.bets, wins: a.wins + b.wins, wagered: a.wagered + b.wagered, payout: a.payout + b.payout }
}
