/**
 * Errors of the Solana JSON-RPC client. They carry `retryable` so that the indexer can tell a fault
 * worth waiting out (HTTP 429 and 5xx, timeouts, resets, a node behind) from a request that will never
 * succeed (an invalid parameter).
 */

/** Why a call failed. */
export type RpcErrorKind = 'http' | 'timeout' | 'network' | 'jsonrpc' | 'invalid-response'

/** A failed RPC call. Recognised by `name === 'RpcError'`. */
export class RpcError extends Error {
  override readonly name = 'RpcError'
  readonly kind: RpcErrorKind
  /** True when the same call may succeed later. */
  readonly retryable: boolean
  /** HTTP status or JSON-RPC error code, when there is one. */
  readonly code: number | null
  /** The JSON-RPC method called. */
  readonly method: string

  constructor(method: string, kind: RpcErrorKind, message: string, options: { code?: number | null, retryable: boolean, cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.method = method
    this.kind = kind
    this.code = options.code ?? null
    this.retryable = options.retryable
  }
}

/**
 * JSON-RPC error codes worth retrying: -32603 internal error, -32005 node unhealthy/behind, -32004 block
 * not available yet, -32016 minimum context slot not reached, -32014 block status not available yet,
 * and 429 (some proxies put it in the body).
 */
const retryableCodes = new Set([-32603, -32005, -32004, -32016, -32014, 429])

/** True for JSON-RPC error codes that may succeed later. */
export function isRetryableRpcCode(code: number): boolean {
  return retryableCodes.has(code)
}

/** True for an {@link RpcError} (from this copy of the package or another). */
export function isRpcError(error: unknown): error is RpcError {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'RpcError'
}
