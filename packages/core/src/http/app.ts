import { assertBodySize, H3, type H3Event } from 'h3'
import type { CasinoContext } from '../casino'
import { CasinoError } from '../errors'
import { childLogger } from '../logger'
import { isClientAbort, toErrorResponse } from './errors'
import { requestIp } from './middleware/client-ip'
import { applyCors, toCorsOptions } from './middleware/cors'
import { enforceRateLimit } from './middleware/rate-limit'
import { applySecurityHeaders } from './middleware/security-headers'
import { registerAdminRoutes } from './routes/admin'
import { registerAuthRoutes } from './routes/auth'
import { registerBetRoutes } from './routes/bets'
import { registerCasinoRoutes } from './routes/casino'
import { registerChatRoutes } from './routes/chat'
import { registerHealthRoutes } from './routes/health'
import { registerPlayerRoutes } from './routes/player'

/** The probes (exactly these paths) answer before the casino is ready, which is their point, and are never rate limited. */
const probes = new Set(['/health', '/health/ready', '/api/health', '/api/health/ready'])
const isProbe = (path: string) => probes.has(path)

/**
 * The casino's h3 app: one global middleware (security headers, CORS, per-IP rate limit, readiness,
 * body size), the routes, and one error mapper that turns anything thrown into `{ error: { code, message } }`.
 */
export function createHttpApp(ctx: CasinoContext): H3 {
  const log = childLogger(ctx.logger, 'http')
  const cors = toCorsOptions(ctx.config.cors)
  const { rateLimit, trustProxy, bodyLimit } = ctx.config

  const app = new H3({
    // We log unknown errors ourselves, without the request's headers or body.
    silent: true,
    onError(error, event) {
      if (isClientAbort(error, event.req.signal)) {
        log.debug('client hung up while sending the request', { method: event.req.method, path: event.url.pathname })
        event.res.status = 400
        return { error: { code: 'BAD_REQUEST', message: 'the request was aborted' } }
      }
      const { status, body, internal } = toErrorResponse(error)
      if (internal) log.error('request failed', { method: event.req.method, path: event.url.pathname, error: error.cause ?? error })
      event.res.status = status
      return body
    },
  })

  app.use(async (event: H3Event, next) => {
    applySecurityHeaders(event)
    const preflight = applyCors(event, cors)
    if (preflight) return preflight
    const path = event.url.pathname
    if (!isProbe(path)) {
      if (rateLimit) await enforceRateLimit(event, ctx.rateLimiter, 'ip', requestIp(event, trustProxy), rateLimit.global, ctx.limiterOutage)
      // Closed (a server still draining while the casino shuts down): 503 at once, never the closed store's 500s.
      if (!ctx.state.ready || ctx.state.closed) await waitUntilReady(ctx)
    }
    // Rejects a declared oversized body at once, and caps a streamed one while it is read.
    assertBodySize(event, bodyLimit)
    return next()
  })

  registerHealthRoutes(app, ctx)
  registerAuthRoutes(app, ctx)
  registerCasinoRoutes(app, ctx)
  registerPlayerRoutes(app, ctx)
  registerBetRoutes(app, ctx)
  registerChatRoutes(app, ctx)
  registerAdminRoutes(app, ctx)
  return app
}

async function waitUntilReady(ctx: CasinoContext): Promise<void> {
  if (ctx.state.closed) throw new CasinoError('NOT_READY', 'casino is closed')
  try {
    await ctx.ready
  }
  catch {
    throw new CasinoError('NOT_READY', 'casino failed to start')
  }
}
