import { defineDriver } from 'unstorage'

/** Bounds of {@link expiringMemoryDriver}. */
export interface ExpiringMemoryOptions {
  /** Entries kept (pinned ones aside); past it, expired ones are swept and then those closest to expiring are evicted. @default 100_000 */
  maxEntries?: number
  /** Milliseconds between sweeps of expired entries (an unref'd timer, and at most this often on writes). @default 60_000 */
  sweepInterval?: number
  /**
   * Keys starting with one of these are never evicted to make room, only removed once expired (see
   * `createMemoryKv`, which pins token revocations). They are held apart and do not count towards
   * `maxEntries`: however many there are, the other entries keep their room (a sign-in nonce just issued
   * is not evicted for them). @default []
   */
  pinnedPrefixes?: readonly string[]
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
 * and rate-limit windows are given up first. Pinned entries (`pinnedPrefixes`) are never given up: an
 * evicted revocation would bring a logged-out token back to life, and anyone can sign in and out with
 * throwaway keys to push older revocations out. One process only.
 */
export const expiringMemoryDriver = defineDriver((options: ExpiringMemoryOptions = {}) => {
  const maxEntries = options.maxEntries ?? 100_000
  const pinnedPrefixes = options.pinnedPrefixes ?? []
  const sweepInterval = options.sweepInterval ?? 60_000
  // The entries `maxEntries` bounds, and the pinned ones, which only expiry removes.
  const data = new Map<string, Entry>()
  const pins = new Map<string, Entry>()
  const mapOf = (key: string) => (pinnedPrefixes.some(prefix => key.startsWith(prefix)) ? pins : data)
  let lastSweep = Date.now()

  const sweep = (now = Date.now()): number => {
    lastSweep = now
    let removed = 0
    for (const map of [data, pins]) {
      for (const [key, entry] of map) {
        if (entry.expiresAt <= now) {
          map.delete(key)
          removed++
        }
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
    const map = mapOf(key)
    const entry = map.get(key)
    if (entry && entry.expiresAt <= Date.now()) {
      map.delete(key)
      return undefined
    }
    return entry
  }
  const put = (key: string, value: unknown, ttl: unknown) => {
    const now = Date.now()
    const expiresAt = typeof ttl === 'number' && ttl > 0 ? now + ttl * 1000 : Number.POSITIVE_INFINITY
    const map = mapOf(key)
    map.set(key, { value, expiresAt })
    if (map === data && data.size > maxEntries) evict(now)
    else if (now - lastSweep >= sweepInterval) sweep(now)
  }

  const timer = setInterval(() => sweep(), sweepInterval)
  // Never keeps a process alive on its own.
  ;(timer as { unref?: () => void }).unref?.()
  const instance: ExpiringMemoryInstance = {
    get size() {
      return data.size + pins.size
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
      mapOf(key).delete(key)
    },
    getKeys: () => {
      sweep()
      return [...data.keys(), ...pins.keys()]
    },
    clear: () => {
      pins.clear()
      data.clear()
    },
    dispose: () => {
      clearInterval(timer)
      pins.clear()
      data.clear()
    },
  }
})
