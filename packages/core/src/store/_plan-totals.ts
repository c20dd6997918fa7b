import type { Bet, GameTotals, Totals } from './types'

/**
 * The counters a batch's settlements move, summed for {@link planBatch}'s plan.
 *
 * Why not bigint counters: every settlement adds its wager and payout to five counters (casino, player,
 * player's game, hour, player's hour), and each `bigint += bigint` allocates a new heap bigint; those
 * allocations were the planner's largest cost (a quarter of its time went to the garbage collector).
 * Real wagers are far below 2^53, so each sum is kept as a double while it is exactly an integer, and
 * whatever would leave that range is summed as a bigint beside it. The value is the two added, at the
 * end: the same bigint as summing one by one, for any amount (above 2^53 or negative included).
 */

/** `Number(amount)` when that is exact and any sum of two of them is still detected when inexact, else NaN. */
function exactDouble(amount: bigint): number {
  const n = Number(amount)
  // NaN makes every sum it enters fail the safe-integer test below, sending `amount` to the bigint part.
  return Number.isSafeInteger(n) ? n : Number.NaN
}

/**
 * -0, not 0, starts a money sum: V8 stores a field that starts as a small integer as one, and the first
 * sum past 2^30 then changes its representation, which throws away every optimized function that read
 * it (the planner among them, recompiled at some 40 ms a time on each new writer thread). -0 is a
 * double from the start and adds like 0 (`BigInt(-0)` is `0n`).
 */
const DOUBLE_ZERO = -0

/** Counters of settled bets; the money sums are split (see the module comment). */
class Tally {
  bets = 0
  wins = 0
  losses = 0
  /** Exact part of the wager sum: adds while the double sum stays a safe integer. */
  wagered = DOUBLE_ZERO
  /** The rest of the wager sum. */
  wageredBig = 0n
  payout = DOUBLE_ZERO
  payoutBig = 0n

  add(won: boolean, wager: bigint, wagerDouble: number, payout: bigint, payoutDouble: number): void {
    this.bets++
    if (won) this.wins++
    else this.losses++
    // Two safe integers add exactly unless the true sum reaches 2^53, and then the rounded sum is no
    // safe integer either: the test below is exact.
    const w = this.wagered + wagerDouble
    if (Number.isSafeInteger(w)) this.wagered = w
    else this.wageredBig += wager
    const p = this.payout + payoutDouble
    if (Number.isSafeInteger(p)) this.payout = p
    else this.payoutBig += payout
  }

  wageredTotal(): bigint {
    return this.wageredBig === 0n ? BigInt(this.wagered) : this.wageredBig + BigInt(this.wagered)
  }

  payoutTotal(): bigint {
    return this.payoutBig === 0n ? BigInt(this.payout) : this.payoutBig + BigInt(this.payout)
  }

  toGameTotals(): GameTotals {
    return { bets: this.bets, wins: this.wins, losses: this.losses, wagered: this.wageredTotal(), payout: this.payoutTotal() }
  }

  toTotals(): Totals {
    return { bets: this.bets, wins: this.wins, wagered: this.wageredTotal(), payout: this.payoutTotal() }
  }
}

/** One player's tallies; `hours` finds a player-hour without building a `${wallet}:${hour}` key per bet. */
interface PlayerTally {
  all: Tally
  games: Map<string, Tally>
  hours: Map<number, Tally>
}

/** A player-hour tally, listed in the order the plan's `playerHourly` map must have. */
interface PlayerHourTally {
  wallet: string
  hour: number
  tally: Tally
}

/** The casino, player, game and hourly totals of a batch's settlements, in the plan's shapes and orders. */
export class SettlementTotals {
  private readonly casino = new Tally()
  /** In first-settlement order, which is the order of the plan's `players` map. */
  private readonly players = new Map<string, PlayerTally>()
  private readonly hourly = new Map<number, Tally>()
  private readonly playerHourly: PlayerHourTally[] = []

  /** Adds a settled bet to every counter it moves. */
  add(bet: Bet, hour: number): void {
    const won = bet.won === true
    const wager = bet.wager
    const payout = bet.payout ?? 0n
    const w = exactDouble(wager)
    const p = exactDouble(payout)
    this.casino.add(won, wager, w, payout, p)

    let player = this.players.get(bet.player)
    if (!player) this.players.set(bet.player, player = { all: new Tally(), games: new Map(), hours: new Map() })
    player.all.add(won, wager, w, payout, p)

    let game = player.games.get(bet.game)
    if (!game) player.games.set(bet.game, game = new Tally())
    game.add(won, wager, w, payout, p)

    let bucket = this.hourly.get(hour)
    if (!bucket) this.hourly.set(hour, bucket = new Tally())
    bucket.add(won, wager, w, payout, p)

    let playerBucket = player.hours.get(hour)
    if (!playerBucket) {
      player.hours.set(hour, playerBucket = new Tally())
      this.playerHourly.push({ wallet: bet.player, hour, tally: playerBucket })
    }
    playerBucket.add(won, wager, w, payout, p)
  }

  /** The casino totals, with `pending` (a count the planner keeps) beside them. */
  casinoTotals(pending: number): GameTotals & { pending: number } {
    const c = this.casino
    return { bets: c.bets, wins: c.wins, losses: c.losses, wagered: c.wageredTotal(), payout: c.payoutTotal(), pending }
  }

  /** Totals to add per wallet, each with its games in first-settlement order. */
  playerDeltas(): Map<string, GameTotals & { games: Record<string, GameTotals> }> {
    const out = new Map<string, GameTotals & { games: Record<string, GameTotals> }>()
    for (const [wallet, player] of this.players) {
      const games: Record<string, GameTotals> = {}
      for (const [game, tally] of player.games) games[game] = tally.toGameTotals()
      const a = player.all
      out.set(wallet, { bets: a.bets, wins: a.wins, losses: a.losses, wagered: a.wageredTotal(), payout: a.payoutTotal(), games })
    }
    return out
  }

  /** Casino totals per hour. */
  hourlyTotals(): Map<number, Totals> {
    const out = new Map<number, Totals>()
    for (const [hour, tally] of this.hourly) out.set(hour, tally.toTotals())
    return out
  }

  /** Player totals per hour, keyed `${wallet}:${hour}` (the keys built once per bucket, not per bet). */
  playerHourlyTotals(): Map<string, Totals & { wallet: string, hour: number }> {
    const out = new Map<string, Totals & { wallet: string, hour: number }>()
    for (const { wallet, hour, tally: t } of this.playerHourly) {
      out.set(`${wallet}:${hour}`, { wallet, hour, bets: t.bets, wins: t.wins, wagered: t.wageredTotal(), payout: t.payoutTotal() })
    }
    return out
  }
}
