/**
 * One Node HTTP server for both APIs: JSON-RPC on POST /, `GET /health`, and the PubSub
 * WebSocket upgrade on the same port (web3.js must be given `wsEndpoint`, since by default it
 * guesses port + 1).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'
import { http429Body, type Faults } from './faults'
import { firstRequestId, handleRpcBody } from './rpc/dispatch'
import type { RpcContext } from './rpc/methods'
import type { PubSub } from './ws'

/** A running server. */
export interface RpcServer {
  port: number
  /** Number of JSON-RPC HTTP calls received. */
  readonly requests: number
  close(): Promise<void>
}

/** Options of {@link startServer}. */
export interface ServerOptions {
  host: string
  port: number
  ctx: RpcContext
  faults: Faults
  pubsub: PubSub
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

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

  const send = (res: ServerResponse, status: number, body: string, type = 'application/json; charset=utf-8') => {
    if (res.destroyed) return
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) })
    res.end(body)
  }

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method === 'GET' && path === '/health') return send(res, 200, 'ok', 'text/plain; charset=utf-8')
    if (req.method !== 'POST') return send(res, 405, 'Used HTTP Method is not allowed. POST or OPTIONS is required', 'text/plain')
    const body = await readBody(req)
    requests++
    const fate = opts.faults.nextHttp()
    const answer = () => {
      switch (fate.fault) {
        case 'http429':
          return send(res, 429, http429Body(firstRequestId(body), fate.perIp))
        case 'http500':
          return send(res, 500, 'Internal Server Error', 'text/plain; charset=utf-8')
        case 'hang':
          // Hold the socket like an overloaded upstream, then drop it without a response.
          return later(opts.faults.hangMs, () => req.socket.destroy())
        case 'reset':
          return req.socket.destroy()
        default:
          return send(res, 200, handleRpcBody(opts.ctx, body, calls => opts.faults.batchCapExceeded(calls)))
      }
    }
    if (fate.latencyMs > 0) later(fate.latencyMs, answer)
    else answer()
  }

  const server: Server = createServer((req, res) => {
    onRequest(req, res).catch(() => send(res, 500, 'Internal Server Error', 'text/plain'))
  })
  server.keepAliveTimeout = 5_000
  const wss = new WebSocketServer({ noServer: true })
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => opts.pubsub.attach(ws))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => resolve())
  })
  return {
    port: (server.address() as AddressInfo).port,
    get requests() {
      return requests
    },
    close: async () => {
      for (const t of timers) clearTimeout(t)
      timers.clear()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
