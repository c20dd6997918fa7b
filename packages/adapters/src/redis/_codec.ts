import type { Bet, BetStatus, GameTotals, Player, QKPair, Totals } from '@fare-casino/core'

/**
 * Entities as Redis hash fields. Money is a decimal string, never a Lua number (a double) and never
 * HINCRBY (int64): totals are computed in JavaScript as bigint and written as absolute values.
 * A null field is an absent field.
 */

/** A bet as `HSET` arguments. */
export function encodeBet(bet: Bet): string[] {
  const out: string[] = []
  const put = (field: string, value: string | number | bigint | boolean | null) => {
    if (value === null) return
    out.push(field, typeof value === 'boolean' ? (value ? '1' : '0') : String(value))
  }
  put('id', bet.id)
  put('seq', bet.seq)
  put('player', bet.player)
  put('pool', bet.pool)
  put('mint', bet.mint)
  put('game', bet.game)
  put('extraDataHash', bet.extraDataHash)
  put('wager', bet.wager)
  out.push('qk', JSON.stringify(bet.qk))
  put('resultIndex', bet.resultIndex)
  put('payout', bet.payout)
  put('multiplier', bet.multiplier)
  put('won', bet.won)
  put('status', bet.status)
  put('registerSignature', bet.registerSignature)
  put('registerSlot', bet.registerSlot)
  put('blockTime', bet.blockTime)
  put('resolveSignature', bet.resolveSignature)
  put('resolveSlot', bet.resolveSlot)
  put('settledBlockTime', bet.settledBlockTime)
  return out
}

const num = (v: string | undefined): number | null => (v === undefined ? null : Number(v))

/** A bet from `HGETALL`, or null for an empty hash. */
export function decodeBet(h: Record<string, string>): Bet | null {
  if (h.id === undefined) return null
  return {
    id: h.id,
    seq: Number(h.seq),
    player: h.player!,
    pool: h.pool!,
    mint: h.mint ?? null,
    game: h.game!,
    extraDataHash: h.extraDataHash!,
    wager: BigInt(h.wager!),
    qk: JSON.parse(h.qk!) as QKPair[],
    resultIndex: num(h.resultIndex),
    payout: h.payout === undefined ? null : BigInt(h.payout),
    multiplier: num(h.multiplier),
    won: h.won === undefined ? null : h.won === '1',
    status: h.status as BetStatus,
    registerSignature: h.registerSignature!,
    registerSlot: Number(h.registerSlot),
    blockTime: Number(h.blockTime),
    resolveSignature: h.resolveSignature ?? null,
    resolveSlot: num(h.resolveSlot),
    settledBlockTime: num(h.settledBlockTime),
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
