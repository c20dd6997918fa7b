import { Buffer } from 'node:buffer'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { H3 } from 'h3'
import { toNodeHandler } from 'h3/node'

/**
 * What a host server may hand `casino.fetch` beside the request, so that per-IP rate limits see the
 * client: `{ ip }`, or what @hono/node-server passes as Hono's `env` (`{ incoming }`, the Node request),
 * which `hono.mount('/', casino.fetch)` forwards as is.
 */
export interface FetchContext {
  /** The client's address, as the host saw it. */
  ip?: string
  /** The Node request under a web one (@hono/node-server's `env.incoming`). */
  incoming?: { socket?: { remoteAddress?: string } }
}

/** A body parser's result, where Express's `express.json()` / `text()` / `raw()` leave it. */
type ParsedRequest = IncomingMessage & { body?: unknown, rawBody?: unknown }

/**
 * The casino's Node `(req, res)` handler. A host that parsed the body before the casino saw the request
 * (a global `express.json()`, `express.text()` or `express.raw()`) leaves its stream read to the end and
 * the value on `req.body`; that value becomes `req.rawBody`, which h3's Node adapter reads instead of the
 * spent stream. A JSON body comes back re-serialized: the same JSON value, which is all the casino's
 * routes read. Without this, such a POST failed with a 500.
 */
export function createNodeHandler(app: H3): (req: IncomingMessage, res: ServerResponse) => void {
  const handle = toNodeHandler(app) as (req: IncomingMessage, res: ServerResponse) => void
  return (req, res) => {
    restoreParsedBody(req as ParsedRequest)
    handle(req, res)
  }
}

function restoreParsedBody(req: ParsedRequest): void {
  if (!req.readableEnded || req.body === undefined || Buffer.isBuffer(req.rawBody)) return
  const body = req.body
  if (Buffer.isBuffer(body)) req.rawBody = body
  else if (typeof body === 'string') req.rawBody = Buffer.from(body)
  // An object is what a JSON parser made; a form parser's object is not JSON's, so it is left alone.
  else if (/\bjson\b/i.test(req.headers['content-type'] ?? '')) req.rawBody = Buffer.from(JSON.stringify(body))
}

/**
 * The casino's web `fetch` handler. The request carries the client's address from `context` (see
 * {@link FetchContext}) where it has none of its own, as a plain `Request` built by a host has not.
 */
export function createFetchHandler(app: H3): (request: Request, context?: FetchContext) => Promise<Response> {
  return (request, context) => {
    const ip = context?.ip ?? context?.incoming?.socket?.remoteAddress
    // h3's getRequestIP reads `request.ip`, which srvx's own requests have.
    if (ip && (request as { ip?: unknown }).ip === undefined) {
      try {
        Object.defineProperty(request, 'ip', { value: ip, configurable: true })
      }
      catch {
        // A frozen request keeps no address: it is served all the same, in the shared rate-limit bucket.
      }
    }
    return Promise.resolve(app.fetch(request))
  }
}
