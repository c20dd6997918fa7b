import { Buffer } from 'node:buffer'
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
 * The kv key of one window. The id (an IP, a wallet) is written as base64url: unstorage rewrites keys
 * (it collapses runs of ':', turns '/' into ':' and refuses a '..' segment), so `2001:db8::1` and
 * `2001:db8:1::` would share a window, and an id of `..` would make every hit fail.
 */
export function rateLimitKey(scope: string, id: string): string {
  return `ratelimit:${scope}:${Buffer.from(id).toString('base64url')}`
}

/**
 * Fixed windows in the kv. unstorage has no atomic increment, so hits on one key are serialised
 * inside this process; across processes sharing a kv a burst can slip a few requests past the
 * limit, which is acceptable for abuse control (nonces, not rate limits, carry the security).
 * A hit rejects when the kv does (the caller decides what an unreachable limiter means).
 */
export function createRateLimiter(kv: Storage): RateLimiter {
  const locks = new Map<string, Promise<void>>()
  const serial = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const run = (locks.get(key) ?? Promise.resolve()).then(fn)
    // The lock only orders the hits on a key and never rejects: a failed hit is its caller's to
    // handle, and a rejected lock nobody awaits would end the process (an unhandled rejection).
    const tail = run.then(() => {}, () => {})
    locks.set(key, tail)
    void tail.then(() => {
      if (locks.get(key) === tail) locks.delete(key)
    })
    return run
  }
  return {
    hit(scope, id, rule, now = Date.now()) {
      const key = rateLimitKey(scope, id)
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
