import { type Bet, type BetStatus, feesOfPairs, type GameTotals, type Player, type QKPair } from '@fare-casino/core/store'

/**
 * Raw rows as postgres.js returns them: BIGINT and NUMERIC arrive as strings (exact), JSONB parsed.
 * These mappers turn them into entities: money to bigint, slots and times to numbers.
 */

/** A `bets` row. */
export interface BetRow {
  id: string
  seq: string
  player: string
  pool: string
  mint: string | null
  game: string
  extra_data_hash: string
  wager: string
  qk: QKPair[]
  result_index: string | number | null
  payout: string | null
  multiplier: number | null
  won: boolean | null
  status: string
  register_signature: string
  register_slot: string
  block_time: string
  resolve_signature: string | null
  resolve_slot: string | null
  settled_block_time: string | null
  register_event_id: string | null
  resolve_event_id: string | null
  fees: unknown
  pool_accumulated_amount: string | null
}

/** A `players` row. */
export interface PlayerRow {
  wallet: string
  username: string | null
  created_at: string
  last_seen_at: string
  total_bets: string
  total_wins: string
  total_losses: string
  total_wagered: string
  total_payout: string
}

/** A `player_games` row. */
export interface PlayerGameRow {
  wallet: string
  game: string
  bets: string
  wins: string
  losses: string
  wagered: string
  payout: string
}

const num = (v: string | null): number | null => (v === null ? null : Number(v))

/** A bet from its row. */
export function toBet(r: BetRow): Bet {
  return {
    id: r.id,
    seq: Number(r.seq),
    player: r.player,
    pool: r.pool,
    mint: r.mint,
    game: r.game,
    extraDataHash: r.extra_data_hash,
    wager: BigInt(r.wager),
    qk: r.qk,
    fees: feesOfPairs(r.fees),
    poolAccumulatedAmount: r.pool_accumulated_amount === null ? null : BigInt(r.pool_accumulated_amount),
    resultIndex: r.result_index === null ? null : Number(r.result_index),
    payout: r.payout === null ? null : BigInt(r.payout),
    multiplier: r.multiplier,
    won: r.won,
    status: r.status as BetStatus,
    registerSignature: r.register_signature,
    registerSlot: Number(r.register_slot),
    blockTime: Number(r.block_time),
    resolveSignature: r.resolve_signature,
    resolveSlot: num(r.resolve_slot),
    settledBlockTime: num(r.settled_block_time),
  }
}

/** A player from its row and its per-game rows. */
export function toPlayer(r: PlayerRow, games: PlayerGameRow[]): Player {
  const byGame: Record<string, GameTotals> = {}
  for (const g of games) {
    byGame[g.game] = { bets: Number(g.bets), wins: Number(g.wins), losses: Number(g.losses), wagered: BigInt(g.wagered), payout: BigInt(g.payout) }
  }
  return {
    wallet: r.wallet,
    username: r.username,
    createdAt: Number(r.created_at),
    lastSeenAt: Number(r.last_seen_at),
    totalBets: Number(r.total_bets),
    totalWins: Number(r.total_wins),
    totalLosses: Number(r.total_losses),
    totalWagered: BigInt(r.total_wagered),
    totalPayout: BigInt(r.total_payout),
    games: byGame,
  }
}
