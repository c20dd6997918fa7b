/**
 * JSON-RPC 2.0 envelope handling (single and batch) in jsonrpc-core's struct order:
 * `{"jsonrpc","result"|"error","id"}`; `result` is serialized with sorted keys like Agave.
 */
import { RpcError, rpcErrors } from './errors'
import { toJson } from './json'
import { callMethod, type RpcContext } from './methods'
import { idTextKind, type RequestText, scanRequestText } from './request-text'

/** A u64 id past 2^53, kept as written: echoed digit for digit, where a double would round it. */
export class ExactId {
  constructor(readonly digits: string) {}
}

type Id = string | number | ExactId | null

/** Set on a request object no reading of jsonrpc-core takes (its id twice, or not a u64): a parse error. */
const UNREADABLE = Symbol('unreadable')
/** Set on a request object with another member twice: not a call, an invalid request. */
const NOT_A_CALL = Symbol('not a call')

function idOf(req: unknown): Id {
  if (req && typeof req === 'object' && 'id' in req) {
    const id = (req as { id: unknown }).id
    if (typeof id === 'string' || typeof id === 'number' || id instanceof ExactId) return id
  }
  return null
}

/** An id as the envelope writes it. */
function idJson(id: Id): string {
  return id instanceof ExactId ? id.digits : JSON.stringify(id)
}

/** Serializes a success envelope. */
export function successEnvelope(result: unknown, id: Id): string {
  return `{"jsonrpc":"2.0","result":${toJson(result, true)},"id":${idJson(id)}}`
}

/** Serializes an error envelope (`data` only when present). */
export function errorEnvelope(e: RpcError, id: Id): string {
  const data = e.data === undefined ? '' : `,"data":${toJson(e.data, false)}`
  return `{"jsonrpc":"2.0","error":{"code":${e.code},"message":${JSON.stringify(e.message)}${data}},"id":${idJson(id)}}`
}

/**
 * A request body as jsonrpc-core reads it, or undefined when it is no JSON it takes at all (a parse
 * error): JSON.parse, then what the text says that the value lost (see request-text.ts), marked on each
 * request object.
 */
export function readRequestBody(body: string): unknown {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  }
  catch {
    return undefined
  }
  const text = scanRequestText(body)
  if (text.loneSurrogate || text.tooDeep || text.numberOutOfRange) return undefined
  const mark = (req: unknown, t: RequestText | undefined) => {
    if (!t || !req || typeof req !== 'object') return
    const r = req as Record<string | symbol, unknown>
    const kind = t.id === undefined ? 'plain' : idTextKind(t.id)
    if (t.duplicateId || kind === 'float') r[UNREADABLE] = true
    else if (kind === 'exact') r.id = new ExactId(t.id!)
    if (t.duplicateOther) r[NOT_A_CALL] = true
  }
  if (!Array.isArray(parsed)) {
    mark(parsed, text.requests as RequestText | undefined)
    return parsed
  }
  // jsonrpc-core's request is one call, or else a batch: an array is read as a call field by field first
  // (its params object is no request, and is not marked as one).
  const elements = text.elements!
  const single = positionalRequest(parsed, elements.texts)
  if (single) return single
  parsed.forEach((req, i) => mark(req, (text.requests as (RequestText | undefined)[])[i]))
  return parsed.map((req, i) => (Array.isArray(req) ? positionalRequest(req, elements.nested[i]!) ?? req : req))
}

/**
 * An array read as one request, or undefined when it is none. serde reads a struct from an array as its
 * fields in order, and jsonrpc-core's request types are such structs (its `Invalid` catch-all is an
 * untagged struct variant, which serde reads from a map only). `[jsonrpc, method, params, id]` is a method
 * call; `[jsonrpc, method]` and `[jsonrpc, method, params]` are notifications (params default to none). Each
 * field must be of its type (`jsonrpc` null or "2.0", `method` a string, `params` null, an array or an
 * object, `id` one that jsonrpc-core takes, judged from its text), and no field may follow: else it is
 * no request at all. `texts` are the elements' texts, from the body's scan.
 */
function positionalRequest(fields: unknown[], texts: string[]): Record<string, unknown> | undefined {
  if (fields.length < 2 || fields.length > 4) return undefined
  const [jsonrpc, method, params] = fields
  if ((jsonrpc !== null && jsonrpc !== '2.0') || typeof method !== 'string') return undefined
  if (fields.length > 2 && params !== null && typeof params !== 'object') return undefined
  const request: Record<string, unknown> = { method }
  // Without a version it is a JSON-RPC 1.0 request, as an object without `jsonrpc` is.
  if (jsonrpc !== null) request.jsonrpc = jsonrpc
  if (fields.length > 2) request.params = params
  if (fields.length === 4) {
    const kind = idTextKind(texts[3]!)
    const id = kind === 'exact' ? new ExactId(texts[3]!) : fields[3]
    if (kind === 'float' || !isValidId(id)) return undefined
    request.id = id
  }
  return request
}

/** The members a request may have: jsonrpc-core refuses any other (`deny_unknown_fields`). */
const REQUEST_KEYS = new Set(['jsonrpc', 'method', 'params', 'id'])

/** An id jsonrpc-core takes: null, a string, or an unsigned integer. */
const isValidId = (id: unknown): id is Id =>
  id === null || typeof id === 'string' || id instanceof ExactId || (typeof id === 'number' && Number.isInteger(id) && id >= 0)

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
  return !!req && typeof req === 'object' && !Array.isArray(req) && !(UNREADABLE in req) && (!('id' in req) || isValidId((req as { id: unknown }).id))
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
  const wellFormed = !(NOT_A_CALL in r) && Object.keys(r).every(k => REQUEST_KEYS.has(k))
    && typeof r.method === 'string'
    && (r.params === undefined || r.params === null || typeof r.params === 'object')
    && (v1 || r.jsonrpc === '2.0')
  if (!wellFormed) return { kind: 'answered', text: errorEnvelope(rpcErrors.invalidRequest(), id) }
  if (v1) return { kind: 'answered', text: hasId ? `{"error":{"code":-32600,"message":"Unsupported JSON-RPC protocol version"},"id":${idJson(id)}}` : null }
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
  const parsed = readRequestBody(body)
  if (parsed === undefined) return errorEnvelope(rpcErrors.parse(), null)
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

/** The id of a body's (first) request as JSON text, for fault responses that echo it. */
export function firstRequestIdJson(body: string): string {
  const p = readRequestBody(body)
  return idJson(idOf(Array.isArray(p) ? p[0] : p))
}
