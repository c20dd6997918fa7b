import { createStorage, type Storage } from 'unstorage'
import { type ExpiringMemoryOptions, expiringMemoryDriver } from './memory-driver'

/**
 * Keys of token revocations (see `auth/tokens.ts`): pinned in the default kv, so that no flood of other
 * entries, revocations included, can evict one and let a logged-out token through again.
 */
export const REVOCATION_PREFIX = 'auth:revoked:'

/**
 * The default kv: unstorage over an in-memory driver that honours `ttl` and is bounded (one process only;
 * pass a Redis-backed one to share). Token revocations are pinned (`pinnedPrefixes`): they leave only
 * when their token expires, and what they hold is bounded by the sign-in rate limit instead.
 * `dispose()` stops its sweep timer.
 */
export function createMemoryKv(options: ExpiringMemoryOptions = {}): Storage {
  return createStorage({ driver: expiringMemoryDriver({ pinnedPrefixes: [REVOCATION_PREFIX], ...options }) })
}

interface Expiring<T> {
  v: T
  /** Unix ms after which the record is ignored. */
  exp: number
}

/**
 * Stores `value` for `ttlSeconds`. The expiry travels inside the record because not every
 * unstorage driver honours `ttl` (the memory driver ignores it); drivers that do also drop it.
 */
export async function setExpiring<T>(kv: Storage, key: string, value: T, ttlSeconds: number, now = Date.now()): Promise<void> {
  const record: Expiring<T> = { v: value, exp: now + ttlSeconds * 1000 }
  await kv.setItem(key, record as never, { ttl: Math.max(1, Math.ceil(ttlSeconds)) })
}

/** Reads a record written by {@link setExpiring}; null when absent or expired (and then removes it). */
export async function getExpiring<T>(kv: Storage, key: string, now = Date.now()): Promise<T | null> {
  const record = await kv.getItem<Expiring<T>>(key)
  if (!record || typeof record !== 'object' || typeof record.exp !== 'number') return null
  if (record.exp <= now) {
    await kv.removeItem(key)
    return null
  }
  return record.v
}
