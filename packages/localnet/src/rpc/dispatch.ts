/**
 * JSON-RPC 2.0 envelope handling (single and batch) in jsonrpc-core's struct order:
 * `{"jsonrpc","result"|"error","id"}`; `result` is serialized with sorted keys like Agave.
 */
import { RpcError, rpcErrors } from './errors'
import { toJson } from './json'
import { callMethod, type RpcContext } from './methods'

type Id = string | number | null

function idOf(req: unknown): Id {
  if (req && typeof req === 'object' && 'id' in req) {
    const id = (req as { id: unknown }).id
    if (typeof id === 'string' || typeof id === 'number') return id
  }
  return null
}

/** Serializes a success envelope. */
export function successEnvelope(result: unknown, id: Id): string {
  return `{"jsonrpc":"2.0","result":${toJson(result, true)},"id":${JSON.stringify(id)}}`
}

/** Serializes an error envelope (`data` only when present). */
export function errorEnvelope(e: RpcError, id: Id): string {
  const data = e.data === undefined ? '' : `,"data":${toJson(e.data, false)}`
  return `{"jsonrpc":"2.0","error":{"code":${e.code},"message":${JSON.stringify(e.message)}${data}},"id":${JSON.stringify(id)}}`
}

/** The members a request may have: jsonrpc-core refuses any other (`deny_unknown_fields`). */
const REQUEST_KEYS = new Set(['jsonrpc', 'method', 'params', 'id'])

/** An id jsonrpc-core takes: null, a string, or an unsigned integer. */
const isValidId = (id: unknown): id is Id =>
  id === null || typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id) && id >= 0)

/** A request as jsonrpc-core reads it: answered already (refused, or nothing to say), or a call to run. */
export type ReadCall =
  | { kind: 'answered', text: string | null }
  | { kind: 'call', id: Id, notification: boolean, method: string, params: unknown }

/**
 * True for what jsonrpc-core can read as a call at all: an object whose id, if any, is valid. Anything
 * else (a number, an id of `true` or `-1`) fails its deserialization: the body is a `Parse error`, a
 * batch holding one included.
 */
export function isReadable(req: unknown): boolean {
  return !!req && typeof req === 'object' && !Array.isArray(req) && (!('id' in req) || isValidId((req as { id: unknown }).id))
}

/**
 * Reads one request as jsonrpc-core does (see {@link isReadable} first): one that is not a method call or
 * a notification (another member, params that are neither an array, an object nor null, a `jsonrpc`
 * other than "2.0", no method) is `Invalid request`, with its id; one without `jsonrpc` is a JSON-RPC 1.0
 * call, refused as `Unsupported JSON-RPC protocol version` in a 1.0 envelope (no `jsonrpc` member), and
 * not answered at all when it is a notification.
 */
export function readCall(req: unknown): ReadCall {
  if (!isReadable(req)) return { kind: 'answered', text: errorEnvelope(rpcErrors.parse(), null) }
  const r = req as Record<string, unknown>
  const hasId = 'id' in r
  const id = hasId ? (r.id as Id) : null
  const v1 = r.jsonrpc === undefined || r.jsonrpc === null
  const wellFormed = Object.keys(r).every(k => REQUEST_KEYS.has(k))
    && typeof r.method === 'string'
    && (r.params === undefined || r.params === null || typeof r.params === 'object')
    && (v1 || r.jsonrpc === '2.0')
  if (!wellFormed) return { kind: 'answered', text: errorEnvelope(rpcErrors.invalidRequest(), id) }
  if (v1) return { kind: 'answered', text: hasId ? `{"error":{"code":-32600,"message":"Unsupported JSON-RPC protocol version"},"id":${JSON.stringify(id)}}` : null }
  return { kind: 'call', id, notification: !hasId, method: r.method as string, params: r.params }
}

/**
 * The answer to a call `run` carries out: its result or its error in an envelope, nothing for a
 * notification (run all the same), `Internal error` for a throw that is not an RpcError.
 */
export function answerCall(call: { id: Id, notification: boolean }, run: () => unknown): string | null {
  try {
    const result = run()
    return call.notification ? null : successEnvelope(result, call.id)
  } catch (e) {
    if (call.notification) return null
    return errorEnvelope(e instanceof RpcError ? e : new RpcError(-32603, 'Internal error'), call.id)
  }
}

/** One request over HTTP: read, run, answered (a notification is run and answered with nothing). */
function handleOne(ctx: RpcContext, req: unknown): string | null {
  const call = readCall(req)
  return call.kind === 'answered' ? call.text : answerCall(call, () => callMethod(ctx, call.method, call.params))
}

/**
 * Handles a raw HTTP body; returns the response body ('' when only notifications were sent).
 * `batchCapExceeded` gives the cap a batch of that many calls is over, as a provider's (fault injection).
 */
export function handleRpcBody(ctx: RpcContext, body: string, batchCapExceeded?: (calls: number) => number | undefined): string {
  ctx.ledger.sync()
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return errorEnvelope(rpcErrors.parse(), null)
  }
  if (Array.isArray(parsed)) {
    // An empty batch has no call to answer: jsonrpc-core answers nothing (an empty body).
    if (parsed.length === 0) return ''
    if (!parsed.every(isReadable)) return errorEnvelope(rpcErrors.parse(), null)
    const cap = batchCapExceeded?.(parsed.length)
    if (cap !== undefined) return errorEnvelope(rpcErrors.batchTooLarge(parsed.length, cap), null)
    const out = parsed.map((r) => handleOne(ctx, r)).filter((s): s is string => s !== null)
    return out.length ? `[${out.join(',')}]` : ''
  }
  return handleOne(ctx, parsed) ?? ''
}

/** The request id(s) of a body, for fault responses that echo them. */
export function firstRequestId(body: string): Id {
  try {
    const p: unknown = JSON.parse(body)
    return idOf(Array.isArray(p) ? p[0] : p)
  } catch {
    return null
  }
}
