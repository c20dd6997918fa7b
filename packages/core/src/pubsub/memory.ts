import type { PubSub } from './types'

/**
 * An in-process {@link PubSub}: enough for a casino that runs as one process.
 * Delivery is asynchronous (a microtask after `publish`), like a network transport, so that code which
 * works here does not silently depend on synchronous delivery. A handler that throws never stops the others.
 */
export function memoryPubSub(options: { onError?: (error: unknown) => void } = {}): PubSub {
  const channels = new Map<string, Set<(message: string) => void>>()
  let closed = false
  return {
    async publish(channel, message) {
      if (closed) return
      const handlers = channels.get(channel)
      if (!handlers || handlers.size === 0) return
      // Snapshot: a handler added after publish must not receive this message.
      const targets = [...handlers]
      queueMicrotask(() => {
        for (const handler of targets) {
          try {
            handler(message)
          }
          catch (error) {
            options.onError?.(error)
          }
        }
      })
    },
    async subscribe(channel, handler) {
      let set = channels.get(channel)
      if (!set) channels.set(channel, set = new Set())
      // Wrap so the same function subscribed twice is two subscriptions.
      const entry = (message: string) => handler(message)
      set.add(entry)
      return async () => {
        set.delete(entry)
      }
    },
    async close() {
      closed = true
      channels.clear()
    },
  }
}
