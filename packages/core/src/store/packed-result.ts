import { pushFees, readFees } from './fees'
import type { BatchResult, Bet, IgnoredEvent, Jackpot, Player, QKPair } from './types'

/**
 * A {@link BatchResult} as flat values, for a store that writes on a thread of its own to send back.
 *
 * Sent as objects, every bet's twenty-odd property names were written by the writer thread and read
 * (and looked up) again by the main thread, and a backfill's result holds thousands of bets: as values
 * in a fixed order, the bets take two thirds of the bytes, and the main thread builds each one as a
 * literal of one shape: reading a commit's result took a third of the time or less (4,000 bets). A bet both placed and settled by the batch (registered and resolved
 * in it) is sent once and comes back as one object in both lists, as it was.
 */
export interface PackedBatchResult {
  applied: number
  duplicates: number
  /** Every distinct bet of `placed` and `settled`, field after field (see `pushBet`). */
  bets: unknown[]
  /** Indexes of `placed`'s bets among the packed ones, in order. */
  placed: number[]
  /** Indexes of `settled`'s bets among the packed ones, in order. */
  settled: number[]
  /** Few per batch: sent as they are. */
  jackpots: Jackpot[]
  joined: Player[]
  ignored?: IgnoredEvent[]
}

/** Appends a bet's fields in {@link Bet} order; its `qk` and `fees` as a count and then their values. */
function pushBet(out: unknown[], bet: Bet): void {
  out.push(bet.id, bet.seq, bet.player, bet.pool, bet.mint, bet.game, bet.extraDataHash, bet.wager, bet.qk.length)
  for (const pair of bet.qk) out.push(pair[0], pair[1])
  pushFees(out, bet.fees)
  out.push(
    bet.poolAccumulatedAmount, bet.resultIndex, bet.payout, bet.multiplier, bet.won, bet.status, bet.registerSignature,
    bet.registerSlot, bet.blockTime, bet.resolveSignature, bet.resolveSlot, bet.settledBlockTime,
  )
}

/** `result` as {@link PackedBatchResult} values. */
export function packBatchResult(result: BatchResult): PackedBatchResult {
  const bets: unknown[] = []
  const at = new Map<Bet, number>()
  const indexOf = (bet: Bet): number => {
    let index = at.get(bet)
    if (index === undefined) {
      at.set(bet, index = at.size)
      pushBet(bets, bet)
    }
    return index
  }
  return {
    applied: result.applied,
    duplicates: result.duplicates,
    bets,
    placed: result.placed.map(indexOf),
    settled: result.settled.map(indexOf),
    jackpots: result.jackpots,
    joined: result.joined,
    ...(result.ignored?.length ? { ignored: result.ignored } : {}),
  }
}

/** The {@link BatchResult} that {@link packBatchResult} packed. */
export function unpackBatchResult(packed: PackedBatchResult): BatchResult {
  const v = packed.bets
  const bets: Bet[] = []
  let i = 0
  while (i < v.length) {
    const qkCount = v[i + 8] as number
    const qk: QKPair[] = []
    let k = i + 9
    for (let n = 0; n < qkCount; n++, k += 2) qk.push([v[k] as number, v[k + 1] as number])
    const fees = readFees(v, k)
    k += 1 + 2 * fees.length
    bets.push({
      id: v[i] as string,
      seq: v[i + 1] as number,
      player: v[i + 2] as string,
      pool: v[i + 3] as string,
      mint: v[i + 4] as string | null,
      game: v[i + 5] as string,
      extraDataHash: v[i + 6] as string,
      wager: v[i + 7] as bigint,
      qk,
      fees,
      poolAccumulatedAmount: v[k] as bigint | null,
      resultIndex: v[k + 1] as number | null,
      payout: v[k + 2] as bigint | null,
      multiplier: v[k + 3] as number | null,
      won: v[k + 4] as boolean | null,
      status: v[k + 5] as Bet['status'],
      registerSignature: v[k + 6] as string,
      registerSlot: v[k + 7] as number,
      blockTime: v[k + 8] as number,
      resolveSignature: v[k + 9] as string | null,
      resolveSlot: v[k + 10] as number | null,
      settledBlockTime: v[k + 11] as number | null,
    })
    i = k + 12
  }
  return {
    applied: packed.applied,
    duplicates: packed.duplicates,
    placed: packed.placed.map(index => bets[index]!),
    settled: packed.settled.map(index => bets[index]!),
    jackpots: packed.jackpots,
    joined: packed.joined,
    ignored: packed.ignored ?? [],
  }
}
