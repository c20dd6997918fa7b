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
 * The casino's Node `(req, res)` handler.
 *
 * A host that parsed the body before the casino saw the request (a global `express.json()`, `text()` or
 * `raw()`) leaves its stream read to the end and the value on `req.body`; that value becomes
 * `req.rawBody`, which h3's Node adapter reads instead of the spent stream. A JSON body comes back
 * re-serialized: the same JSON value, which is all the casino's routes read. Without this, such a POST
 * failed with a 500.
 *
 * Any other body is read here, up to `bodyLimit` + 1 bytes, into `req.rawBody` too, before the app runs.
 * The app's own reading wraps the Node stream in a web stream (`Readable.toWeb`), and on Node 20 that
 * adapter throws an uncaught exception (`Controller is already closed`: the process ends) when a body
 * over the limit is cut off while more of it arrives; and an answer sent before the body was read (a 401)
 * left the rest unread on a keep-alive connection, where the next request hung. A body over the limit is
 * read no further: the app answers 413 from what it has, and the connection is closed after the answer.
 */
export function createNodeHandler(
  app: H3,
  options: { bodyLimit?: number, onAborted?: (req: IncomingMessage) => void } = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const handle = toNodeHandler(app) as (req: IncomingMessage, res: ServerResponse) => void
  const limit = options.bodyLimit ?? Number.POSITIVE_INFINITY
  return (req, res) => {
    restoreParsedBody(req as ParsedRequest)
    if (!hasBodyToRead(req as ParsedRequest)) return handle(req, res)
    readBody(req, limit).then(({ body, whole }) => {
      const read: ParsedRequest = req
      read.rawBody = body
      if (!whole) closeAfterAnswer(req, res)
      handle(req, res)
    }, () => {
      // The client went away mid-body: nobody to answer, and no error of ours.
      options.onAborted?.(req)
      res.destroy()
    })
  }
}

/** True when the request has a body still on the wire (none read by a host's parser). */
function hasBodyToRead(req: ParsedRequest): boolean {
  if (req.readableEnded || Buffer.isBuffer(req.rawBody)) return false
  const length = req.headers['content-length']
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

/**
 * The request's body, whole, or (when it declares or reaches more than `limit` bytes) cut off past the
 * limit, with the rest left unread: enough for the app to answer 413, as it does for a declared length.
 */
function readBody(req: IncomingMessage, limit: number): Promise<{ body: Buffer, whole: boolean }> {
  const declared = Number(req.headers['content-length'])
  if (declared > limit) return Promise.resolve({ body: Buffer.alloc(0), whole: false })
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const done = (whole: boolean, error?: Error): void => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('close', onClose)
      if (error) reject(error)
      else resolve({ body: Buffer.concat(chunks), whole })
    }
    const onData = (chunk: Buffer | string): void => {
      // A string when a host called req.setEncoding(): as the bytes it came from.
      if (typeof chunk === 'string') chunk = Buffer.from(chunk, req.readableEncoding ?? 'utf8')
      chunks.push(chunk)
      size += chunk.length
      if (size > limit) {
        req.pause()
        done(false)
      }
    }
    const onEnd = (): void => done(true)
    const onError = (error: Error): void => done(false, error)
    const onClose = (): void => done(false, new Error('request closed before its body arrived'))
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('close', onClose)
  })
}

/**
 * The answer to a request whose body was not read to the end closes the connection, and the rest of the
 * body is thrown away meanwhile: announced as keep-alive, the connection would hold the rest unread,
 * and the next request on it (a proxy pools them) would hang until the keep-alive timeout.
 */
function closeAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('connection', 'close')
  req.resume()
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
    return Promise.resolve(app.fetch(request)).then(closeAfterRefusedBody)
  }
}

/**
 * A 413 tells the host to close the connection: the body it refused was not read to the end, and a host
 * that keeps the connection (@hono/node-server) left the rest on it, where the next request failed.
 */
function closeAfterRefusedBody(response: Response): Response {
  if (response.status !== 413) return response
  const headers = new Headers(response.headers)
  headers.set('connection', 'close')
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
}
