import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Hooks } from 'crossws'
import type { H3 } from 'h3'
import type { Storage } from 'unstorage'
import { createTokenService, storeLedger, type TokenService } from './auth/tokens'
import { type CasinoConfig, resolveConfig, type ResolvedCasinoConfig } from './config'
import { type CasinoEvents, createCasinoEvents } from './events'
import { createGameRegistry, type GameRegistry } from './games/registry'
import { answerClientError } from './http/client-error'
import { createHttpApp } from './http/app'
import { createResponseCache, type ResponseCache } from './http/cache'
import { createFetchHandler, createNodeHandler, type FetchContext } from './http/host-handlers'
import { hitOrPass, reportLimiterOutage } from './http/middleware/rate-limit'
import { createIndexer } from './indexer/indexer'
import { createRateLimiter, type RateLimiter } from './kv/rate-limit'
import { createMemoryKv } from './kv/storage'
import { type CasinoIndexer, createIndexerSupervisor } from './leader'
import { type CasinoLogger, childLogger } from './logger'
import { memoryStore } from './store/memory'
import type { CasinoStore } from './store/types'
import { createRealtime, type Realtime } from './ws/realtime'

/** Lifecycle flags shared by the modules of one casino. */
export interface CasinoState {
  ready: boolean
  /** Why `ready` rejected, if it did. */
  error: unknown
  closed: boolean
}

/** What the modules of one casino (HTTP, WebSocket, indexer) share. */
export interface CasinoContext {
  config: ResolvedCasinoConfig
  store: CasinoStore
  kv: Storage
  events: CasinoEvents
  logger: CasinoLogger
  games: GameRegistry
  tokens: TokenService
  rateLimiter: RateLimiter
  /** Told when {@link CasinoContext.rateLimiter} cannot be reached (the request then goes through unlimited). */
  limiterOutage: (error: unknown) => void
  /** Aggregate responses; cleared whenever bets change. */
  cache: ResponseCache
  indexer: CasinoIndexer | null
  /** The live stream; null when `realtime: false`. */
  realtime: Realtime | null
  state: CasinoState
  /** Resolves when the store is migrated; requests wait for it. */
  ready: Promise<void>
}

/** A running HTTP server from {@link Casino.listen}. */
export interface CasinoServer {
  /** The node:http server; it also serves the WebSocket upgrade at `/ws`. */
  server: Server
  /** e.g. `http://127.0.0.1:3000`. */
  url: string
  port: number
  close(): Promise<void>
}

/** A casino: an h3 app with its store, kv, event bus and lifecycle. */
export interface Casino {
  /** The h3 v2 app: mount it, or add routes to it. */
  app: H3
  /**
   * Web standard handler. `context` gives the client's address for per-IP rate limits where the request
   * has none: `{ ip }`, or Hono's `env` on @hono/node-server (which `hono.mount('/', casino.fetch)` passes).
   */
  fetch: (request: Request, context?: FetchContext) => Promise<Response>
  /**
   * Node `(req, res)` handler, for any node:http compatible server. A body a host parsed before it
   * (`express.json()`) is taken from `req.body`.
   */
  handler: (req: IncomingMessage, res: ServerResponse) => void
  /** crossws hooks of the live stream (empty when `realtime: false`): mount them in another server. */
  websocket: Partial<Hooks>
  /** The live stream: its Node `handleUpgrade`, `clients()`, `publish()`; null when `realtime: false`. */
  realtime: Realtime | null
  /** The indexer (leader-aware); null without `rpcUrl` or with `indexer: false`. */
  indexer: CasinoIndexer | null
  store: CasinoStore
  events: CasinoEvents
  kv: Storage
  config: ResolvedCasinoConfig
  /** Resolves once the store is migrated. Rejects when setup failed (requests then answer 503). */
  ready: Promise<void>
  /**
   * Stops the indexer (releasing leadership, then closing the leader if it has `close()`), closes the live
   * stream, the servers and the store. A `pubsub` or `history` you passed stays open. Idempotent.
   */
  close(): Promise<void>
  /** Serves HTTP and the WebSocket upgrade on one node:http server. `port: 0` picks a free port. */
  listen(options?: { port?: number, host?: string }): Promise<CasinoServer>
}

/**
 * `chat.send`'s budget counted in the kv, as REST's limits are: a wallet's sockets on several instances
 * sharing a kv share one budget. A kv that cannot be reached lets the message through (and is reported),
 * as it lets requests through.
 */
function kvChatLimit(limiter: RateLimiter, rule: { messages: number, windowMs: number }, outage: (error: unknown) => void) {
  return async (wallet: string, now: number): Promise<boolean> =>
    (await hitOrPass(limiter, 'ws-chat', wallet, { max: rule.messages, windowMs: rule.windowMs }, now, outage))?.allowed ?? true
}

/**
 * Creates a casino. Synchronous: slow setup (migrations) runs behind `ready`, and every request but
 * the health probes waits for it. An invalid config throws `CasinoError('INVALID_CONFIG')` here.
 */
export function createCasino(input: CasinoConfig): Casino {
  const config = resolveConfig(input)
  const logger = config.logger
  const store = input.store ?? memoryStore()
  const ownKv = !input.kv
  const kv = input.kv ?? createMemoryKv()
  const eventsLog = childLogger(logger, 'events')
  const events = createCasinoEvents((error, type) => eventsLog.error('event listener failed', { type, error }))
  const state: CasinoState = { ready: false, error: undefined, closed: false }
  const tokens = createTokenService({ secret: config.auth.jwtSecret, issuer: config.slug, audience: config.auth.domain, ttl: config.auth.tokenTtl, kv, ledger: storeLedger(store) })
  const rateLimiter = createRateLimiter(kv)
  const limiterOutage = reportLimiterOutage(childLogger(logger, 'http'))

  const realtimeOptions = config.realtime
  const realtime = realtimeOptions
    ? createRealtime({
        events,
        store,
        ...(input.pubsub ? { pubsub: input.pubsub } : {}),
        ...(input.history ? { history: input.history } : {}),
        // The casino's own JWTs: `sub` is the wallet; a revoked (logged out) token is refused, and a socket
        // keeps `exp` and `jti` so that logout or expiry also ends its chat rights.
        verifyToken: token => tokens.verify(token).then(claims => ({ wallet: claims.sub, exp: claims.exp, jti: claims.jti }), () => null),
        isRevoked: jti => tokens.isRevoked(jti),
        limitChat: kvChatLimit(rateLimiter, realtimeOptions.chatRateLimit, limiterOutage),
        logger: childLogger(logger, 'ws'),
        options: realtimeOptions,
      })
    : null

  const indexerOptions = config.indexer
  const indexerLog = childLogger(logger, 'indexer')
  const indexer = indexerOptions
    ? createIndexerSupervisor({
        // A fresh indexer per leadership term: it resumes from the durable cursor.
        // The published mark waits for the realtime history: a crash before it re-publishes, never skips.
        create: view => createIndexer({ store: view, events, logger: indexerLog, config: indexerOptions, ...(realtime ? { delivered: () => realtime.flush() } : {}) }),
        store,
        leader: input.leader ?? null,
        retryMs: config.leaderRetryMs,
        stallMs: config.indexerStallMs,
        logger: indexerLog,
      })
    : null

  const ready = (async () => {
    await Promise.all([store.migrate(), realtime?.ready])
  })()
  ready.then(
    () => {
      state.ready = true
      // Not awaited by `ready`: requests never wait for the indexer, let alone its catch-up.
      if (!state.closed) indexer?.start().catch((error: unknown) => indexerLog.error('indexer failed to start', { error }))
    },
    (error: unknown) => {
      state.error = error
      logger.error('casino failed to start', { error })
    },
  )

  const ctx: CasinoContext = {
    config,
    store,
    kv,
    events,
    logger,
    games: createGameRegistry(config.games),
    tokens,
    rateLimiter,
    limiterOutage,
    cache: createResponseCache(config.cacheTtlMs),
    indexer,
    realtime,
    state,
    ready,
  }
  // Aggregates are cached briefly; anything that changes bets or players invalidates them at once.
  for (const type of ['bet.placed', 'bet.settled', 'jackpot.won', 'player.joined'] as const) {
    events.on(type, () => ctx.cache.clear())
  }

  const app = createHttpApp(ctx)
  if (realtime) app.use('/api/casino/stats', withOnlinePlayers(realtime))
  const httpLog = childLogger(logger, 'http')
  const handler = createNodeHandler(app, {
    bodyLimit: config.bodyLimit,
    onAborted: req => httpLog.debug('client hung up while sending the request', { method: req.method, path: req.url?.split('?')[0] }),
  })
  const upgrade = realtime?.handleUpgrade ?? null
  const servers = new Set<CasinoServer>()
  let closing: Promise<void> | undefined

  return {
    app,
    fetch: createFetchHandler(app),
    handler,
    websocket: realtime?.hooks ?? {},
    realtime,
    indexer,
    store,
    events,
    kv,
    config,
    ready,
    close() {
      closing ??= (async () => {
        state.closed = true
        await ready.catch(() => {})
        // The indexer first (it publishes), then the stream (it reads the store), the servers, the store.
        await indexer?.stop().catch((error: unknown) => logger.error('indexer failed to stop', { error }))
        // Released by stop(); its connection (postgresLeader, redisLeader) is closed with the casino, like the store.
        const leaderClose = (input.leader as { close?: () => Promise<void> } | undefined)?.close
        if (leaderClose) await leaderClose.call(input.leader).catch((error: unknown) => logger.warn('leader failed to close', { error }))
        await realtime?.close().catch((error: unknown) => logger.error('realtime failed to close', { error }))
        await Promise.all([...servers].map(s => s.close()))
        await store.close().catch((error: unknown) => logger.error('store failed to close', { error }))
        if (ownKv) await kv.dispose().catch(() => {})
      })()
      return closing
    },
    listen(options = {}) {
      return listen(handler, upgrade, options, servers)
    },
  }
}

/**
 * Adds `onlinePlayers` (sockets connected to THIS instance) to `/api/casino/stats`. Spliced into the
 * route's already serialised JSON, so the cached text is not parsed again on every request.
 */
function withOnlinePlayers(realtime: Realtime) {
  return async (_event: unknown, next: () => unknown) => {
    const body = await next()
    if (typeof body !== 'string' || !body.endsWith('}')) return body
    return `${body.slice(0, -1)},"onlinePlayers":${realtime.clients()}}`
  }
}

function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  upgrade: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | null,
  options: { port?: number, host?: string },
  servers: Set<CasinoServer>,
): Promise<CasinoServer> {
  const server = createServer(handler)
  // HTTP and the live stream share one port: the upgrade of `/ws` goes to the realtime module.
  if (upgrade) server.on('upgrade', upgrade)
  // What Node's parser refuses gets a JSON error too, not a bare status line.
  server.on('clientError', answerClientError)
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 3000, options.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      const address = server.address() as AddressInfo
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
      let closed: Promise<void> | undefined
      const handle: CasinoServer = {
        server,
        port: address.port,
        url: `http://${host}:${address.port}`,
        close() {
          closed ??= new Promise<void>((done) => {
            servers.delete(handle)
            server.close(() => done())
            // Idle keep-alive sockets would hold close() open until they time out.
            server.closeIdleConnections()
          })
          return closed
        },
      }
      servers.add(handle)
      resolve(handle)
    })
  })
}
