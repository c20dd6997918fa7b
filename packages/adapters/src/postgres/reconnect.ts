/**
 * Seconds before a connection of ours (the store's own client, the leader's) tries again after it
 * lost the server: 0.05, doubling to at most 2, with jitter. postgres.js's default counts failures
 * across the whole pool and grows to 20 s: after a failover, or a burst of killed connections, every
 * query (the indexer's commits, the API's reads) waited up to 20 s for a server back long before.
 */
export function reconnectDelay(retries: number): number {
  return (0.5 + Math.random() / 2) * Math.min(0.05 * 2 ** retries, 2)
}
