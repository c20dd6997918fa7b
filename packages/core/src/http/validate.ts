import type { H3Event } from 'h3'
import { getValidatedQuery, getValidatedRouterParams } from 'h3'
import * as v from 'valibot'
import { CasinoError } from '../errors'
import { isWalletAddress } from '../solana/address'

/**
 * Input validation: valibot schemas run through h3's Standard Schema helpers, whose failures are
 * turned here into `CasinoError`s so the client always sees `400 { error: { code, message } }`.
 */

/** The issue message that marks a bad wallet address, so its failure becomes `INVALID_WALLET`. */
const WALLET_MESSAGE = 'must be a base58 Solana address (32 bytes)'

/** A base58 32-byte Solana address. */
export const walletSchema = v.pipe(v.string(WALLET_MESSAGE), v.check((s: string) => isWalletAddress(s), WALLET_MESSAGE))

/** A query integer in [min, max] with a default, from its string form. */
export const queryInt = (min: number, max: number, fallback: number) => v.optional(
  v.pipe(v.string(), v.regex(/^\d{1,9}$/, 'must be a whole number'), v.transform(Number), v.minValue(min), v.maxValue(max)),
  String(fallback),
)

/** `true` / `false` in a query string. */
export const queryBool = v.optional(v.pipe(v.picklist(['true', 'false'], 'must be true or false'), v.transform(s => s === 'true')))

interface Issue {
  readonly message: string
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined
}

/** Turns Standard Schema issues into one `CasinoError` naming the first bad field. */
export function toValidationError(issues: readonly Issue[]): CasinoError {
  const issue = issues[0]
  const path = (issue?.path ?? []).map(p => String(typeof p === 'object' ? p.key : p)).join('.')
  // valibot words a missing field as "Invalid key: Expected "x" but received undefined".
  const text = /^Invalid key: .* but received undefined$/.test(issue?.message ?? '') ? 'is required' : issue?.message
  const message = `${path ? `${path}: ` : ''}${text ?? 'invalid input'}`
  const code = issues.some(i => i.message === WALLET_MESSAGE) ? 'INVALID_WALLET' : 'VALIDATION_FAILED'
  return new CasinoError(code, message, { data: { field: path || null } })
}

type Schema = v.GenericSchema | v.GenericSchemaAsync
const onError = (result: { issues: readonly Issue[] }) => toValidationError(result.issues)

/** The query, validated. */
export function validQuery<S extends Schema>(event: H3Event, schema: S): Promise<v.InferOutput<S>> {
  return getValidatedQuery(event, schema, { onError }) as Promise<v.InferOutput<S>>
}

/** The router params, validated (decoded once, as h3 documents). */
export function validParams<S extends Schema>(event: H3Event, schema: S): Promise<v.InferOutput<S>> {
  return getValidatedRouterParams(event, schema, { decode: true, onError }) as Promise<v.InferOutput<S>>
}

/** JSON is UTF-8 (RFC 8259); a body that is not is refused rather than read with U+FFFD in its place. */
const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The JSON body, validated. Bodies must say they are JSON (415 otherwise): a form post from another
 * site cannot reach a JSON endpoint without a CORS preflight that way. The size limit is enforced
 * earlier, by the body-limit middleware. Read as h3's `readValidatedBody` reads it (an empty body is
 * no value), but bytes that are not UTF-8 are `400 INVALID_JSON`: decoded leniently, they were stored
 * with U+FFFD in their place, something other than what the client sent.
 */
export async function validBody<S extends Schema>(event: H3Event, schema: S): Promise<v.InferOutput<S>> {
  const type = event.req.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/json') {
    throw new CasinoError('UNSUPPORTED_MEDIA_TYPE', 'request body must be application/json')
  }
  let text: string
  try {
    text = utf8.decode(await event.req.arrayBuffer())
  }
  catch (error) {
    if (error instanceof TypeError && /encoded data/i.test(error.message)) throw new CasinoError('INVALID_JSON', 'request body is not valid UTF-8')
    throw error
  }
  let value: unknown
  try {
    value = text === '' ? undefined : JSON.parse(text)
  }
  catch {
    throw new CasinoError('INVALID_JSON', 'Invalid JSON body')
  }
  // Through Standard Schema, as h3's helpers validate the query and params: the same issues, the same errors.
  const result = await schema['~standard'].validate(value)
  if (result.issues) throw onError(result)
  return result.value as v.InferOutput<S>
}
