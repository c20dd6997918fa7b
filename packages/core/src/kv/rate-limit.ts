import type { Storage } from 'unstorage'

/** The outcome of one hit on a fixed-window limit. */
export interface RateLimitResult {
  allowed: boolean
  limit: number
  remaining: number
  /** Unix ms when the window ends. */
  resetAt: number
}

/** A fixed-window counter keyed by scope and identity (IP or wallet), kept in the kv. */
export interface RateLimiter {
  hit(scope: string, id: string, rule: { windowMs: number, max: number }, now?: number): Promise<RateLimitResult>
}

interface Window {
  count: number
  resetAt: number
}

/**
 * Fixed windows in the kv. unstorage has no atomic increment, so hits on one key are serialised
 * inside this process; across processes sharing a kv a burst can slip a few requests past the
 * limit, which is acceptable for abuse control (nonces, not rate limits, carry the security).
 */
export function createRateLimiter(kv: Storage): RateLimiter {
  const locks = new Map<string, Promise<unknown>>()
  const serial = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const run = (locks.get(key) ?? Promise.resolve()).then(fn, fn)
    const tail = run.finally(() => {
      if (locks.get(key) === tail) locks.delete(key)
    })
    locks.set(key, tail)
    return run
  }
  return {
    hit(scope, id, rule, now = Date.now()) {
      const key = `ratelimit:${scope}:${id}`
      return serial(key, async () => {
        const current = await kv.getItem<Window>(key)
        const window: Window = current && typeof current.resetAt === 'number' && current.resetAt > now
          ? { count: current.count + 1, resetAt: current.resetAt }
          : { count: 1, resetAt: now + rule.windowMs }
        await kv.setItem(key, window as never, { ttl: Math.max(1, Math.ceil((window.resetAt - now) / 1000)) })
        return {
          allowed: window.count <= rule.max,
          limit: rule.max,
          remaining: Math.max(0, rule.max - window.count),
          resetAt: window.resetAt,
        }
      })
    },
  }
}
