import * as http from 'node:http'
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { jsonErrorResponse } from './client-error'
import { answerAndClose, guardErrors } from './socket-answer'

/** Whether a request asks to become a WebSocket (`Upgrade: websocket`), as opposed to another protocol. */
export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade
  return typeof upgrade === 'string' && upgrade.split(',').some(token => token.trim().toLowerCase() === 'websocket')
}

/** A socket a node:http or node:https server accepted, with the fields Node keeps on it. */
type ServerSocket = Duplex & {
  /** Set by net.Server on every socket it accepts, TLS ones included, and by an HTTP server on every socket it serves. */
  server?: Server
  /** The response that holds the socket now (Node's own field): earlier pipelined requests are answered first. */
  _httpMessage?: NodeJS.EventEmitter | null
  encrypted?: boolean
}

/**
 * Node's own `connection` listener of HTTP servers (node:https runs it on `secureConnection`): run
 * directly, it spares the host's own `connection` listeners (trackers, metrics) a second call.
 */
const httpConnectionListener = (http as unknown as { _connectionListener?: (this: Server, socket: Duplex) => void })._connectionListener

/**
 * Serves an upgrade request that is not a WebSocket one as the plain HTTP/1.1 request it also is.
 *
 * Once a Node server has an `upgrade` listener, every request with `Connection: upgrade` goes to it
 * instead of the request handler: `curl --http2` on http:// sends `Upgrade: h2c`, as Java's HttpClient
 * does by default, and they got a 404 on every route. A server may ignore an upgrade it does not speak
 * (RFC 9110, 7.8), so the request is handed back to the server that received it, without its `Upgrade`
 * header, on the same socket: its body and any pipelined request follow it there. Node 22's `shouldUpgradeCallback` would spare the round trip;
 * Node 20 has none.
 *
 * Behind the answer to an earlier pipelined request, it waits for that answer, with the socket off
 * Node's connection list: `closeAllConnections()` does not cut that answer short, and once the server is
 * closing the offer is dropped with the connection. The connection's count of requests starts again at
 * the hand-back (`server.maxRequestsPerSocket`).
 *
 * Returns false when there is no HTTP server to go back to: the caller then answers it itself.
 */
export function serveAsHttp(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
  const accepted = socket as ServerSocket
  const target = accepted.server
  if (!target || target.listenerCount('request') === 0) return false
  // Node keeps the headers of a request in blocks of 32 until it holds `maxHeadersCount` (1000 by
  // default): a Content-Length or Transfer-Encoding past them would be lost from the rebuilt request,
  // and its body read as another request (smuggled past a proxy that saw one). A list that may have
  // been cut is refused.
  const limit = typeof target.maxHeadersCount === 'number' && target.maxHeadersCount > 0 ? target.maxHeadersCount * 2 : 2000
  if (req.rawHeaders.length >= Math.max(limit, 64)) {
    answerAndClose(socket, jsonErrorResponse('431 Request Header Fields Too Large', 'HEADERS_TOO_LARGE', 'too many request headers'))
    return true
  }
  // Until the hand-back nobody else listens on the socket: Node took its listeners off at the upgrade.
  const unguard = guardErrors(socket)
  const onTimeout = (): void => {
    // As Node's own: the answer in progress, then the server, may take it; else the socket goes.
    const answering = accepted._httpMessage?.emit('timeout', socket) ?? false
    if (!answering && !target.emit('timeout', socket)) socket.destroy()
  }
  socket.on('timeout', onTimeout)
  const listening = target.listening
  const handBack = (): void => {
    // The answer to an earlier pipelined request still holds the socket, and the queue of those answers
    // stays with the old connection state, which would never write this one's: wait until it is written.
    // Meanwhile nothing reads the socket, so what follows waits in it.
    const pending = accepted._httpMessage
    if (pending) return void pending.once('finish', () => setImmediate(handBack))
    unguard()
    socket.off('timeout', onTimeout)
    if (socket.destroyed || socket.writableEnded) return
    if (listening && !target.listening) return void socket.destroy()
    socket.unshift(Buffer.concat([Buffer.from(requestHead(req), 'latin1'), head]))
    if (httpConnectionListener) httpConnectionListener.call(target, socket)
    else target.emit(accepted.encrypted ? 'secureConnection' : 'connection', socket)
  }
  handBack()
  return true
}

/** The request line and headers again, less the upgrade: header text was latin1 on the way in. */
function requestHead(req: IncomingMessage): string {
  let text = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`
  const raw = req.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    const lower = name.toLowerCase()
    if (lower === 'upgrade') continue
    let value = raw[i + 1]!
    if (lower === 'connection') {
      value = value.split(',').map(token => token.trim()).filter(token => token && token.toLowerCase() !== 'upgrade').join(', ')
      if (!value) continue
    }
    text += `${name}: ${value}\r\n`
  }
  return `${text}\r\n`
}
