import type { BetFilters, Channel } from './protocol'

/** What the fan-out needs to know about one event, computed once per process per event. */
export interface RoutedEvent {
  offset: number
  type: string
  /** The wire frame, exactly as every client receives it. */
  frame: string
  /** The frame as UTF-8 bytes, encoded once and handed to every socket unchanged. */
  bytes: Uint8Array
  /** Channels the event is delivered on. */
  channels: Channel[]
  /** The bet fields filters look at, for bet events only. */
  bet: { player: string, game: string, wager: bigint, won: boolean | null } | null
}

const encoder = new TextEncoder()

/**
 * Parses a wire frame once and lists its channels: bets on `bets` and `player:<wallet>`, jackpots on
 * `jackpots` and `player:<receiver>`, `player.joined` on `players`, `stats.updated` on `stats`,
 * `chat.message` and `chat.deleted` on `chat`. Returns null for a frame that is not an event (it is then dropped, and logged).
 */
export function routeFrame(frame: string): RoutedEvent | null {
  let parsed: { type?: unknown, data?: Record<string, unknown>, offset?: unknown }
  try {
    parsed = JSON.parse(frame)
  }
  catch {
    return null
  }
  const { type, data, offset } = parsed
  if (typeof type !== 'string' || typeof offset !== 'number' || typeof data !== 'object' || data === null) return null
  let channels: Channel[]
  let bet: RoutedEvent['bet'] = null
  switch (type) {
    case 'bet.placed':
    case 'bet.settled': {
      const player = String(data.player)
      channels = ['bets', `player:${player}`]
      let wager = 0n
      try {
        wager = BigInt(String(data.wager))
      }
      catch {}
      bet = { player, game: String(data.game), wager, won: typeof data.won === 'boolean' ? data.won : null }
      break
    }
    case 'jackpot.won':
      channels = ['jackpots', `player:${String(data.receiver)}`]
      break
    case 'player.joined':
      channels = ['players']
      break
    case 'stats.updated':
      channels = ['stats']
      break
    case 'chat.message':
    case 'chat.deleted':
      channels = ['chat']
      break
    default:
      return null
  }
  return { offset, type, frame, bytes: encoder.encode(frame), channels, bet }
}

/** True when a bet event passes the filters of a subscription (no filters: everything passes). */
export function matchesFilters(event: RoutedEvent, filters: BetFilters | null | undefined): boolean {
  const bet = event.bet
  if (!filters || !bet) return true
  if (filters.player !== undefined && bet.player !== filters.player) return false
  if (filters.game !== undefined && bet.game !== filters.game) return false
  if (filters.minWager !== undefined && bet.wager < filters.minWager) return false
  // A bet registered and resolved in one commit is placed already settled: `won` matches its bet.settled
  // only, so that a subscriber to wins or losses gets each bet once.
  if (filters.won !== undefined && (event.type !== 'bet.settled' || bet.won !== filters.won)) return false
  return true
}
