import { isCasinoError } from '../errors'
import type { CasinoEvents } from '../events'
import type { CasinoLogger } from '../logger'
import { postChatMessage } from '../http/post-chat'
import type { CasinoStore } from '../store/types'
import type { Fanout } from './fanout'
import type { HistoryStore } from './history'
import type { Ingest } from './ingest'
import type { ResolvedRealtimeOptions } from './options'
import { bufferBelow, bufferedAmountOf, type PeerState } from './peer-state'
import { type ClientMessage, parseClientMessage, type RealtimeErrorCode } from './protocol'
import type { RateLimiter } from './rate-limit'
import { routeFrame } from './route'

/** How long a replay waits for a client to take what it was sent before cutting it off as a slow consumer. */
const REPLAY_STALL_MS = 10_000
/** Bytes of replays a process holds at once at most (see SessionContext.replaying). */
const REPLAY_BYTES_IN_FLIGHT = 64 * 1024 * 1024
/**
 * Replays one client IP may have in flight at once: one client that stops reading its replays cannot
 * take the whole budget and leave every other client without recovery.
 */
const REPLAYS_PER_IP = 2

/** What a socket's messages are handled with. */
export interface SessionContext {
  events: CasinoEvents
  store: CasinoStore
  history: HistoryStore
  fanout: Fanout
  ingest: Ingest
  options: ResolvedRealtimeOptions
  /** Counts one `chat.send` of a wallet; false when its window is spent (see RealtimeContext.limitChat). */
  limitChat: (wallet: string, now: number) => Promise<boolean>
  /** Recoveries (`since`) per client IP. */
  replayLimiter: RateLimiter
  /**
   * The recoveries this process is sending now: the bytes not sent yet (a paced replay keeps what it
   * read from the history until it is sent: from Redis, a copy per replay), and how many per client IP.
   * Past REPLAY_BYTES_IN_FLIGHT, or REPLAYS_PER_IP of one IP, a new one is answered `recovered: false`,
   * and the client refetches over REST.
   */
  replaying: { bytes: number, perIp: Map<string, number> }
  logger: CasinoLogger
  verifyToken: (token: string) => Promise<VerifiedToken | null>
  /** True when the token with this `jti` was revoked since it was verified (logout). @default never revoked */
  isRevoked?: (jti: string) => Promise<boolean>
}

/** What a verified token says: the wallet, and (for the casino's JWTs) its expiry and id. */
export interface VerifiedToken {
  wallet: string
  /** Unix seconds; past it the socket's authentication ends. */
  exp?: number
  /** The token id, checked for revocation on every chat message. */
  jti?: string
}

const encoder = new TextEncoder()

/** Sends `{ type: 'error', data: { code, message } }`. */
export function sendError(ctx: Pick<SessionContext, 'fanout'>, state: PeerState, code: RealtimeErrorCode, message: string): void {
  ctx.fanout.reply(state, { type: 'error', data: { code, message } })
}

/** Handles one text frame of a socket. Never throws: a bad message is answered, never fatal. */
export async function handleFrame(ctx: SessionContext, state: PeerState, text: string): Promise<void> {
  // Characters never outnumber UTF-8 bytes, so most frames skip the encoding.
  if (text.length > ctx.options.maxFrameBytes || (text.length * 3 > ctx.options.maxFrameBytes && encoder.encode(text).byteLength > ctx.options.maxFrameBytes)) {
    sendError(ctx, state, 'PAYLOAD_TOO_LARGE', `Frames are limited to ${ctx.options.maxFrameBytes} bytes`)
    return
  }
  // Parsing is inside too: a frame that makes anything throw is answered, and the socket's queue moves on.
  let type: string | undefined
  try {
    const message = parseClientMessage(text)
    if ('code' in message) {
      sendError(ctx, state, message.code, message.message)
      return
    }
    type = message.type
    await handleMessage(ctx, state, message)
  }
  catch (error) {
    // What the casino depends on cannot be reached (the kv holding token revocations): the client may try
    // again; not a fault of ours to log as one.
    if (isCasinoError(error) && error.code === 'NOT_READY') {
      ctx.logger.warn('websocket message refused for now', { type, error: error.message })
      sendError(ctx, state, 'NOT_READY', 'Temporarily unavailable, try again')
      return
    }
    ctx.logger.error('websocket message failed', { type, error })
    sendError(ctx, state, 'INTERNAL', 'Internal error')
  }
}

/** Verifies a token and marks the socket authenticated (answering `authenticated` or an error). */
export async function authenticate(ctx: SessionContext, state: PeerState, token: string): Promise<void> {
  const result = await ctx.verifyToken(token).catch(() => null)
  if (!result) {
    // The socket is no longer what it was: a client switching wallets with a bad token must not go on
    // chatting as the one before.
    state.wallet = null
    state.tokenExp = null
    state.tokenJti = null
    sendError(ctx, state, 'TOKEN_INVALID', 'Invalid or expired token')
    return
  }
  state.wallet = result.wallet
  state.tokenExp = typeof result.exp === 'number' ? result.exp : null
  state.tokenJti = typeof result.jti === 'string' ? result.jti : null
  ctx.fanout.reply(state, { type: 'authenticated', data: { wallet: result.wallet } })
}

/**
 * The socket's wallet while its token is still good: a socket outlives the token it authenticated with, so
 * expiry and revocation (logout, possibly on another instance) are checked each time the wallet acts.
 * An expired or revoked token ends the socket's authentication (it may send a fresh `auth`).
 */
async function currentWallet(ctx: SessionContext, state: PeerState, now: number): Promise<string | null> {
  if (!state.wallet) return null
  const expired = state.tokenExp !== null && state.tokenExp * 1000 <= now
  const revoked = !expired && state.tokenJti !== null && ctx.isRevoked !== undefined && await ctx.isRevoked(state.tokenJti)
  if (!expired && !revoked) return state.wallet
  state.wallet = null
  state.tokenExp = null
  state.tokenJti = null
  return null
}

async function handleMessage(ctx: SessionContext, state: PeerState, message: ClientMessage): Promise<void> {
  switch (message.type) {
    case 'ping':
      ctx.fanout.reply(state, { type: 'pong', data: { timestamp: Date.now() } })
      return
    case 'auth':
      await authenticate(ctx, state, message.token)
      return
    case 'unsubscribe':
      ctx.fanout.unsubscribe(state, message.channels)
      ctx.fanout.reply(state, { type: 'unsubscribed', data: { channels: message.channels } })
      return
    case 'subscribe':
      await subscribe(ctx, state, message)
      return
    case 'chat.send': {
      if (!state.wallet) {
        sendError(ctx, state, 'UNAUTHORIZED', 'Authentication required')
        return
      }
      const now = Date.now()
      const wallet = await currentWallet(ctx, state, now)
      if (!wallet) {
        sendError(ctx, state, 'TOKEN_INVALID', 'Token expired or revoked, authenticate again')
        return
      }
      if (!await ctx.limitChat(wallet, now)) {
        sendError(ctx, state, 'RATE_LIMITED', 'Too many chat messages, slow down')
        return
      }
      // What REST's POST /api/chat does: the wallet becomes a player, then the message is stored and emitted.
      await postChatMessage(ctx, wallet, message.message, now)
    }
  }
}

async function subscribe(ctx: SessionContext, state: PeerState, message: Extract<ClientMessage, { type: 'subscribe' }>): Promise<void> {
  if (!ctx.fanout.subscribe(state, message.channels, message.filters)) {
    sendError(ctx, state, 'TOO_MANY_SUBSCRIPTIONS', `At most ${ctx.options.maxSubscriptionsPerPeer} channels per connection`)
    return
  }
  const since = message.since
  if (!since) {
    ctx.fanout.reply(state, { type: 'subscribed', data: { channels: message.channels } })
    return
  }
  // A recovery may read the whole history (MBs from Redis, on the connection the publisher appends on):
  // past its IP's budget the socket goes live without one, and refetches over REST as after any miss.
  if (!ctx.replayLimiter.take(state.ip, Date.now())) {
    ctx.fanout.reply(state, { type: 'subscribed', data: { channels: message.channels, recovered: false } })
    return
  }
  // Live events that arrive while the history is read wait in `pending`; replay and pending are then
  // sent in offset order, and `lastOffset` drops whatever both contain: no gap, no duplicate.
  state.pending ??= []
  let entries: Awaited<ReturnType<HistoryStore['since']>> = null
  try {
    entries = await ctx.history.since(since.epoch, since.offset, Date.now())
  }
  catch (error) {
    ctx.logger.warn('could not read the event history', { error })
  }
  // An epoch this process has not reached yet (it learns of a reset from its next message): the history
  // may hold the events, but the live ones queued here are still of the old epoch, and cannot be matched
  // to offsets of the new. The client refetches and resumes from the `epoch.changed` that follows.
  if (entries && since.epoch !== ctx.ingest.epoch) entries = null
  // The history moved to a new epoch during the read: what it returned belongs to the old one, and the
  // events queued meanwhile were dropped at the change. The client refetches and resumes from the notice.
  const notice = state.epochNotice
  state.epochNotice = null
  if (notice) entries = null
  // What the replay holds until the client has taken it: past the process's bound, no replay.
  let held = 0
  for (const entry of entries ?? []) held += entry.frame.length
  if (ctx.replaying.bytes + held > REPLAY_BYTES_IN_FLIGHT || (ctx.replaying.perIp.get(state.ip) ?? 0) >= REPLAYS_PER_IP) entries = null
  ctx.fanout.reply(state, { type: 'subscribed', data: { channels: message.channels, recovered: entries !== null } })
  if (notice) ctx.fanout.reply(state, { type: 'epoch.changed', data: notice })
  if (entries) {
    state.lastOffset = Math.max(state.lastOffset, since.offset)
    // Paced: a history holds more than one buffer's worth (10,000 events are ~7 MB), and sent at once
    // it cut off as a slow consumer a client that reads as fast as the network lets it. Live events
    // keep waiting in `pending` meanwhile; a client that takes nothing for REPLAY_STALL_MS is cut off.
    const epochChanges = state.epochChanges
    // Our own copy, emptied as it is sent: a sent frame is the socket's, no longer held here. The
    // history's array is let go at once, or it would hold every frame until the end of the replay
    // (from Redis, a copy per replay), whatever the budget was given back.
    const queue: (typeof entries[number] | undefined)[] = entries.slice()
    entries = null
    ctx.replaying.bytes += held
    ctx.replaying.perIp.set(state.ip, (ctx.replaying.perIp.get(state.ip) ?? 0) + 1)
    try {
      for (let i = 0; i < queue.length; i++) {
        // The epoch changed during a wait: the rest is of the old one, and sending it would raise
        // `lastOffset` (which the change set back to 0) over the new epoch's events.
        if (state.closed || state.epochChanges !== epochChanges) break
        const entry = queue[i]!
        queue[i] = undefined
        held -= entry.frame.length
        ctx.replaying.bytes -= entry.frame.length
        const event = routeFrame(entry.frame)
        if (event) ctx.fanout.deliverTo(state, event, true)
        if (!await paced(ctx, state)) return
      }
    }
    finally {
      ctx.replaying.bytes -= held
      const replays = (ctx.replaying.perIp.get(state.ip) ?? 1) - 1
      if (replays > 0) ctx.replaying.perIp.set(state.ip, replays)
      else ctx.replaying.perIp.delete(state.ip)
    }
  }
  // Then what waited behind it, paced the same way (an epoch change empties it, and is told first);
  // live again once it is all out, with no wait between the last send and that.
  for (;;) {
    if (state.closed) return
    const changed = state.epochNotice
    state.epochNotice = null
    if (changed) ctx.fanout.reply(state, { type: 'epoch.changed', data: changed })
    const queued = state.pending ?? []
    if (queued.length === 0) break
    state.pending = []
    state.pendingBytes = 0
    const epochChanges = state.epochChanges
    for (const event of queued) {
      if (state.closed || state.epochChanges !== epochChanges) break
      ctx.fanout.deliverTo(state, event, true)
      if (!await paced(ctx, state)) return
    }
  }
  state.pending = null
  state.pendingBytes = 0
}

/**
 * After a paced send: true at once while the socket's buffer is within the limit, else once the client
 * took it down to half; false, the socket cut off as a slow consumer, when it took nothing for
 * REPLAY_STALL_MS (or the socket closed).
 */
async function paced(ctx: SessionContext, state: PeerState): Promise<boolean> {
  const limit = ctx.options.maxBufferedBytes
  if (bufferedAmountOf(state) <= limit) return !state.closed
  if (await bufferBelow(state, limit / 2, REPLAY_STALL_MS)) return true
  ctx.fanout.cutOff(state)
  return false
}
