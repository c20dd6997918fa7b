import { Redis, type RedisOptions } from 'ioredis'
import { redisKeys } from './_keys'
import { createRedisStore, type RedisStore } from './store'

/** Options shared by both ways of connecting {@link redisStore}. */
interface RedisStoreCommonOptions {
  /** Prefix of every key of this store. @default 'fare:' */
  prefix?: string
}

/**
 * Options of {@link redisStore}: a connection URL, or an ioredis client you already have. Do not set
 * ioredis' own `keyPrefix`: the batch script names keys itself; use `prefix`.
 */
export type RedisStoreOptions = RedisStoreCommonOptions & (
  | {
    /** `redis://[:password@]host:port[/db]`. */
    url: string
    /** Extra ioredis options. */
    redisOptions?: RedisOptions
    client?: undefined
  }
  | {
    /** An existing ioredis client; the store never disconnects it. */
    client: Redis
    url?: undefined
    redisOptions?: undefined
  }
)

/**
 * A `CasinoStore` on Redis (ioredis): hashes for bets and players, sorted sets for bet order, listBets
 * filters and leaderboards, hourly hashes for windows, lists for jackpots and system events, and
 * `applyBatch` as one Lua script, idempotent by event id and safe with several writers. Standalone or
 * Sentinel Redis (the batch script touches keys it computes, which Redis Cluster does not allow).
 *
 * @example redisStore({ url: process.env.REDIS_URL!, prefix: 'mycasino:' })
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  const owned = options.client === undefined
  const redis = options.client ?? new Redis(options.url, { lazyConnect: false, ...options.redisOptions })
  // A connection error of a client the store owns fails the commands it concerns, which say so; without a
  // listener ioredis also printed "[ioredis] Unhandled error event" for every dropped connection.
  if (owned) redis.on('error', () => {})
  return createRedisStore({
    redis,
    keys: redisKeys(options.prefix ?? 'fare:'),
    ...(owned ? { end: async () => { await redis.quit().catch(() => redis.disconnect()) } } : {}),
  })
}

export { createRedisStore }
export type { RedisStore }
export type { RedisStoreContext } from './store'
export { redisKeys } from './_keys'
export type { RedisKeys } from './_keys'
export { redisPubSub } from './pubsub'
export type { PubSub, RedisPubSubOptions } from './pubsub'
export { redisLeader } from './leader'
export type { Leader, RedisLeaderOptions } from './leader'
