/**
 * A traffic bot: players betting at a steady rate on random games, with the occasional
 * multi-trial transaction, failed transaction, v0 transaction and jackpot, so a playground shows
 * every shape an indexer must handle.
 */
import type { Localnet, LocalnetPlayer, PlaceBetOptions } from './localnet'
import type { Rng } from './rng'

/** Options of startBot. */
export interface BotOptions {
  /** Target bets per second. */
  betsPerSecond: number
  /** Number of players betting. @default 10 */
  players?: number
  /** Host wallet receiving host fees. */
  host: string
  /** Smallest and largest wager in base units. @default [1_000_000n, 100_000_000n] */
  wagerRange?: [bigint, bigint]
}

/** A running bot. */
export interface Bot {
  /** Stops placing bets (pending resolutions still land). */
  stop(): void
  /** Bets placed so far. */
  readonly placed: number
}

/** Starts a bot on a localnet. */
export function startBot(net: Localnet, rng: Rng, opts: BotOptions): Bot {
  const tickMs = 100
  const [min, max] = opts.wagerRange ?? [1_000_000n, 100_000_000n]
  let players: LocalnetPlayer[] = []
  let placed = 0
  let credit = 0
  let stopped = false
  // A closed localnet rejects bets: stop quietly instead of raising unhandled rejections.
  const halt = () => {
    stopped = true
  }
  const ready = (async () => {
    for (let i = 0; i < (opts.players ?? 10); i++) players.push(await net.createPlayer())
  })()

  const bet = (): PlaceBetOptions => ({
    player: rng.pick(players),
    wager: min + (BigInt(rng.int(1_000_000)) * (max - min)) / 1_000_000n,
    game: rng.pick(net.games).id,
    host: opts.host,
    ...(rng.chance(0.3) ? { version: 0 as const } : {}),
  })

  const timer = setInterval(() => {
    if (stopped || players.length === 0) return
    credit += (opts.betsPerSecond * tickMs) / 1000
    while (credit >= 1) {
      const roll = rng.float()
      try {
        if (roll < 0.05) {
          const n = 2 + rng.int(2)
          const first = bet()
          // One payer for the whole transaction: every trial in it belongs to the same player.
          net.placeBets(Array.from({ length: n }, () => ({ ...bet(), player: first.player, version: first.version ?? 'legacy' }))).catch(halt)
          placed += n
          credit -= n
        } else {
          net.placeBet({ ...bet(), ...(roll < 0.07 ? { fail: true } : {}), ...(roll > 0.99 ? { jackpot: true } : {}) }).catch(halt)
          placed++
          credit -= 1
        }
      } catch {
        halt()
        break
      }
    }
  }, tickMs)

  return {
    stop() {
      stopped = true
      clearInterval(timer)
      void ready.then(() => {
        players = []
      })
    },
    get placed() {
      return placed
    },
  }
}
