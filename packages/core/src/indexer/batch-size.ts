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
