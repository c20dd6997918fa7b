import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { defineHooks, type Hooks, type Peer } from 'crossws'
import type { NodeAdapter } from 'crossws/adapters/node'
import { consola } from 'consola'
import { CasinoError } from '../errors'
import { clientIp } from '../http/client-ip'
import { ipLimitKey } from '../http/ip-limit-key'
import { isWebSocketUpgrade, serveAsHttp } from '../http/serve-as-http'
import { answerAndClose, emptyResponse, guardErrors } from '../http/socket-answer'
import type { CasinoEventMap, CasinoEvents, CasinoEventType } from '../events'
import type { CasinoLogger } from '../logger'
import { memoryPubSub } from '../pubsub/memory'
import type { PubSub } from '../pubsub/types'
import type { CasinoStore } from '../store/types'
import { createBacklog } from './backlog'
import { createFanout, SLOW_CONSUMER_CLOSE } from './fanout'
import { type HistoryStore, UNSHARED_HISTORY } from './history'
import { createIngest } from './ingest'
import { memoryHistory } from './memory-history'
import { type RealtimeOptions, resolveRealtimeOptions } from './options'
import { createPeerState, type PeerState, releaseUpgradeRequest } from './peer-state'
import { createPublisher } from './publisher'
import { createRateLimiter } from './rate-limit'
import { authenticate, handleFrame, type SessionContext, type VerifiedToken } from './session'

/** Close code for a socket whose waiting frames passed `maxPendingFrames` or `maxPendingBytes`: 1008 (policy violation). */
export const PENDING_OVERFLOW_CLOSE = 1008

/**
 * How long a peer sent a close frame (slow consumer, over the per-IP cap, shutdown) has to answer it
 * before its connection is cut.
 */
const CLOSE_GRACE_MS = 1000

/** What {@link createRealtime} is built from; `createCasino` passes its own. */
export interface RealtimeContext {
  /** The casino's event bus: every event emitted on it in THIS process is published to every process. */
  events: CasinoEvents
  store: CasinoStore
  /** Carries events between processes. @default memoryPubSub() (one process) */
  pubsub?: PubSub
  /** Offsets and recovery history; must be shared when `pubsub` is. @default memoryHistory(size, maxAge) */
  history?: HistoryStore
  /**
   * Checks a JWT; the casino's sign-in tokens carry the wallet as `sub`. Return `exp` (unix seconds) and
   * `jti` too, so that a socket loses its rights when the token expires or (with `isRevoked`) is revoked.
   */
  verifyToken: (token: string) => Promise<VerifiedToken | null>
  /** True when the token with this `jti` was revoked (logout); checked on every `chat.send`. @default never */
  isRevoked?: (jti: string) => Promise<boolean>
  /**
   * Counts one `chat.send` of `wallet` against `options.chatRateLimit`; false when its window is spent.
   * `createCasino` counts in its kv, so instances that share a kv share each wallet's budget.
   * @default counted in this process
   */
  limitChat?: (wallet: string, now: number) => Promise<boolean>
  logger?: CasinoLogger
  options?: RealtimeOptions
}

/** The realtime stream of a casino: crossws hooks, a Node upgrade handler and the publishing side. */
export interface Realtime {
  /** crossws hooks: mount with any crossws adapter or an h3 WebSocket route. */
  readonly hooks: Partial<Hooks>
  /**
   * A Node `upgrade` listener: `server.on('upgrade', realtime.handleUpgrade)`. Upgrades WebSocket requests
   * for `options.path` and answers any other path with 404 (route first if the server has other
   * WebSockets). A request that asks for another protocol (`Upgrade: h2c`) goes back to the server's
   * request handler as plain HTTP/1.1.
   */
  readonly handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void
  /** Resolves when the history position is loaded and the PubSub subscribed; sockets wait for it. */
  readonly ready: Promise<void>
  /** Emits an event on the bus, so it is stored in history and delivered like any other (e.g. chat). */
  publish<T extends CasinoEventType>(type: T, payload: CasinoEventMap[T]): void
  /** Sockets connected to this process. */
  clients(): number
  /** The current position of the stream, as sent in `connection.established`. */
  position(): { epoch: string, offset: number }
  /** Resolves when every event emitted so far is published. */
  flush(): Promise<void>
  /** Stops publishing, unsubscribes, closes every socket (1001). Leaves the PubSub (yours) open. */
  close(): Promise<void>
}

/**
 * Creates the realtime stream. Synchronous, like `createCasino`: the slow part is behind `ready`.
 *
 * Event flow: an event on `ctx.events` -> serialised once -> history (offset, epoch) -> PubSub ->
 * every process's ingest (ordered, gap-filled) -> the same bytes to each matching socket.
 */
export function createRealtime(ctx: RealtimeContext): Realtime {
  if (ctx.pubsub && !ctx.history) throw new CasinoError('INVALID_CONFIG', `history: ${UNSHARED_HISTORY}`, { data: { field: 'history' } })
  const options = resolveRealtimeOptions(ctx.options)
  const logger = ctx.logger ?? consola.withTag('fare').withTag('ws')
  const pubsub = ctx.pubsub ?? memoryPubSub({ onError: error => logger.error('event listener failed', { error }) })
  const history = ctx.history ?? memoryHistory({ size: options.historySize, maxAge: options.historyMaxAge })
  const ipCounts = new Map<string, number>()

  const fanout = createFanout({
    maxSubscriptions: options.maxSubscriptionsPerPeer,
    maxBufferedBytes: options.maxBufferedBytes,
    onSlow: (state) => {
      logger.info('closing a slow websocket consumer', { clientId: state.id })
      closeThenCut(state.peer, SLOW_CONSUMER_CLOSE, 'slow consumer')
    },
  })
  const states = fanout.peers
  /** Peers refused at open (the per-IP cap): in no count, so cut if they do not go by themselves. */
  const refused = new Set<Peer>()
  /** Resolves when the last open peer has gone (see `close`). */
  let allGone: (() => void) | null = null
  /**
   * Sends a close frame, and cuts the connection after CLOSE_GRACE_MS if the peer has not answered it:
   * one that stopped reading never does, and `ws` would wait 30 s for it, holding `server.close()`.
   */
  const closeThenCut = (peer: Peer, code: number, reason: string): void => {
    peer.close(code, reason)
    setTimeout(() => {
      if (states.has(peer) || refused.has(peer)) peer.terminate()
    }, CLOSE_GRACE_MS).unref?.()
  }
  // Client ids: this process's random prefix and a counter (crossws's per-peer UUID costs memory per socket).
  const instanceId = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36)
  let peerSeq = 0
  const ingest = createIngest({
    history,
    fanout,
    logger,
    // Event frames do not carry the epoch: a live socket is told, so that it resumes from the new one
    // (and refetches what the old one may have given up). A socket not greeted yet learns it from its
    // `connection.established`; one in a replay, once the replay answers (see session.ts).
    onEpochChange: (epoch, offset) => {
      for (const state of states.values()) {
        state.epochChanges++
        if (!state.greeted) continue
        if (state.pending) {
          // Queued events of the old epoch: the replay is answered `recovered: false` (or, under way,
          // stops), the client refetches.
          state.pending.length = 0
          state.pendingBytes = 0
          state.epochNotice = { epoch, offset }
        }
        else fanout.reply(state, { type: 'epoch.changed', data: { epoch, offset } })
      }
    },
  })
  const publisher = createPublisher({
    events: ctx.events,
    history,
    pubsub,
    channel: options.channel,
    logger,
    retry: { retries: options.publishRetries, delay: options.publishRetryDelay, maxQueue: options.maxPublishQueue },
    decorate: (type, payload) => (type === 'stats.updated' && (payload as CasinoEventMap['stats.updated']).onlinePlayers === undefined
      ? { ...payload, onlinePlayers: states.size }
      : payload),
  })
  // Without a shared budget, chat is counted in this process.
  const localChat = ctx.limitChat ? undefined : createRateLimiter(options.chatRateLimit.messages, options.chatRateLimit.windowMs)
  const session: SessionContext = {
    events: ctx.events,
    store: ctx.store,
    history,
    fanout,
    ingest,
    options,
    limitChat: ctx.limitChat ?? (async (wallet, now) => localChat!.take(wallet, now)),
    replayLimiter: createRateLimiter(options.replayRateLimit.replays, options.replayRateLimit.windowMs),
    replaying: { bytes: 0, perIp: new Map() },
    logger,
    verifyToken: ctx.verifyToken,
    ...(ctx.isRevoked ? { isRevoked: ctx.isRevoked } : {}),
  }

  let unsubscribe: (() => Promise<void>) | null = null
  let closed = false
  const ready = (async () => {
    // Subscribe first, then read the head: a message arriving in between is either at or below the head
    // (ignored) or above it (delivered), never lost.
    const off = await pubsub.subscribe(options.channel, message => ingest.handle(message))
    if (closed) {
      await off()
      return
    }
    unsubscribe = off
    await ingest.init()
  })()
  ready.catch(error => logger.error('realtime stream failed to start', { error }))

  const sweep = setInterval(() => {
    const now = Date.now()
    for (const state of states.values()) {
      if (now - state.lastSeen > options.idleTimeout) state.peer.terminate()
      else state.peer.ping()
    }
    localChat?.prune(now)
    session.replayLimiter.prune(now)
  }, options.pingInterval)
  sweep.unref?.()

  // One message at a time per socket, in arrival order; no promise is kept per idle socket.
  const run = async (state: PeerState, text: string) => {
    state.busy = true
    await handleFrame(session, state, text)
    await drain(state)
  }
  // handleFrame never throws; should that ever break, one socket's frame must not become an unhandled
  // rejection, which ends a Node process by default.
  const unexpected = (error: unknown) => logger.error('websocket frame handling failed', { error })
  const drain = async (state: PeerState) => {
    state.busy = true
    while (state.backlog && !state.closed) {
      const next = state.backlog.take()
      if (state.backlog.size === 0) state.backlog = null
      if (next !== undefined) await handleFrame(session, state, next)
    }
    state.busy = false
  }
  /** Queues a frame behind the one being handled; a socket that floods past the bounds is closed. */
  const enqueue = (state: PeerState, text: string, bytes: number) => {
    state.backlog ??= createBacklog(options.maxPendingFrames, options.maxPendingBytes)
    if (state.backlog.push(text, bytes)) return
    logger.info('closing a websocket that floods messages', { clientId: state.id, pending: state.backlog.size })
    state.closed = true
    state.backlog = null
    closeThenCut(state.peer, PENDING_OVERFLOW_CLOSE, 'too many pending messages')
  }

  const hooks = defineHooks({
    open(peer) {
      const now = Date.now()
      // Counted as the REST limits count it: an IPv6 client by its /64.
      const ip = ipLimitKey(clientIp(peer.request?.headers, peer.remoteAddress, options.trustProxy))
      const count = (ipCounts.get(ip) ?? 0) + 1
      if (count > options.maxConnectionsPerIp) {
        refused.add(peer)
        closeThenCut(peer, 1008, 'too many connections')
        return
      }
      ipCounts.set(ip, count)
      const state = createPeerState(peer, `${instanceId}-${(++peerSeq).toString(36)}`, ip, now)
      fanout.add(state)
      const token = tokenFromUrl(peer.request?.url)
      releaseUpgradeRequest(peer)
      // Frames that arrive before the hello is sent wait in the backlog, like during any other message.
      state.busy = true
      void ready.then(async () => {
        fanout.reply(state, { type: 'connection.established', data: { clientId: state.id, timestamp: Date.now(), epoch: ingest.epoch, offset: ingest.offset } })
        state.greeted = true
        if (token) await authenticate(session, state, token)
      }).catch(() => {}).then(() => drain(state)).catch(unexpected)
    },
    message(peer, message) {
      const state = states.get(peer)
      if (!state || state.closed) return
      state.lastSeen = Date.now()
      const text = frameText(message)
      if (state.busy) enqueue(state, text, byteLengthOf(message.rawData, text))
      else void run(state, text).catch(unexpected)
    },
    pong(peer) {
      const state = states.get(peer)
      if (state) state.lastSeen = Date.now()
    },
    ping(peer) {
      const state = states.get(peer)
      if (!state) return
      state.lastSeen = Date.now()
      // ws has queued a pong: a client that pings without reading fills its buffer with them.
      fanout.check(state)
    },
    close(peer) {
      refused.delete(peer)
      const state = states.get(peer)
      if (!state) return
      state.closed = true
      fanout.remove(state)
      const count = (ipCounts.get(state.ip) ?? 1) - 1
      if (count <= 0) ipCounts.delete(state.ip)
      else ipCounts.set(state.ip, count)
      if (states.size === 0) allGone?.()
    },
    error(peer, error) {
      logger.debug('websocket error', { clientId: states.get(peer)?.id, error: error.message })
    },
  })

  let adapter: Promise<NodeAdapter> | null = null
  const nodeAdapter = () => adapter ??= import('crossws/adapters/node').then(({ default: create }) => create({
    hooks,
    // Our own sweep pings and drops idle peers with the configured interval and timeout.
    idleTimeout: 0,
    serverOptions: {
      // Frames up to 4x the limit get a PAYLOAD_TOO_LARGE answer; beyond, ws closes with 1009 unread.
      maxPayload: options.maxFrameBytes * 4,
      perMessageDeflate: false,
      clientTracking: false,
    },
  }))

  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // `Upgrade: h2c` and the like are plain requests to the server's routes, whatever their path.
    if (!isWebSocketUpgrade(req) && serveAsHttp(req, socket, head)) return
    const path = (req.url ?? '/').split('?')[0]
    if (path !== options.path || closed) {
      answerAndClose(socket, emptyResponse('404 Not Found'))
      return
    }
    // crossws builds the request's URL from the Host header and answered a bare 500 when it could not
    // (`Host: a b`): a client's mistake, answered like any bad request.
    if (!URL.canParse(`http://${req.headers.host || 'localhost'}${req.url ?? '/'}`)) {
      const body = JSON.stringify({ error: { code: 'BAD_REQUEST', message: 'invalid Host header or request target' } })
      answerAndClose(socket, `HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
      return
    }
    // Until ws takes the socket (after crossws's adapter loads, the first time), a reset is ours to catch.
    const unguard = guardErrors(socket)
    nodeAdapter()
      .then((adapter) => {
        unguard()
        return adapter.handleUpgrade(req, socket, head)
      })
      .catch((error) => {
        logger.error('websocket upgrade failed', { error })
        socket.destroy()
      })
  }

  return {
    hooks,
    handleUpgrade,
    ready,
    publish(type, payload) {
      ctx.events.emit(type, payload)
    },
    clients: () => states.size,
    position: () => ({ epoch: ingest.epoch, offset: ingest.offset }),
    flush: () => publisher.flush(),
    async close() {
      if (closed) return
      closed = true
      clearInterval(sweep)
      await publisher.close()
      await ready.catch(() => {})
      await unsubscribe?.()
      if (adapter) await (await adapter).close(1001, 'server shutting down')
      for (const state of states.values()) state.peer.close(1001, 'server shutting down')
      // Peers that stopped reading never answer the close frame, and `ws` waits 30 s for each (a
      // deploy's kill timeout is shorter): what has not gone within the grace period is cut.
      if (states.size > 0) {
        await new Promise<void>((resolve) => {
          allGone = resolve
          setTimeout(resolve, CLOSE_GRACE_MS).unref?.()
        })
      }
      for (const peer of [...states.keys(), ...refused]) peer.terminate()
      if (!ctx.history) await history.close()
      if (!ctx.pubsub) await pubsub.close()
    },
  }
}

/** The `token` query parameter of an upgrade URL, if any. */
function tokenFromUrl(url: string | undefined): string | null {
  if (!url) return null
  const query = url.indexOf('?')
  if (query < 0) return null
  return new URLSearchParams(url.slice(query + 1)).get('token')
}

/** Bytes of a received frame: the raw buffer's length when the runtime gives one, else the text's length. */
/** Decodes frames strictly: invalid UTF-8 is refused, never read with U+FFFD in its place. */
const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Not JSON (a lone noncharacter), so that the frame is answered `INVALID_JSON` like any other bad frame:
 * what a frame of invalid UTF-8 reads as.
 */
const UNREADABLE_FRAME = '\uFFFF'

/**
 * A frame's text. `ws` checks the UTF-8 of text frames only: a binary frame's bytes decoded leniently
 * would store a chat message with U+FFFD where the sender's bytes were, where REST answers 400.
 */
function frameText(message: { text(): string, rawData: unknown }): string {
  const raw = message.rawData
  if (!(raw instanceof Uint8Array || raw instanceof ArrayBuffer)) return message.text()
  try {
    return utf8.decode(raw)
  }
  catch {
    return UNREADABLE_FRAME
  }
}

function byteLengthOf(raw: unknown, text: string): number {
  const length = (raw as { byteLength?: unknown } | null | undefined)?.byteLength
  return typeof length === 'number' ? length : text.length
}
