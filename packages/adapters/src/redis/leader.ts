import { randomUUID } from 'node:crypto'
import type { Leader } from '@fare-casino/core'
import { createTerm, createValidity } from '../_term'
import { Redis } from 'ioredis'

// The contract lives in core (`createCasino({ leader })` consumes it); re-exported for existing imports.
export type { Leader }

/** Options of {@link redisLeader}. */
export type RedisLeaderOptions = {
  /** Key of the lease; its fencing counter is `<key>:fence`. @default 'fare:leader' */
  key?: string
  /** Lease length in ms: a dead leader is replaced this long after its last renewal. @default 5000 */
  ttlMs?: number
  /** Renewal period in ms. @default ttlMs / 3 */
  renewEveryMs?: number
  /**
   * This contender's id, stored as the lease value: a process started with the id of the current leader
   * takes its lease over at once (a restart). Never give two live processes one id (both would lead, with
   * one fencing token, during a rolling deploy for instance). @default a random UUID
   */
  id?: string
} & ({ url: string, client?: undefined } | { client: Redis, url?: undefined })

const acquireLua = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return redis.call('INCR', KEYS[2]) end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 0 end
return -1`
const renewLua = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`
const releaseLua = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`

/**
 * Leader election with a Redis lease: SET NX PX takes it, a renewal every `renewEveryMs` extends it
 * only while the value is still ours, and each acquisition INCRs a fencing counter. Leadership is
 * lost when a renewal finds the lease gone or cannot reach Redis before the lease would have expired.
 */
export function redisLeader(options: RedisLeaderOptions): Leader & { close(): Promise<void> } {
  const key = options.key ?? 'fare:leader'
  const fenceKey = `${key}:fence`
  const ttl = options.ttlMs ?? 5_000
  const every = options.renewEveryMs ?? Math.max(1, Math.floor(ttl / 3))
  const id = options.id ?? randomUUID()
  const owned = options.client === undefined
  const redis = options.client ?? new Redis(options.url)
  const term = createTerm()
  // Until when the lease last granted holds (see createValidity).
  const validity = createValidity()
  const held = validity.held
  let renewing = false
  const renew = async () => {
    // A renewal that never answers (ioredis queues commands while it reconnects, without a timeout) must
    // not keep this process leading: past the lease it last renewed, it has lost, whatever is pending.
    if (!held()) {
      term.lose()
      return
    }
    if (renewing) return
    renewing = true
    const started = validity.now()
    try {
      const ok = await redis.eval(renewLua, 1, key, id, String(ttl)) as number
      if (ok === 1) validity.grant(started, ttl)
      else term.lose()
    }
    catch {
      // Unreachable: still leader until the lease we last renewed would have expired.
      if (!held()) term.lose()
    }
    finally {
      renewing = false
    }
  }

  return {
    get isLeader() {
      return term.token !== null && held()
    },
    get fencingToken() {
      return term.token
    },
    async acquire() {
      const started = validity.now()
      const result = await redis.eval(acquireLua, 2, key, fenceKey, id, String(ttl)) as number
      if (result === -1) {
        term.lose()
        return false
      }
      validity.grant(started, ttl)
      if (result > 0) term.begin(result)
      // Ours already (same id, e.g. a restarted instance): keep leading with the current token.
      else if (term.token === null) term.begin(Number(await redis.get(fenceKey)))
      term.watch(() => void renew(), every)
      return true
    },
    async release() {
      term.end()
      validity.reset()
      await redis.eval(releaseLua, 1, key, id).catch(() => {})
    },
    onLost: term.onLost,
    async close() {
      await this.release()
      if (owned) await redis.quit().catch(() => redis.disconnect())
    },
  }
}
