import type { TransactionJson } from '../solana/rpc'
import { createBatchSizer, isBatchRefusal } from './batch-size'
import { rateLimitedAmong, type RpcTask } from './throttle'

/**
 * Fetching notified transactions ahead of the listing that will hand them to the pipeline (live
 * latency). One request in flight at a time, carrying every signature notified since the last one went
 * out (a JSON-RPC batch): under a rate limit a burst of notifications costs one request, not one each,
 * and when traffic is light each notification is fetched at once.
 * A failed or empty answer resolves to null: the pipeline then fetches that transaction itself, with
 * retries and reports. Nothing here is ever committed out of order: it only warms the pipeline.
 */
export interface Prefetcher {
  /** Starts fetching a notified transaction (no-op when already asked for). */
  add(signature: string): void
  /** The fetch of `signature` if one was started, handed over once. */
  take(signature: string): Promise<TransactionJson | null> | undefined
  /** Forgets everything (the indexer stopped). */
  clear(): void
}

interface Prefetch {
  signature: string
  promise: Promise<TransactionJson | null>
  resolve: (tx: TransactionJson | null) => void
}

/** Notified transactions that never get listed (older than the cursor) must not pile up. */
const MAX_KEPT = 10_000

/** Creates the prefetcher of one indexer run; `call` runs a request through the indexer's queue. */
export function createPrefetcher(call: <T>(fn: RpcTask<T>) => Promise<T>, batchSize: number, regrowMs?: number): Prefetcher {
  const kept = new Map<string, Prefetch>()
  let waiting: Prefetch[] = []
  let inFlight = false
  /** Fewer each time the node refuses a batch for good, as in the pipeline (see batch-size.ts). */
  const sizer = createBatchSizer(batchSize, { regrowMs })

  // Resolved through the request's own list, not through `kept`: the pipeline may take a fetch while
  // its request is still queued or in flight.
  const answer = (asked: Prefetch[], txs: (TransactionJson | null)[] | null): void => {
    asked.forEach((p, i) => p.resolve(txs?.[i] ?? null))
  }

  const flush = (): void => {
    const asked = waiting.splice(0, sizer.size)
    if (asked.length === 0) {
      inFlight = false
      return
    }
    inFlight = true
    const signatures = asked.map(p => p.signature)
    const request: RpcTask<(TransactionJson | null)[]> = (rpc, refused) =>
      signatures.length > 1 && rpc.getTransactions
        ? rpc.getTransactions(signatures).then((answers) => {
            refused(rateLimitedAmong(answers))
            return answers.map(a => (a.ok ? a.value : null))
          })
        : rpc.getTransaction(signatures[0]!).then(tx => [tx])
    call(request).then(
      txs => answer(asked, txs),
      (error: unknown) => {
        // A node that caps batches, or takes none: half as many per request from now on.
        if (isBatchRefusal(error)) sizer.refused(asked.length)
        answer(asked, null)
      },
    ).finally(flush)
  }

  return {
    add(signature) {
      if (kept.has(signature)) return
      let resolve!: (tx: TransactionJson | null) => void
      const promise = new Promise<TransactionJson | null>((r) => {
        resolve = r
      })
      const p: Prefetch = { signature, promise, resolve }
      kept.set(signature, p)
      // Dropping the oldest only forgets it: its request (if sent) still resolves its promise.
      if (kept.size > MAX_KEPT) kept.delete(kept.keys().next().value!)
      waiting.push(p)
      if (!inFlight) flush()
    },
    take(signature) {
      const entry = kept.get(signature)
      if (!entry) return undefined
      kept.delete(signature)
      return entry.promise
    },
    clear() {
      // Resolving twice is harmless (the first answer wins): nobody waits forever on a stopped indexer.
      for (const p of kept.values()) p.resolve(null)
      for (const p of waiting) p.resolve(null)
      kept.clear()
      waiting = []
    },
  }
}
