/**
 * CORS as Agave's RPC answers it: jsonrpc-http-server (paritytech's server-utils) configured to allow any
 * origin, for 24 hours. A browser dapp pointed at the localnet gets what it would get from a real node.
 */
import type { IncomingMessage } from 'node:http'

/** The methods the JSON-RPC endpoint allows, as its `Allow` and CORS headers list them. */
export const ALLOWED_METHODS = 'OPTIONS, POST'

/** What the CORS step says of a request. */
export type CorsAnswer =
  /** No CORS headers: no `Origin`, or one of this very server. */
  | { kind: 'not-required' }
  /** An origin it refuses (`null`: a file or a sandboxed frame): 403, nothing run. */
  | { kind: 'refused' }
  | { kind: 'allowed', headers: Record<string, string> }

/**
 * An origin as server-utils' `Origin::parse` renders it: `<protocol>://<host[:port]>`, the protocol
 * lowercased (`http` when there is none), anything after the host dropped.
 */
function normalizedOrigin(origin: string): { text: string, host: string } {
  const at = origin.indexOf('://')
  const protocol = at < 0 ? 'http' : origin.slice(0, at).toLowerCase()
  const host = (at < 0 ? origin : origin.slice(at + 3)).split('/')[0]!
  return { text: `${protocol}://${host}`, host }
}

/** The requested headers, as server-utils reads `Access-Control-Request-Headers` (split at `, ` and `,`). */
function requestedHeaders(req: IncomingMessage): string[] {
  const raw = req.headers['access-control-request-headers']
  if (!raw) return []
  return raw.split(', ').flatMap(part => part.split(','))
}

/**
 * The CORS answer to `req`. Any origin is allowed and echoed back (not `*`, hence `Vary: origin`), with
 * the requested headers; a request whose origin is this server itself needs none.
 */
export function corsOf(req: IncomingMessage): CorsAnswer {
  const origin = req.headers.origin
  if (origin === undefined) return { kind: 'not-required' }
  const parsed = normalizedOrigin(origin)
  const host = req.headers.host
  if (host !== undefined && origin.endsWith(host) && parsed.host === host) return { kind: 'not-required' }
  if (origin === 'null') return { kind: 'refused' }
  const headers: Record<string, string> = {
    'vary': 'origin',
    'access-control-allow-methods': ALLOWED_METHODS,
    'access-control-allow-origin': parsed.text,
    'access-control-max-age': '86400',
  }
  const asked = requestedHeaders(req)
  if (asked.length > 0) headers['access-control-allow-headers'] = asked.join(', ')
  return { kind: 'allowed', headers }
}
