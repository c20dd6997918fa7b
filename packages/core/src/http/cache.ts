/**
 * A tiny in-process cache for aggregate responses (stats, leaderboards). Entries live `ttlMs` and
 * are dropped as soon as bets change (the casino clears it on bet events), so a reader sees a batch
 * at most one request late. Concurrent misses share one computation, so a burst after a clear costs
 * one store query, not one per request.
 */
export interface ResponseCache {
  get<T>(key: string, compute: () => Promise<T>): Promise<T>
  clear(): void
}

/** Creates a {@link ResponseCache}; `ttlMs` 0 disables caching. */
export function createResponseCache(ttlMs: number, now: () => number = Date.now): ResponseCache {
  const entries = new Map<string, { value: unknown, expires: number }>()
  const pending = new Map<string, Promise<unknown>>()
  let generation = 0
  return {
    get<T>(key: string, compute: () => Promise<T>): Promise<T> {
      if (ttlMs <= 0) return compute()
      const entry = entries.get(key)
      if (entry && entry.expires > now()) return Promise.resolve(entry.value as T)
      const inFlight = pending.get(key)
      if (inFlight) return inFlight as Promise<T>
      const started = generation
      const promise: Promise<T> = compute().then((value) => {
        // A clear during the computation means the value may predate the batch: do not keep it.
        if (started === generation) entries.set(key, { value, expires: now() + ttlMs })
        return value
      }).finally(() => {
        if (pending.get(key) === promise) pending.delete(key)
      })
      pending.set(key, promise)
      return promise
    },
    clear() {
      generation++
      entries.clear()
      pending.clear()
    },
  }
}
