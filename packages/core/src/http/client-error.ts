import type { Duplex } from 'node:stream'
import { securityHeaders } from './middleware/security-headers'
import { answerAndClose } from './socket-answer'

/**
 * What Node's HTTP parser refuses before the app sees it (a header block over `maxHeaderSize`, a
 * header byte HTTP forbids, `Transfer-Encoding` with `Content-Length`, a method that is no token),
 * answered as the API answers: a JSON error with the security headers. Node's own answer is a bare
 * status line, which a client reading `{ error }` cannot read.
 */

/** The status, code and message of a refusal, as Node picks the status (`socketOnError` in node:_http_server). */
function refusalOf(code: string | undefined): [status: string, code: string, message: string] {
  if (code === 'HPE_HEADER_OVERFLOW') return ['431 Request Header Fields Too Large', 'HEADERS_TOO_LARGE', 'request headers too large']
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return ['413 Payload Too Large', 'PAYLOAD_TOO_LARGE', 'chunk extensions too large']
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return ['408 Request Timeout', 'REQUEST_TIMEOUT', 'request not received in time']
  return ['400 Bad Request', 'BAD_REQUEST', 'malformed HTTP request']
}

/** A whole HTTP/1.1 JSON error response, the connection closed after it. */
export function jsonErrorResponse(status: string, code: string, message: string): string {
  const body = JSON.stringify({ error: { code, message } })
  const head = [
    `HTTP/1.1 ${status}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...securityHeaders.map(([name, value]) => `${name}: ${value}`),
  ]
  return `${head.join('\r\n')}\r\n\r\n${body}`
}

/** A socket of node:http's, with the response in flight on it, if any (Node's own field). */
type ServerSocket = Duplex & { _httpMessage?: { headersSent?: boolean } | null }

/**
 * A node:http server's `clientError` listener. Like Node's default it writes its answer only when no
 * response on the socket has started going out (it would land inside it), on a writable socket, and
 * never after a reset; the socket is closed either way.
 */
export function answerClientError(error: Error & { code?: string }, socket: ServerSocket): void {
  if (error.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) {
    socket.destroy()
    return
  }
  answerAndClose(socket, jsonErrorResponse(...refusalOf(error.code)))
}
