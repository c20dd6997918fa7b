import { defineDriver } from 'unstorage'

/** Bounds of {@link expiringMemoryDriver}. */
export interface ExpiringMemoryOptions {
  /** Entries kept; past it, expired ones are swept and then those closest to expiring are evicted. @default 100_000 */
  maxEntries?: number
  /** Milliseconds between sweeps of expired entries (an unref'd timer, and at most this often on writes). @default 60_000 */
  sweepInterval?: number
}

interface Entry {
  value: unknown
  /** Unix ms; Infinity when written without a ttl. */
  expiresAt: number
}

/** What `getInstance()` of the driver returns: for tests and metrics. */
export interface ExpiringMemoryInstance {
  /** Entries held, expired ones not yet swept included. */
  readonly size: number
  /** Removes every expired entry now; returns how many. */
  sweep(now?: number): number
}

/**
 * An unstorage memory driver that honours `ttl` (seconds), unlike unstorage's own `memory` driver, which
 * keeps everything forever. The casino's default kv holds rate-limit windows, sign-in nonces (anyone may
 * ask for one) and token revocations; without expiry they grow for the life of the process.
 *
 * Expired entries are invisible at once and freed by a periodic sweep. A size cap bounds what a flood of
 * distinct keys within one ttl can hold: the entries closest to expiring go first, so short-lived nonces
 * and rate-limit windows are given up before the long-lived revocations that keep a logged-out token dead.
 * One process only.
 */
export const expiringMemoryDriver = defineDriver((options: ExpiringMemoryOptions = {}) => {
  const maxEntries = options.maxEntries ?? 100_000
  const sweepInterval = options.sweepInterval ?? 60_000
  const data = new Map<string, Entry>()
  let lastSweep = Date.now()

  const sweep = (now = Date.now()): number => {
    lastSweep = now
    let removed = 0
    for (const [key, entry] of data) {
      if (entry.expiresAt <= now) {
        data.delete(key)
        removed++
      }
    }
    return removed
  }
  const evict = (now: number) => {
    if (sweep(now) > 0 && data.size <= maxEntries) return
    // A tenth more than needed, so that a flood pays for one sort per maxEntries / 10 writes, not per write.
    const excess = data.size - maxEntries + Math.ceil(maxEntries / 10)
    const soonest = [...data].sort((a, b) => a[1].expiresAt - b[1].expiresAt).slice(0, excess)
    for (const [key] of soonest) data.delete(key)
  }
  const live = (key: string): Entry | undefined => {
    const entry = data.get(key)
    if (entry && entry.expiresAt <= Date.now()) {
      data.delete(key)
      return undefined
    }
    return entry
  }
  const put = (key: string, value: unknown, ttl: unknown) => {
    const now = Date.now()
    const expiresAt = typeof ttl === 'number' && ttl > 0 ? now + ttl * 1000 : Number.POSITIVE_INFINITY
    data.set(key, { value, expiresAt })
    if (data.size > maxEntries) evict(now)
    else if (now - lastSweep >= sweepInterval) sweep(now)
  }

  const timer = setInterval(() => sweep(), sweepInterval)
  // Never keeps a process alive on its own.
  ;(timer as { unref?: () => void }).unref?.()
  const instance: ExpiringMemoryInstance = {
    get size() {
      return data.size
    },
    sweep,
  }

  return {
    name: 'fare-expiring-memory',
    options,
    getInstance: () => instance,
    hasItem: key => live(key) !== undefined,
    getItem: key => (live(key)?.value ?? null) as never,
    getItemRaw: key => live(key)?.value ?? null,
    setItem: (key, value, opts) => put(key, value, opts?.ttl),
    setItemRaw: (key, value, opts) => put(key, value, opts?.ttl),
    removeItem: (key) => {
      data.delete(key)
    },
    getKeys: () => {
      sweep()
      return [...data.keys()]
    },
    clear: () => {
      data.clear()
    },
    dispose: () => {
      clearInterval(timer)
      data.clear()
    },
  }
})
