import { HTTPError } from 'h3'
import { type CasinoError, type CasinoErrorCode, isCasinoError } from '../errors'

/** The body of every error response. */
export interface ErrorResponseBody {
  error: { code: CasinoErrorCode, message: string, data?: Record<string, unknown> }
}

/** h3's own statuses, as our codes. */
const codeOfStatus: Record<number, CasinoErrorCode> = {
  400: 'BAD_REQUEST', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 422: 'BAD_REQUEST', 429: 'RATE_LIMITED',
}

/** h3 wraps what a handler throws (and validation failures wrap it twice): find our error inside. */
function findCasinoError(error: unknown): CasinoError | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current; depth++) {
    if (isCasinoError(current)) return current
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/**
 * Maps any error reaching the HTTP boundary to a status and a JSON body. `internal` is true when the
 * error is ours to log: its message and stack never reach the client.
 */
export function toErrorResponse(error: unknown): { status: number, body: ErrorResponseBody, internal: boolean } {
  const casino = findCasinoError(error)
  if (casino && casino.status < 500) {
    return { status: casino.status, body: { error: { code: casino.code, message: casino.message, ...(casino.data ? { data: casino.data } : {}) } }, internal: false }
  }
  if (casino?.code === 'NOT_READY') {
    return { status: 503, body: { error: { code: 'NOT_READY', message: 'casino is starting or unavailable' } }, internal: false }
  }
  if (!casino && HTTPError.isError(error) && !error.unhandled && error.status < 500) {
    let code = codeOfStatus[error.status] ?? 'BAD_REQUEST'
    let message = error.message
    if (error.status === 404) message = 'route not found'
    if (error.status === 400 && /invalid json/i.test(message)) code = 'INVALID_JSON'
    return { status: error.status, body: { error: { code, message } }, internal: false }
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } }, internal: true }
}

/**
 * True when `error` is the request body's stream ending early because the client hung up (Node's
 * "aborted" reset) and the request's signal says the client is gone: nobody hears the answer, and
 * nothing of ours failed, so it is no internal error to log. A store's own ECONNRESET is not this.
 */
export function isClientAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  if (!signal?.aborted) return false
  for (let current: unknown = error, depth = 0; depth < 5 && current; depth++) {
    const e = current as { message?: unknown, code?: unknown, cause?: unknown }
    if (e.message === 'aborted' && e.code === 'ECONNRESET') return true
    current = e.cause
  }
  return false
}
