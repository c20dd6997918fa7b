/**
 * The client side of the realtime protocol: what a client may send, validated by hand (the hot path of a
 * socket server parses every frame, so no schema library here). Documented in docs/realtime.md.
 */
import { chatMessageText } from '../chat-text'
import { isWalletAddress } from '../solana/address'

/** The fixed channels; `player:<wallet>` is the one parameterised channel. */
export const fixedChannels = ['bets', 'jackpots', 'players', 'stats', 'chat'] as const

/** A channel name: one of {@link fixedChannels} or `player:<base58 wallet>`. */
export type Channel = typeof fixedChannels[number] | `player:${string}`

/** Bet filters of a subscription. Every field present must match. */
export interface BetFilters {
  /** Wallet of the player. */
  player?: string
  /** Game id. */
  game?: string
  /** Smallest wager in base units (a decimal string on the wire). */
  minWager?: bigint
  /** Only won (true) or lost (false) bets; a bet not yet settled matches neither. */
  won?: boolean
}

/** A `since` position: the epoch and last offset a client saw. */
export interface Since {
  epoch: string
  offset: number
}

/** A validated client message. */
export type ClientMessage =
  | { type: 'subscribe', channels: Channel[], filters: BetFilters | null, since: Since | null }
  | { type: 'unsubscribe', channels: Channel[] }
  | { type: 'ping' }
  | { type: 'auth', token: string }
  | { type: 'chat.send', message: string }

/** Error codes of `{ type: 'error', data: { code, message } }`. */
export type RealtimeErrorCode =
  | 'INVALID_JSON' | 'UNKNOWN_TYPE' | 'VALIDATION_FAILED' | 'INVALID_CHANNEL' | 'INVALID_FILTER'
  | 'PAYLOAD_TOO_LARGE' | 'TOO_MANY_SUBSCRIPTIONS' | 'UNAUTHORIZED' | 'TOKEN_INVALID' | 'RATE_LIMITED' | 'NOT_READY' | 'INTERNAL'

/** A protocol error to answer with. */
export interface ProtocolError {
  code: RealtimeErrorCode
  message: string
}

const amountPattern = /^\d{1,40}$/
const maxChannelsPerMessage = 64

/** True for a channel name the server knows. */
export function isChannel(value: unknown): value is Channel {
  if (typeof value !== 'string') return false
  if ((fixedChannels as readonly string[]).includes(value)) return true
  return value.startsWith('player:') && isWalletAddress(value.slice(7))
}

const error = (code: RealtimeErrorCode, message: string): ProtocolError => ({ code, message })

/**
 * What a client sent, for an error message: a string cut to `max`, a number, boolean or null as text,
 * anything else by its kind. Never `String(value)` of an object: a client's `{"toString":1}` makes that
 * throw, and a throw here would leave the frame unanswered.
 */
function shown(value: unknown, max: number): string {
  if (typeof value === 'string') return value.slice(0, max)
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value)
  return Array.isArray(value) ? 'an array' : `a value of type ${typeof value}`
}

/** Parses one text frame into a {@link ClientMessage}, or the error to answer with. Never throws. */
export function parseClientMessage(text: string): ClientMessage | ProtocolError {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  }
  catch {
    // The FarePlay server answered bad JSON with this exact message.
    return error('INVALID_JSON', 'Invalid message format')
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return error('INVALID_JSON', 'Invalid message format')
  const msg = raw as Record<string, unknown>
  // FarePlay clients put arguments under `data`; ours put them at the top level. Accept both.
  const args = (typeof msg.data === 'object' && msg.data !== null && !Array.isArray(msg.data) ? msg.data : msg) as Record<string, unknown>
  switch (msg.type) {
    case 'ping':
      return { type: 'ping' }
    case 'subscribe':
    case 'unsubscribe': {
      const channels = parseChannels(args.channels)
      if ('code' in channels) return channels
      if (msg.type === 'unsubscribe') return { type: 'unsubscribe', channels }
      const filters = parseFilters(args.filters)
      if (filters && 'code' in filters) return filters
      const since = parseSince(args.since)
      if (since && 'code' in since) return since
      return { type: 'subscribe', channels, filters, since }
    }
    case 'auth':
      if (typeof args.token !== 'string' || args.token.length === 0 || args.token.length > 4096) return error('VALIDATION_FAILED', 'auth needs a token')
      return { type: 'auth', token: args.token }
    case 'chat.send': {
      if (typeof args.message !== 'string') return error('VALIDATION_FAILED', 'chat.send needs a message')
      const text = chatMessageText(args.message)
      return 'message' in text ? { type: 'chat.send', message: text.message } : error('VALIDATION_FAILED', `message ${text.problem}`)
    }
    default:
      return error('UNKNOWN_TYPE', `Unknown message type: ${shown(msg.type, 40)}`)
  }
}

function parseChannels(value: unknown): Channel[] | ProtocolError {
  const list = typeof value === 'string' ? [value] : value
  if (!Array.isArray(list) || list.length === 0 || list.length > maxChannelsPerMessage) return error('INVALID_CHANNEL', 'channels must be a non-empty list')
  for (const channel of list) {
    if (!isChannel(channel)) return error('INVALID_CHANNEL', `Unknown channel: ${shown(channel, 60)}`)
  }
  return [...new Set(list as Channel[])]
}

function parseFilters(value: unknown): BetFilters | ProtocolError | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'object' || Array.isArray(value)) return error('INVALID_FILTER', 'filters must be an object')
  const f = value as Record<string, unknown>
  const filters: BetFilters = {}
  for (const key of Object.keys(f)) {
    if (!['player', 'game', 'minWager', 'won'].includes(key)) return error('INVALID_FILTER', `Unknown filter: ${key.slice(0, 40)}`)
  }
  if (f.player !== undefined) {
    if (!isWalletAddress(f.player)) return error('INVALID_FILTER', 'filters.player must be a wallet address')
    filters.player = f.player
  }
  if (f.game !== undefined) {
    if (typeof f.game !== 'string' || f.game.length === 0 || f.game.length > 64) return error('INVALID_FILTER', 'filters.game must be a game id')
    filters.game = f.game
  }
  if (f.minWager !== undefined) {
    // A decimal string (money never travels as a JSON number); a safe integer is tolerated.
    const text = typeof f.minWager === 'number' && Number.isSafeInteger(f.minWager) ? String(f.minWager) : f.minWager
    if (typeof text !== 'string' || !amountPattern.test(text)) return error('INVALID_FILTER', 'filters.minWager must be a decimal string of base units')
    filters.minWager = BigInt(text)
  }
  if (f.won !== undefined) {
    if (typeof f.won !== 'boolean') return error('INVALID_FILTER', 'filters.won must be a boolean')
    filters.won = f.won
  }
  return filters
}

function parseSince(value: unknown): Since | ProtocolError | null {
  if (value === undefined || value === null) return null
  const s = value as Record<string, unknown>
  if (typeof value !== 'object' || typeof s.epoch !== 'string' || s.epoch.length > 64
    || typeof s.offset !== 'number' || !Number.isSafeInteger(s.offset) || s.offset < 0) {
    return error('VALIDATION_FAILED', 'since must be { epoch, offset }')
  }
  return { epoch: s.epoch, offset: s.offset }
}
