import { type Bet, type ChatMessage, decodeFees, encodeFees, type GameTotals, type Jackpot, type Player, type SystemEvent, type TrialResolvedEvent } from '@fare-casino/core/store'

/**
 * Rows as better-sqlite3 returns them with safe integers on: every INTEGER is a bigint (money must
 * stay exact), REAL is a number. These turn rows into the contract's entities.
 */

type Int = bigint
type NullableInt = bigint | null

/** A row of `bets`. */
export interface BetRow {
  seq: Int, id: string, player: string, pool: string, mint: string | null, game: string, extra_data_hash: string,
  wager: Int, qk: string, result_index: NullableInt, payout: NullableInt, multiplier: number | null, won: NullableInt,
  status: string, register_signature: string, register_slot: Int, block_time: Int, resolve_signature: string | null,
  resolve_slot: NullableInt, settled_block_time: NullableInt, fees: string, pool_accumulated_amount: string | null
}

const num = (v: NullableInt): number | null => (v === null ? null : Number(v))

/** A `bets` row as a {@link Bet}. */
export function toBet(row: BetRow): Bet {
  return {
    id: row.id,
    seq: Number(row.seq),
    player: row.player,
    pool: row.pool,
    mint: row.mint,
    game: row.game,
    extraDataHash: row.extra_data_hash,
    wager: row.wager,
    qk: JSON.parse(row.qk) as Bet['qk'],
    fees: decodeFees(row.fees),
    poolAccumulatedAmount: row.pool_accumulated_amount === null ? null : BigInt(row.pool_accumulated_amount),
    resultIndex: num(row.result_index),
    payout: row.payout,
    multiplier: row.multiplier,
    won: row.won === null ? null : row.won === 1n,
    status: row.status as Bet['status'],
    registerSignature: row.register_signature,
    registerSlot: Number(row.register_slot),
    blockTime: Number(row.block_time),
    resolveSignature: row.resolve_signature,
    resolveSlot: num(row.resolve_slot),
    settledBlockTime: num(row.settled_block_time),
  }
}

/** The values of an `INSERT INTO bets` in column order (see `statements.ts`). */
export function betValues(bet: Bet): unknown[] {
  return [
    bet.seq, bet.id, bet.player, bet.pool, bet.mint, bet.game, bet.extraDataHash, bet.wager, JSON.stringify(bet.qk),
    bet.resultIndex, bet.payout, bet.multiplier, bet.won === null ? null : bet.won ? 1 : 0, bet.status,
    bet.registerSignature, bet.registerSlot, bet.blockTime, bet.resolveSignature, bet.resolveSlot, bet.settledBlockTime,
    encodeFees(bet.fees), bet.poolAccumulatedAmount === null ? null : String(bet.poolAccumulatedAmount),
  ]
}

/** A row of `players`. */
export interface PlayerRow {
  wallet: string, username: string | null, created_at: Int, last_seen_at: Int, total_bets: Int, total_wins: Int,
  total_losses: Int, total_wagered: Int, total_payout: Int
}

/** A row of `player_games`. */
export interface PlayerGameRow { game: string, bets: Int, wins: Int, losses: Int, wagered: Int, payout: Int }

/** A `players` row and its `player_games` rows as a {@link Player}. */
export function toPlayer(row: PlayerRow, games: PlayerGameRow[]): Player {
  const byGame: Record<string, GameTotals> = {}
  for (const g of games) {
    byGame[g.game] = { bets: Number(g.bets), wins: Number(g.wins), losses: Number(g.losses), wagered: g.wagered, payout: g.payout }
  }
  return {
    wallet: row.wallet,
    username: row.username,
    createdAt: Number(row.created_at),
    lastSeenAt: Number(row.last_seen_at),
    totalBets: Number(row.total_bets),
    totalWins: Number(row.total_wins),
    totalLosses: Number(row.total_losses),
    totalWagered: row.total_wagered,
    totalPayout: row.total_payout,
    games: byGame,
  }
}

/** A row of `jackpots`. */
export interface JackpotRow { id: string, pool: string, trial_id: string, receiver: string, amount: string, signature: string, slot: Int, block_time: Int }

/** A `jackpots` row as a {@link Jackpot}. */
export function toJackpot(row: JackpotRow): Jackpot {
  return {
    id: row.id, pool: row.pool, trialId: row.trial_id, receiver: row.receiver, amount: BigInt(row.amount),
    signature: row.signature, slot: Number(row.slot), blockTime: Number(row.block_time),
  }
}

/** A row of `chat_messages`. */
export interface ChatRow { id: Int, wallet: string, username: string | null, message: string, created_at: Int }

/** A `chat_messages` row as a {@link ChatMessage} (ids are decimal strings). */
export function toChatMessage(row: ChatRow): ChatMessage {
  return { id: String(row.id), wallet: row.wallet, username: row.username, message: row.message, createdAt: Number(row.created_at) }
}

/** A row of `system_events`. */
export interface SystemEventRow { id: Int, type: string, severity: string, message: string, metadata: string | null, created_at: Int }

/** A `system_events` row as a {@link SystemEvent}. */
export function toSystemEvent(row: SystemEventRow): SystemEvent {
  return {
    id: Number(row.id),
    type: row.type,
    severity: row.severity as SystemEvent['severity'],
    message: row.message,
    metadata: row.metadata === null ? null : JSON.parse(row.metadata) as Record<string, unknown>,
    createdAt: Number(row.created_at),
  }
}

/** A SystemEvent as the values of the `addSystemEvent` statement, in its column order. */
export function systemEventValues(event: Omit<SystemEvent, 'id'>): unknown[] {
  return [event.type, event.severity, event.message, event.metadata === null ? null : JSON.stringify(event.metadata), event.createdAt]
}

/** A kept resolve as JSON (its fields are all JSON-safe numbers and strings). */
export function fromOrphanJson(json: string): TrialResolvedEvent {
  return JSON.parse(json) as TrialResolvedEvent
}
