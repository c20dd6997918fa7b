/**
 * The one error type of fare casino. It is recognised by `name` and `code`, not `instanceof`,
 * so that two copies of the package (or an error crossing a worker) still match.
 */
export class CasinoError extends Error {
  override readonly name = 'CasinoError'
  /** UPPER_SNAKE machine-readable code, e.g. `USERNAME_TAKEN`. */
  readonly code: CasinoErrorCode
  /** HTTP status used when this error reaches the HTTP boundary. */
  readonly status: number
  /** Extra data that is safe to show to a client. */
  readonly data?: Record<string, unknown>

  constructor(code: CasinoErrorCode, message: string, options: { status?: number, data?: Record<string, unknown>, cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.status = options.status ?? errorStatus[code]
    if (options.data) this.data = options.data
  }
}

/** Every code a `CasinoError` may carry, with its default HTTP status. */
export const errorStatus = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  INVALID_WALLET: 400,
  INVALID_CURSOR: 400,
  UNAUTHORIZED: 401,
  INVALID_SIGNATURE: 401,
  INVALID_MESSAGE: 401,
  NONCE_USED: 401,
  MESSAGE_EXPIRED: 401,
  TOKEN_INVALID: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  /** Answered by `casino.listen()`'s server when a request is not received in time (Node's `requestTimeout`). */
  REQUEST_TIMEOUT: 408,
  USERNAME_TAKEN: 409,
  /** The name is reserved (`reservedUsernames`): staff, system and the casino's own name. */
  USERNAME_RESERVED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** Request headers past Node's `maxHeaderSize` (16 KiB) or `maxHeadersCount`. */
  HEADERS_TOO_LARGE: 431,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  NOT_READY: 503,
  INVALID_CONFIG: 500,
  STORE_ERROR: 500,
  /** The store cannot hold an amount (e.g. SQLite's 64-bit integers): the same write fails every time. */
  AMOUNT_OUT_OF_RANGE: 500,
} as const

/** A code from the registry in {@link errorStatus}. */
export type CasinoErrorCode = keyof typeof errorStatus

/** True for a {@link CasinoError}, from this copy of the package or any other. */
export function isCasinoError(error: unknown): error is CasinoError {
  return typeof error === 'object' && error !== null
    && (error as { name?: unknown }).name === 'CasinoError'
    && typeof (error as { code?: unknown }).code === 'string'
}
