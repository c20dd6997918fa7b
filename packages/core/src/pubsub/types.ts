/**
 * The publish/subscribe contract that carries live events between casino processes.
 * The in-process default is {@link import('./memory').memoryPubSub}; `redisPubSub()` from
 * `@fare-casino/adapters/redis` implements the same contract over Redis so that N processes behind
 * a load balancer deliver every event to every subscribed client.
 *
 * Messages are opaque strings: the realtime layer serialises an event once and every process
 * forwards the same string to its sockets.
 */
export interface PubSub {
  /** Sends `message` to every subscriber of `channel`, in every process. Resolves once handed to the transport. */
  publish(channel: string, message: string): Promise<void>
  /**
   * Calls `handler` for each message published on `channel` (by this process or another), in publish
   * order per publisher. Resolves once the subscription is active, with the function that ends it.
   */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>
  /** Ends every subscription and releases connections. */
  close(): Promise<void>
}
