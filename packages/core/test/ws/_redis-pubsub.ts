import { createRequire } from 'node:module'
import type { PubSub } from '../../src/pubsub/types'

/** The part of an ioredis client these tests use. */
export interface TestRedis {
  publish(channel: string, message: string): Promise<number>
  subscribe(channel: string): Promise<unknown>
  unsubscribe(channel: string): Promise<unknown>
  on(event: 'message', listener: (channel: string, message: string) => void): unknown
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

/**
 * A minimal Redis PubSub for the two-process test, until `redisPubSub` from `@fare-casino/adapters/redis`
 * lands: one connection publishes, a second (in subscriber mode) receives.
 */
export function testRedisPubSub(): PubSub & { publisher: TestRedis } {
  const publisher = redisClient()
  const subscriber = redisClient()
  const handlers = new Map<string, Set<(message: string) => void>>()
  subscriber.on('message', (channel, message) => {
    for (const handler of handlers.get(channel) ?? []) handler(message)
  })
  return {
    publisher,
    async publish(channel, message) {
      await publisher.publish(channel, message)
    },
    async subscribe(channel, handler) {
      let set = handlers.get(channel)
      if (!set) {
        handlers.set(channel, set = new Set())
        await subscriber.subscribe(channel)
      }
      set.add(handler)
      return async () => {
        set.delete(handler)
      }
    },
    async close() {
      await Promise.all([publisher.quit(), subscriber.quit()])
    },
  }
}
