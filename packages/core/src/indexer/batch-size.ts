import { isRpcError, type RpcError } from '../solana/rpc-errors'

/**
 * How many getTransaction calls go in one JSON-RPC batch once a node refuses one. Providers cap the
 * size of a batch (at 10, 100 or 1,000 calls), and some take none: halving on each refusal finds a cap
 * in a few refusals, and reaches single requests for a node without batches. The pipeline and the
 * logs prefetcher both learn it this way.
 */

/** True for an error that refuses the request for good (not worth retrying as it is): for a batch, its size. */
export function isBatchRefusal(error: unknown): error is RpcError {
  return isRpcError(error) && !error.retryable
}

/**
 * The batch size after a batch of `refused` calls was refused: half of it, never more than `current`,
 * never below 1. A single call refused says nothing about batches: `current`.
 */
export function batchSizeAfterRefusal(current: number, refused: number): number {
  if (refused <= 1) return current
  return Math.max(1, Math.min(current, Math.floor(refused / 2)))
}
