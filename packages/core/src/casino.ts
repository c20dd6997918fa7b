import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Hooks } from 'crossws'
import type { H3 } from 'h3'
import { toNodeHandler } from 'h3/node'
import type { Storage } from 'unstorage'
import { createTokenService, type TokenService } from './auth/tokens'
import { type CasinoConfig, resolveConfig, type ResolvedCasinoConfig } from './config'
import { type CasinoEvents, createCasinoEvents } from './events'
import { createGameRegistry, type GameRegistry } from './games/registry'
import { createHttpApp } from './http/app'
import { createResponseCache, type ResponseCache } from './http/cache'
import { createRateLimiter, type RateLimiter } from './kv/rate-limit'
import { createMemoryKv } from './kv/storage'
import { type CasinoLogger, childLogger } from './logger'
import { memoryStore } from './store/memory'
import type { CasinoStore } from './store/types'

/**
 * What the indexer module hands back (`createIndexer(ctx)` in packages/core/src/indexer). Typed loosely
 * here so that the casino can stop it and report it in /health/ready before that module exists.
 */
export interface CasinoIndexerHandle {
  start(): Promise<void>
  stop(): Promise<void>
  /** Anything JSON-safe; `ok: false` (or `healthy: false`) makes /health/ready answer 503. */
  status(): unknown
}

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
  /** Aggregate responses; cleared whenever bets change. */
  cache: ResponseCache
  indexer: CasinoIndexerHandle | null
  state: CasinoState
  /** Resolves when the store is migrated; requests wait for it. */
  ready: Promise<void>
}

/** A running HTTP server from {@link Casino.listen}. */
export interface CasinoServer {
  /** The node:http server: the realtime module attaches the WebSocket upgrade to it. */
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
  /** Web standard handler. */
  fetch: (request: Request) => Promise<Response>
  /** Node `(req, res)` handler, for any node:http compatible server. */
  handler: (req: IncomingMessage, res: ServerResponse) => void
  /** crossws hooks; filled by the realtime module. */
  websocket: Partial<Hooks>
  indexer: CasinoIndexerHandle | null
  store: CasinoStore
  events: CasinoEvents
  kv: Storage
  config: ResolvedCasinoConfig
  /** Resolves once the store is migrated. Rejects when setup failed (requests then answer 503). */
  ready: Promise<void>
  /** Stops the indexer, closes servers and the store. Idempotent. */
  close(): Promise<void>
  /** Serves HTTP on one node:http server. `port: 0` picks a free port. */
  listen(options?: { port?: number, host?: string }): Promise<CasinoServer>
}

/**
 * Creates a casino. Synchronous: slow setup (migrations) runs behind `ready`, and every request but
 * the liveness probe waits for it. An invalid config throws `CasinoError('INVALID_CONFIG')` here.
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

  const ready = (async () => {
    await store.migrate()
    // The indexer module starts here once it exists: `await ctx.indexer?.start()`.
  })()
  ready.then(
    () => { state.ready = true },
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
    tokens: createTokenService({ secret: config.auth.jwtSecret, issuer: config.slug, audience: config.auth.domain, ttl: config.auth.tokenTtl, kv }),
    rateLimiter: createRateLimiter(kv),
    cache: createResponseCache(config.cacheTtlMs),
    // Seam for the indexer module: `config.indexer ? createIndexer(ctx) : null`.
    indexer: null,
    state,
    ready,
  }
  // Aggregates are cached briefly; anything that changes bets or players invalidates them at once.
  for (const type of ['bet.placed', 'bet.settled', 'jackpot.won', 'player.joined'] as const) {
    events.on(type, () => ctx.cache.clear())
  }

  const app = createHttpApp(ctx)
  const handler = toNodeHandler(app) as (req: IncomingMessage, res: ServerResponse) => void
  const servers = new Set<CasinoServer>()
  let closing: Promise<void> | undefined

  return {
    app,
    fetch: request => Promise.resolve(app.fetch(request)),
    handler,
    // Seam for the realtime module: `createWebSocketHooks(ctx)` from ./ws/hooks replaces this.
    websocket: {},
    indexer: ctx.indexer,
    store,
    events,
    kv,
    config,
    ready,
    close() {
      closing ??= (async () => {
        state.closed = true
        await ready.catch(() => {})
        await ctx.indexer?.stop().catch((error: unknown) => logger.error('indexer failed to stop', { error }))
        await Promise.all([...servers].map(s => s.close()))
        await store.close().catch((error: unknown) => logger.error('store failed to close', { error }))
        if (ownKv) await kv.dispose().catch(() => {})
      })()
      return closing
    },
    listen(options = {}) {
      return listen(handler, options, servers)
    },
  }
}

function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  options: { port?: number, host?: string },
  servers: Set<CasinoServer>,
): Promise<CasinoServer> {
  const server = createServer(handler)
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
