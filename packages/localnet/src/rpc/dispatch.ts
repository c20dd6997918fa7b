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

function handleOne(ctx: RpcContext, req: unknown): string | null {
  const id = idOf(req)
  if (!req || typeof req !== 'object' || Array.isArray(req)) return errorEnvelope(rpcErrors.invalidRequest(), null)
  const r = req as Record<string, unknown>
  if (r.jsonrpc !== '2.0' || typeof r.method !== 'string') return errorEnvelope(rpcErrors.invalidRequest(), id)
  const isNotification = !('id' in r)
  try {
    const result = callMethod(ctx, r.method, r.params)
    return isNotification ? null : successEnvelope(result, id)
  } catch (e) {
    if (isNotification) return null
    if (e instanceof RpcError) return errorEnvelope(e, id)
    return errorEnvelope(new RpcError(-32603, 'Internal error'), id)
  }
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
    if (parsed.length === 0) return errorEnvelope(rpcErrors.invalidRequest(), null)
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
