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
  /** How long the node asked to wait (its `Retry-After` header, in ms), or null when it did not say. */
  readonly retryAfterMs: number | null

  constructor(method: string, kind: RpcErrorKind, message: string, options: { code?: number | null, retryable: boolean, retryAfterMs?: number | null, cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.method = method
    this.kind = kind
    this.code = options.code ?? null
    this.retryable = options.retryable
    this.retryAfterMs = options.retryAfterMs ?? null
  }
}

/**
 * A `Retry-After` header in ms (RFC 9110: delay-seconds, or an HTTP date), or null when absent or
 * unreadable. A date in the past is 0.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null) return null
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  // Only a date, never a bare number Date.parse would take as a year.
  if (!/[a-z]/i.test(text)) return null
  const at = Date.parse(text)
  return Number.isNaN(at) ? null : Math.max(0, at - now)
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
