import { createRequire } from 'node:module'

/** The part of an ioredis client these tests use. */
export interface TestRedis {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>
  del(...keys: string[]): Promise<number>
  quit(): Promise<unknown>
}

// ioredis is a dependency of @fare-casino/adapters, not of core: load it from there.
const requireFromAdapters = createRequire(new URL('../../../adapters/package.json', import.meta.url))

/** A connected ioredis client for 127.0.0.1:6379. */
export function redisClient(): TestRedis {
  const Redis = requireFromAdapters('ioredis') as new (url: string, options?: object) => TestRedis
  return new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 })
}
