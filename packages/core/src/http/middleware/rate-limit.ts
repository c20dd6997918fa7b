import type { H3Event } from 'h3'
import { CasinoError } from '../../errors'
import type { RateLimiter, RateLimitResult } from '../../kv/rate-limit'
import type { CasinoLogger } from '../../logger'

/** How often, at most, an unreachable limiter is reported while it stays so. */
const OUTAGE_REPORT_MS = 60_000

/**
 * Counts one request against a fixed window and sets the `X-RateLimit-*` headers; throws
 * `RATE_LIMITED` (429, with `Retry-After`) when the window is spent.
 *
 * When the limiter cannot be reached (its kv, e.g. Redis, is down) the request goes through unlimited
 * and `unavailable` is told (see {@link hitOrPass}).
 */
export async function enforceRateLimit(
  event: H3Event,
  limiter: RateLimiter,
  scope: string,
  id: string,
  rule: { windowMs: number, max: number },
  unavailable: (error: unknown) => void,
): Promise<void> {
  const now = Date.now()
  const result = await hitOrPass(limiter, scope, id, rule, now, unavailable)
  if (!result) return
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

/**
 * One hit of `limiter`, or null when it cannot be reached (its kv is down), after telling `unavailable`:
 * the caller lets the action through. Limits are abuse control (nonces and tokens carry the security),
 * and a kv outage should not turn into an outage of what they guard.
 */
export async function hitOrPass(
  limiter: RateLimiter,
  scope: string,
  id: string,
  rule: { windowMs: number, max: number },
  now: number,
  unavailable: (error: unknown) => void,
): Promise<RateLimitResult | null> {
  try {
    return await limiter.hit(scope, id, rule, now)
  }
  catch (error) {
    unavailable(error)
    return null
  }
}

/**
 * What a casino does when its limiter cannot be reached: a warning at the first failure, then at most
 * one a minute while it lasts, with how many requests went through unlimited since the last one.
 */
export function reportLimiterOutage(logger: CasinoLogger): (error: unknown) => void {
  let reportedAt = Number.NEGATIVE_INFINITY
  let unlimited = 0
  return (error) => {
    unlimited++
    const now = Date.now()
    if (now - reportedAt < OUTAGE_REPORT_MS) return
    logger.warn('rate limiter unavailable: requests go through unlimited', { unlimited, error })
    reportedAt = now
    unlimited = 0
  }
}
