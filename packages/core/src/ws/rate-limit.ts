/** A fixed-window counter per key (a wallet): `take` answers whether one more action fits in the window. */
export interface RateLimiter {
  take(key: string, now: number): boolean
  /** Forgets windows that ended (called from the keep-alive sweep so the map does not grow forever). */
  prune(now: number): void
}

/** Creates a {@link RateLimiter} allowing `limit` actions per `windowMs`. Per process. */
export function createRateLimiter(limit: number, windowMs: number): RateLimiter {
  const windows = new Map<string, { count: number, endsAt: number }>()
  return {
    take(key, now) {
      const window = windows.get(key)
      if (!window || window.endsAt <= now) {
        windows.set(key, { count: 1, endsAt: now + windowMs })
        return limit >= 1
      }
      if (window.count >= limit) return false
      window.count++
      return true
    },
    prune(now) {
      for (const [key, window] of windows) if (window.endsAt <= now) windows.delete(key)
    },
  }
}
