/**
 * The games the localnet knows. A casino maps a trial's `extra_data_hash` to a game, so each game
 * carries a stable hash (sha256 of its id, hex) that never changes between runs or seeds.
 */
import { createHash } from 'node:crypto'
import type { QkPair } from './program/events'

/** A game the simulator can place bets on. */
export interface LocalnetGame {
  /** Stable id, e.g. `coinFlip`. */
  id: string
  /** Display name. */
  name: string
  /** Hex string written as the trial's extra_data_hash. */
  extraDataHash: string
  /** Outcomes: (probability q, payout multiple k); the q values sum to 1. */
  qk: ReadonlyArray<QkPair>
}

/** The stable extra_data_hash of a game id: hex sha256("fare-casino:game:<id>"). */
export function gameHash(id: string): string {
  return createHash('sha256').update(`fare-casino:game:${id}`).digest('hex')
}

function game(id: string, name: string, qk: QkPair[]): LocalnetGame {
  return { id, name, extraDataHash: gameHash(id), qk }
}

/** Default game list (expected value of every game is below 1). */
export const defaultGames: readonly LocalnetGame[] = Object.freeze([
  game('coinFlip', 'Coin Flip', [[0.5, 1.98], [0.5, 0]]),
  game('dice', 'Dice', [[0.25, 3.96], [0.75, 0]]),
  game('rps', 'Rock Paper Scissors', [[0.3333333333333333, 1.98], [0.3333333333333333, 0.99], [0.3333333333333334, 0]]),
  game('plinko', 'Plinko', [[0.0625, 2.5], [0.25, 0.9], [0.375, 0.5], [0.25, 0.9], [0.0625, 2.5]]),
  game('slots', 'Slots', [[0.01, 30], [0.05, 6], [0.15, 2], [0.79, 0]]),
  game('roulette', 'Roulette', [[0.027, 35.5], [0.973, 0]]),
])

/**
 * Index of the outcome for a uniform draw r in [0, 1): walk the cumulative q; a draw past the
 * total (rounding) lands on the lowest payout, which is the conservative choice for a vault.
 */
export function pickOutcome(qk: ReadonlyArray<QkPair>, r: number): number {
  let acc = 0
  for (let i = 0; i < qk.length; i++) {
    acc += qk[i]![0]
    if (r < acc) return i
  }
  let low = 0
  for (let i = 1; i < qk.length; i++) if (qk[i]![1] < qk[low]![1]) low = i
  return low
}
