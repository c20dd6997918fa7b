import { isRpcError, type RpcError } from '../solana/rpc-errors'

/**
 * How many getTransaction calls go in one JSON-RPC batch once a node refuses one. Providers cap the
 * size of a batch (at 10, 100 or 1,000 calls), and some take none: halving on each refusal finds a cap
 * in a few refusals, and reaches single requests for a node without batches. The pipeline and the
 * logs prefetcher both learn it this way.
 */

/**
 * HTTP statuses that refuse a request for what it is: 413 (too large), and 400, which some proxies give a
 * body they will not take. Any other status that is not retried (401, 403: a key; 404: a URL) says
 * nothing about batches, and smaller ones would only fail the same way, with a misleading report.
 */
const refusingStatuses = new Set([400, 413])

/**
 * True for an error that refuses a batch request as it is (not worth retrying at that size): a
 * JSON-RPC error for the whole batch that is not transient (a node that caps or takes no batches), an
 * answer that is not a batch, or an HTTP status that refuses the body ({@link refusingStatuses}).
 */
export function isBatchRefusal(error: unknown): error is RpcError {
  if (!isRpcError(error) || error.retryable) return false
  return error.kind !== 'http' || (error.code !== null && refusingStatuses.has(error.code))
}

/**
 * The batch size after a batch of `refused` calls was refused: half of it, never more than `current`,
 * never below 1. A single call refused says nothing about batches: `current`.
 */
export function batchSizeAfterRefusal(current: number, refused: number): number {
  if (refused <= 1) return current
  return Math.max(1, Math.min(current, Math.floor(refused / 2)))
}

/**
 * How long a cut size holds before it is doubled again, up to the configured size. A refusal may be a
 * one-off (a proxy's stray answer, a node restarting behind a load balancer), after which full batches
 * would never come back. A node that really caps batches refuses the grown size again: each such refusal
 * doubles the wait before the next try, up to {@link BATCH_REGROW_MAX_MS}.
 */
export const BATCH_REGROW_MS = 5 * 60_000

/** The longest wait between two tries of a size the node refused after a regrow. */
export const BATCH_REGROW_MAX_MS = 6 * 60 * 60_000

/** The batch size one fetcher asks for: cut on refusals, doubled back after a quiet while. */
export interface BatchSizer {
  /** The size to ask for now. */
  readonly size: number
  /**
   * A batch of `refused` calls was refused for good. Returns the new size when it is below every size
   * before it (news worth recording), else undefined (a regrown size refused again, or no cut).
   */
  refused(refused: number): number | undefined
  /** The client has no batch requests at all: one call each, for good. */
  single(): void
}

/**
 * A {@link BatchSizer} starting at `max`, regrowing after `regrowMs` (default {@link BATCH_REGROW_MS}) on
 * the monotonic clock (`now`, for tests).
 */
export function createBatchSizer(max: number, options: { regrowMs?: number, now?: () => number } = {}): BatchSizer {
  const now = options.now ?? (() => performance.now())
  let regrowMs = options.regrowMs ?? BATCH_REGROW_MS
  let size = max
  /** The smallest size so far: a cut below it is news; one back to it after a regrow is not. */
  let lowest = max
  let forGood = false
  /** When the size last changed: it grows once it has held for `regrowMs`. */
  let since = 0
  return {
    get size() {
      if (size < max && !forGood && now() - since >= regrowMs) {
        size = Math.min(max, size * 2)
        since = now()
      }
      return size
    },
    refused(refused) {
      const smaller = batchSizeAfterRefusal(size, refused)
      since = now()
      if (smaller === size) return undefined
      // A size it had grown back to, refused: the node does cap there; try less often.
      if (size > lowest) regrowMs = Math.min(regrowMs * 2, BATCH_REGROW_MAX_MS)
      size = smaller
      if (size >= lowest) return undefined
      lowest = size
      return size
    },
    single() {
      size = 1
      lowest = 1
      forGood = true
    },
  }
}
