/**
 * The node's two listeners, as Agave runs them: JSON-RPC over HTTP on the RPC port (POST /, and
 * `GET /health`), and the PubSub WebSocket on the next port (web3.js's `Connection` and the casino's
 * indexer guess it as RPC port + 1 when no WebSocket URL is given).
 *
 * The HTTP side answers as the JSON-RPC server library Agave uses (paritytech's jsonrpc-http-server)
 * does around the JSON-RPC itself: a body must be `application/json` (else 415), at most 50 KiB (else
 * 413, reading no further), OPTIONS is a CORS preflight and every answer carries the CORS headers when
 * the request comes from another origin (see cors.ts), a JSON answer ends with a line feed, and any other
 * method is 405.
 */
import { isUtf8 } from 'node:buffer'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'
import { ALLOWED_METHODS, corsOf } from './cors'
import { http429Body, type Faults } from './faults'
import { firstRequestIdJson, handleRpcBody } from './rpc/dispatch'
import type { RpcContext } from './rpc/methods'
import type { PubSub } from './ws'

/** A running server. */
export interface RpcServer {
  port: number
  /** The PubSub WebSocket's port: `port + 1`. */
  wsPort: number
  /** Number of JSON-RPC HTTP calls received. */
  readonly requests: number
  close(): Promise<void>
}

/** Options of {@link startServer}. */
export interface ServerOptions {
  host: string
  /** The RPC port (the WebSocket takes the next one); 0 picks a free pair. */
  port: number
  ctx: RpcContext
  faults: Faults
  pubsub: PubSub
}

/** Agave's limit on a JSON-RPC request body (`MAX_REQUEST_BODY_SIZE`, 50 KiB). */
export const MAX_REQUEST_BODY_BYTES = 50 * 1024
const JSON_TYPE = 'application/json; charset=utf-8'
const TEXT_TYPE = 'text/plain; charset=utf-8'

/**
 * The body, or null once it passes `limit` bytes: jsonrpc-http-server stops reading there (the rest is
 * drained, never kept).
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let bytes = 0
    req.on('data', (c: Buffer) => {
      if (bytes > limit) return
      bytes += c.length
      if (bytes > limit) {
        chunks.length = 0
        resolve(null)
      } else chunks.push(c)
    })
    req.on('end', () => resolve(bytes > limit ? null : Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/**
 * True for the content types jsonrpc-http-server (v18, which Agave runs) takes: `application/json`, with
 * `; charset=utf-8` or `;charset=utf-8`, in any case; nothing else (no other spacing or parameter).
 */
function isJson(type: string | undefined): boolean {
  const t = type?.toLowerCase()
  return t === 'application/json' || t === 'application/json; charset=utf-8' || t === 'application/json;charset=utf-8'
}

/**
 * How many leading bytes of `bytes` are valid UTF-8, as Rust's `Utf8Error::valid_up_to` counts them
 * (the start of the first sequence that is invalid or cut off); `bytes.length` when all are.
 */
function validUtf8Prefix(bytes: Uint8Array): number {
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i]!
    if (b < 0x80) {
      i++
      continue
    }
    // The length of the sequence and the range its second byte must fall in (no overlong forms, no
    // surrogates, nothing past U+10FFFF).
    const [length, low, high] = b >= 0xC2 && b <= 0xDF ? [2, 0x80, 0xBF]
      : b === 0xE0 ? [3, 0xA0, 0xBF]
        : (b >= 0xE1 && b <= 0xEC) || b === 0xEE || b === 0xEF ? [3, 0x80, 0xBF]
          : b === 0xED ? [3, 0x80, 0x9F]
            : b === 0xF0 ? [4, 0x90, 0xBF]
              : b >= 0xF1 && b <= 0xF3 ? [4, 0x80, 0xBF]
                : b === 0xF4 ? [4, 0x80, 0x8F]
                  : [0, 0, 0]
    if (length === 0 || i + length > bytes.length) return i
    const second = bytes[i + 1]!
    if (second < low || second > high) return i
    for (let k = 2; k < length; k++) if ((bytes[i + k]! & 0xC0) !== 0x80) return i
    i += length
  }
  return i
}

/** Listens on `port` (0: any free one); resolves to the port bound. */
function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error)
    server.once('error', onError)
    try {
      server.listen(port, host, () => {
        server.off('error', onError)
        resolve((server.address() as AddressInfo).port)
      })
    } catch (error) {
      server.off('error', onError)
      reject(error) // a port out of range throws at once
    }
  })
}

const closeServer = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()))

/** Starts listening; resolves once the port is bound. */
export async function startServer(opts: ServerOptions): Promise<RpcServer> {
  const timers = new Set<NodeJS.Timeout>()
  let requests = 0
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t)
      fn()
    }, ms)
    timers.add(t)
  }

  const send = (res: ServerResponse, status: number, body: string, type = JSON_TYPE, headers: Record<string, string> = {}) => {
    if (res.destroyed) return
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers })
    res.end(body)
  }

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]
    // Agave answers /health in a middleware ahead of the JSON-RPC server, whatever the method: no CORS
    // step, no content type (a bare hyper body).
    if (path === '/health') {
      req.resume()
      res.writeHead(200, { 'content-length': 2 })
      return res.end(req.method === 'HEAD' ? undefined : 'ok')
    }
    const corsAnswer = corsOf(req)
    if (corsAnswer.kind === 'refused') {
      req.resume()
      return send(res, 403, 'Origin of the request is not whitelisted. CORS headers would not be sent and any side-effects were cancelled as well.\n', TEXT_TYPE)
    }
    const cors = corsAnswer.kind === 'allowed' ? corsAnswer.headers : {}
    if (req.method === 'OPTIONS') return send(res, 200, '', JSON_TYPE, { 'allow': ALLOWED_METHODS, 'accept': 'application/json', ...cors })
    if (req.method !== 'POST') return send(res, 405, 'Used HTTP Method is not allowed. POST or OPTIONS is required\n', TEXT_TYPE, cors)
    // Checked before the body is read: a cross-origin form post (text/plain) never reaches a method.
    if (!isJson(req.headers['content-type'])) {
      req.resume()
      return send(res, 415, 'Supplied content type is not allowed. Content-Type: application/json is required\n', TEXT_TYPE, cors)
    }
    const bytes = await readBody(req, MAX_REQUEST_BODY_BYTES)
    if (bytes === null) return send(res, 413, 'request body size exceeds allowed maximum', TEXT_TYPE, cors)
    // jsonrpc-http-server refuses a body that is not UTF-8 before any JSON is parsed. Checked natively;
    // the bad byte is looked for only in a body that has one.
    if (!isUtf8(bytes)) return send(res, 400, `utf-8 encoding error at byte ${validUtf8Prefix(bytes)} in request body`, TEXT_TYPE, cors)
    const body = bytes.toString('utf8')
    requests++
    const fate = opts.faults.nextHttp()
    const answer = () => {
      switch (fate.fault) {
        case 'http429':
          return send(res, 429, http429Body(firstRequestIdJson(body), fate.perIp))
        case 'http500':
          return send(res, 500, 'Internal Server Error', 'text/plain; charset=utf-8')
        case 'hang':
          // Hold the socket like an overloaded upstream, then drop it without a response.
          return later(opts.faults.hangMs, () => req.socket.destroy())
        case 'reset':
          return req.socket.destroy()
        default: {
          // A notification (no id) is answered with an empty body; anything else ends with a line feed.
          const out = handleRpcBody(opts.ctx, body, calls => opts.faults.batchCapExceeded(calls))
          return send(res, 200, out === '' ? '' : `${out}\n`, JSON_TYPE, cors)
        }
      }
    }
    if (fate.latencyMs > 0) later(fate.latencyMs, answer)
    else answer()
  }

  const server: Server = createServer((req, res) => {
    onRequest(req, res).catch(() => send(res, 500, 'Internal Server Error', TEXT_TYPE))
  })
  server.keepAliveTimeout = 5_000
  // The PubSub port takes WebSocket upgrades only.
  const pubsubServer: Server = createServer((_req, res) => send(res, 400, 'Bad Request\n', TEXT_TYPE))
  const wss = new WebSocketServer({ noServer: true })
  pubsubServer.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => opts.pubsub.attach(ws))
  })
  if (opts.port > 65534) throw new RangeError(`port ${opts.port}: the WebSocket takes the next port, so the RPC's must be at most 65534`)
  // The pair must be free: with a random port, another one is tried when the next port is taken.
  let port = 0
  for (let attempt = 1; ; attempt++) {
    port = await listen(server, opts.port, opts.host)
    try {
      await listen(pubsubServer, port + 1, opts.host)
      break
    } catch (error) {
      await closeServer(server)
      if (opts.port !== 0 || attempt >= 20) throw error
    }
  }
  return {
    port,
    wsPort: port + 1,
    get requests() {
      return requests
    },
    close: async () => {
      for (const t of timers) clearTimeout(t)
      timers.clear()
      wss.close()
      for (const client of wss.clients) client.terminate()
      server.closeAllConnections()
      pubsubServer.closeAllConnections()
      await Promise.all([closeServer(server), closeServer(pubsubServer)])
    },
  }
}
