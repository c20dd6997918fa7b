/**
 * A tiny in-process stale-while-revalidate cache for aggregate responses (stats, leaderboards).
 *
 * An entry is fresh for `ttlMs` after it was computed. After that, or once bets change (the casino
 * calls {@link ResponseCache.invalidate} on bet events), it is stale: requests keep getting it while
 * ONE refresh per key runs, so a slow aggregate query never runs once per request and a burst of bet
 * events never empties the cache. Two exceptions keep it honest:
 * - the first request after an invalidation waits for a refresh (the others are served the stale
 *   entry meanwhile), so a client that just saw a bet event mostly reads the new totals on its next
 *   request. A refresh already under way counts, even one that started before the change: a burst of bet
 *   events must not make every request wait. Its value is marked stale at once, so the request after it
 *   refreshes again;
 * - an entry that went stale and was not refreshed within `maxStaleMs` (an idle key) is dropped, so
 *   an old value is never served to the first request after a quiet period.
 * A refresh that fails leaves the stale entry in place; the next request tries again.
 */
export interface ResponseCache {
  /** The cached value of `key`, computing it with `compute` when missing (concurrent misses share one call). */
  get<T>(key: string, compute: () => Promise<T>): Promise<T>
  /** Marks every entry stale (bets or players changed); entries stay servable while they refresh. */
  invalidate(): void
  /** Same as {@link ResponseCache.invalidate}: kept because the casino wiring calls this name. */
  clear(): void
}

/** Options of {@link createResponseCache}. */
export interface ResponseCacheOptions {
  /** How long an idle stale entry may still be served while its refresh starts, in ms. @default ttlMs */
  maxStaleMs?: number
  /** The clock, unix ms (tests). @default Date.now */
  now?: () => number
}

interface Entry {
  value: unknown
  /** Fresh until then (unix ms). */
  freshUntil: number
  /** Set by invalidate(): bets changed after this value was computed. */
  invalidated: boolean
}

/** Creates a {@link ResponseCache}; `ttlMs` 0 disables caching. */
export function createResponseCache(ttlMs: number, options: ResponseCacheOptions = {}): ResponseCache {
  const now = options.now ?? Date.now
  const maxStaleMs = options.maxStaleMs ?? ttlMs
  const entries = new Map<string, Entry>()
  const pending = new Map<string, Promise<unknown>>()
  // Bumped by invalidate(): a computation that started before it may predate the change.
  let generation = 0

  const refresh = <T>(key: string, compute: () => Promise<T>): Promise<T> => {
    const inFlight = pending.get(key)
    if (inFlight) return inFlight as Promise<T>
    const started = generation
    const promise = compute().then((value) => {
      entries.set(key, { value, freshUntil: now() + ttlMs, invalidated: started !== generation })
      return value
    }).finally(() => {
      pending.delete(key)
    })
    pending.set(key, promise)
    return promise
  }

  const invalidate = () => {
    generation++
    for (const entry of entries.values()) entry.invalidated = true
  }

  return {
    get<T>(key: string, compute: () => Promise<T>): Promise<T> {
      if (ttlMs <= 0) return compute()
      const entry = entries.get(key)
      if (!entry) return refresh(key, compute)
      const t = now()
      if (!entry.invalidated && t < entry.freshUntil) return Promise.resolve(entry.value as T)
      // Stale. While a refresh runs, everyone gets the stale value.
      if (pending.has(key)) return Promise.resolve(entry.value as T)
      if (t >= entry.freshUntil + maxStaleMs) {
        entries.delete(key)
        return refresh(key, compute)
      }
      const refreshing = refresh(key, compute)
      // The first reader after a change waits for it (falling back to the stale value if the refresh
      // fails); a merely aged entry is served at once and refreshed in the background.
      if (entry.invalidated) return refreshing.catch(() => entry.value as T)
      refreshing.catch(() => {})
      return Promise.resolve(entry.value as T)
    },
    invalidate,
    clear: invalidate,
  }
}
