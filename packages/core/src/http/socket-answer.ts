import type { Duplex } from 'node:stream'

/**
 * Writes a whole HTTP/1.1 response on a socket taken over from Node's HTTP server (an `upgrade`
 * listener's), then closes it, as Node does after its own 431.
 *
 * `socket.end()` alone is a half-close: HTTP servers allow half-open sockets, and nobody reads this one
 * any more, so once a client's unread body fills the buffer its close is never seen. The socket then
 * stays open for good, off every list `server.close()` and `closeAllConnections()` go through.
 */
export function answerAndClose(socket: Duplex, response: string): void {
  guardErrors(socket)
  socket.end(response, () => socket.destroy())
}

/**
 * Node takes its error listener off a socket when it emits `upgrade`: until another owner takes the
 * socket, an error (a connection reset) would be an uncaught exception. This one destroys the socket
 * instead. Returns the function that takes it off again, for the next owner's.
 */
export function guardErrors(socket: Duplex): () => void {
  const onError = (): void => void socket.destroy()
  socket.on('error', onError)
  return () => socket.off('error', onError)
}

/** A response with no body, and the connection closed after it. */
export function emptyResponse(status: string): string {
  return `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`
}
