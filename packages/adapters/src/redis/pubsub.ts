import type { PubSub } from '@fare-casino/core'
import { Redis } from 'ioredis'

// Core's contract itself, re-exported for `@fare-casino/adapters/redis` users (the redis index names it here).
export type { PubSub } from '@fare-casino/core'

/** Options of {@link redisPubSub}: a URL, or an ioredis client to publish with (duplicated to subscribe). */
export type RedisPubSubOptions = {
  /** Prefix of every channel name, so that several casinos share a server. @default '' */
  prefix?: string
  /** Called when a handler throws; the other handlers still run. */
  onError?: (error: unknown) => void
} & ({ url: string, client?: undefined } | { client: Redis, url?: undefined })

/**
 * {@link PubSub} over Redis PUBLISH/SUBSCRIBE, so that N casino processes deliver every live event to
 * every socket. A connection in subscriber mode can run nothing else, so subscriptions get their own
 * connection (opened on the first subscribe); ioredis re-subscribes it after a reconnect.
 */
export function redisPubSub(options: RedisPubSubOptions): PubSub {
  const prefix = options.prefix ?? ''
  const owned = options.client === undefined
  const publisher = options.client ?? new Redis(options.url)
  const handlers = new Map<string, Set<(message: string) => void>>()
  let subscriber: Redis | undefined
  let closed = false

  const connectSubscriber = (): Redis => {
    if (subscriber) return subscriber
    const sub = publisher.duplicate()
    sub.on('message', (channel: string, message: string) => {
      const set = handlers.get(channel)
      if (!set) return
      for (const handler of [...set]) {
        try {
          handler(message)
        }
        catch (error) {
          options.onError?.(error)
        }
      }
    })
    // Errors are reported by ioredis reconnecting; a listener keeps them from crashing the process.
    sub.on('error', error => options.onError?.(error))
    return subscriber = sub
  }

  return {
    async publish(channel, message) {
      if (closed) return
      await publisher.publish(prefix + channel, message)
    },

    async subscribe(channel, handler) {
      if (closed) throw new Error('redisPubSub is closed')
      const name = prefix + channel
      const sub = connectSubscriber()
      let set = handlers.get(name)
      if (!set) handlers.set(name, set = new Set())
      // Wrap so the same function subscribed twice is two subscriptions.
      const entry = (message: string) => handler(message)
      set.add(entry)
      if (set.size === 1) await sub.subscribe(name)
      let active = true
      return async () => {
        if (!active) return
        active = false
        set.delete(entry)
        if (set.size === 0 && handlers.get(name) === set) {
          handlers.delete(name)
          if (!closed) await sub.unsubscribe(name)
        }
      }
    },

    async close() {
      if (closed) return
      closed = true
      handlers.clear()
      if (subscriber) await subscriber.quit().catch(() => subscriber?.disconnect())
      if (owned) await publisher.quit().catch(() => publisher.disconnect())
    },
  }
}
