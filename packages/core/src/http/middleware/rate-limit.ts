import type { H3Event } from 'h3'
import { CasinoError } from '../../errors'
import type { RateLimiter } from '../../kv/rate-limit'

/**
 * Counts one request against a fixed window and sets the `X-RateLimit-*` headers; throws
 * `RATE_LIMITED` (429, with `Retry-After`) when the window is spent.
 */
export async function enforceRateLimit(
  event: H3Event,
  limiter: RateLimiter,
  scope: string,
  id: string,
  rule: { windowMs: number, max: number },
): Promise<void> {
  const now = Date.now()
  const result = await limiter.hit(scope, id, rule, now)
  const headers = event.res.headers
  headers.set('x-ratelimit-limit', String(result.limit))
  headers.set('x-ratelimit-remaining', String(result.remaining))
  headers.set('x-ratelimit-reset', String(Math.ceil(result.resetAt / 1000)))
  if (!result.allowed) {
    const retryAfter = Math.max(1, Math.ceil((result.resetAt - now) / 1000))
    headers.set('retry-after', String(retryAfter))
    throw new CasinoError('RATE_LIMITED', 'too many requests, slow down', { data: { retryAfter } })
  }
}
