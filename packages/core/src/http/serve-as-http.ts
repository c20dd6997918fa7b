import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'

/** Whether a request asks to become a WebSocket (`Upgrade: websocket`), as opposed to another protocol. */
export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade
  return typeof upgrade === 'string' && upgrade.split(',').some(token => token.trim().toLowerCase() === 'websocket')
}

/**
 * Serves an upgrade request that is not a WebSocket one as the plain HTTP/1.1 request it also is.
 *
 * Once a Node server has an `upgrade` listener, every request with `Connection: upgrade` goes to it
 * instead of the request handler: `curl --http2` on http:// sends `Upgrade: h2c`, as Java's HttpClient
 * does by default, and they got a 404 on every route. A server may ignore an upgrade it does not speak
 * (RFC 9110, 7.8), so the request is handed back to the server that received it, without its `Upgrade`
 * header, on the same socket: its body and any pipelined request follow it there. Node 22's
 * `shouldUpgradeCallback` would spare the round trip; Node 20 has none.
 *
 * Returns false when the socket has no server to go back to (it was not accepted by a node:http or
 * node:https server): the caller then answers it itself.
 */
export function serveAsHttp(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
  // net.Server sets `server` on every socket it accepts, TLS ones included.
  const server = (socket as Duplex & { server?: NodeJS.EventEmitter }).server
  if (!server || server.listenerCount('request') === 0) return false
  socket.unshift(Buffer.concat([Buffer.from(requestHead(req), 'latin1'), head]))
  // node:https parses HTTP on `secureConnection` (its `connection` is the TLS handshake).
  server.emit((socket as Duplex & { encrypted?: boolean }).encrypted ? 'secureConnection' : 'connection', socket)
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
