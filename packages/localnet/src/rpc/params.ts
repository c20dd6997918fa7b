/**
 * Parameter parsing shared by the RPC methods, with Agave's error wording.
 */
import bs58 from 'bs58'
import type { Commitment } from '../chain/types'
import { invalidParams, rpcErrors } from './errors'

/**
 * A config object parameter, or an empty one when absent, refused as serde refuses what is not a map
 * (`invalid type: integer \`5\`, expected struct RpcContextConfig.`): `struct` is the config's Rust name.
 */
export function configAt(params: unknown[], i: number, struct: string): Record<string, unknown> {
  const v = params[i]
  if (v === undefined || v === null) return {}
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidParams(`Invalid params: invalid type: ${unexpected(v)}, expected struct ${struct}.`)
  return v as Record<string, unknown>
}

/**
 * An `RpcContextConfig` param (`commitment`, `minContextSlot`), or an empty one when absent: a
 * `minContextSlot` that is not a u64 is serde's error, read with the other params' types.
 */
export function contextConfigAt(params: unknown[], i: number): Record<string, unknown> {
  return readFields(configAt(params, i, 'RpcContextConfig'), { minContextSlot: optionalU64 })
}

/** Reads an `Option<u64>` field's value: absent, null or a u64. */
export const optionalU64 = (v: unknown): void => {
  if (v !== undefined && v !== null) unsignedOf(v, 64)
}

/**
 * Reads a config's fields as serde reads a `Value::Object`: in the map's key order, which serde_json keeps
 * sorted (a BTreeMap), so the first bad field by name is the one refused. Fields without a reader (a
 * flattened commitment, unknown ones) are not read here.
 */
export function readFields(config: Record<string, unknown>, readers: Readonly<Record<string, (v: unknown) => void>>): Record<string, unknown> {
  for (const key of Object.keys(config).sort()) if (Object.hasOwn(readers, key)) readers[key]!(config[key])
  return config
}

/**
 * Base58 key of `size` bytes (32 for pubkeys, 64 for signatures), parsed as Agave's `Pubkey::from_str` and
 * `Signature::from_str` do, with their errors as `Invalid param: <error>`: a string longer than the
 * longest encoding (44 or 88 characters) is `WrongSize` before it is decoded; one that is not base58,
 * or decodes to more bytes than the key holds, is `Invalid`; any other length is `WrongSize`.
 */
export function parseBase58Key(v: string, size: 32 | 64): string {
  if (v.length > (size === 32 ? 44 : 88)) throw invalidParams('Invalid param: WrongSize')
  let raw: Uint8Array
  try {
    raw = bs58.decode(v)
  } catch {
    throw invalidParams('Invalid param: Invalid')
  }
  if (raw.length > size) throw invalidParams('Invalid param: Invalid')
  if (raw.length !== size) throw invalidParams('Invalid param: WrongSize')
  return v
}

/** `v` when it is a string, else serde's type error (`invalid type: integer \`5\`, expected a string.`). */
export function stringOf(v: unknown): string {
  if (typeof v !== 'string') throw invalidParams(`Invalid params: invalid type: ${unexpected(v)}, expected a string.`)
  return v
}

/**
 * Whether serde_json holds the JSON number `v` as an integer (a u64, or an i64 when negative) rather than
 * an f64. A number written `1.0` is an f64 to serde_json, but JSON.parse has already made it 1.
 */
export function isJsonInteger(v: number): boolean {
  return Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 64
}

/** A finite double's shortest round-trip digits, and where its decimal point falls after the first digit. */
export function shortestDecimal(v: number): { sign: string, digits: string, point: number } {
  const [mantissa, exponent] = v.toExponential().split('e') as [string, string]
  return { sign: mantissa.startsWith('-') ? '-' : '', digits: mantissa.replace('-', '').replace('.', ''), point: Number(exponent) + 1 }
}

/** `digits` with the decimal point after `point` of them (leading zeros when 0 or less), never without one. */
export function positional(digits: string, point: number): string {
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`
  return point >= digits.length ? `${digits}${'0'.repeat(point - digits.length)}.0` : `${digits.slice(0, point)}.${digits.slice(point)}`
}

/**
 * An f64 as serde words it in an error (`floating point \`…\``): Rust's Display, which never uses an
 * exponent, with `.0` added when it shows no decimal point (`1e20` is `100000000000000000000.0`).
 */
export function rustFloat(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'inf' : '-inf'
  const { sign, digits, point } = shortestDecimal(v)
  return sign + positional(digits, point)
}

/**
 * A string as Rust's `{:?}` quotes it: `"` and `\` escaped, `\0`, `\t`, `\r`, `\n`, and the other C0,
 * DEL and C1 controls as `\u{..}`.
 */
export function debugString(s: string): string {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    if (ch === '"' || ch === '\\') out += `\\${ch}`
    else if (c === 0) out += '\\0'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\t') out += '\\t'
    else if (ch === '\r') out += '\\r'
    else if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) out += `\\u{${c.toString(16)}}`
    else out += ch
  }
  return `${out}"`
}

/** How serde names a JSON value it did not expect (`Unexpected`), for Agave's `Invalid params` wording. */
export function unexpected(v: unknown): string {
  if (v === null) return 'null'
  // serde writes `string {:?}`: Rust's quoting (`"\u{1}"`), not JSON's.
  if (typeof v === 'string') return `string ${debugString(v)}`
  if (typeof v === 'boolean') return `boolean \`${v}\``
  if (typeof v === 'number') return isJsonInteger(v) ? `integer \`${BigInt(v)}\`` : `floating point \`${rustFloat(v)}\``
  return Array.isArray(v) ? 'sequence' : 'map'
}

/**
 * An unsigned integer parameter of `bits` bits, refused as serde refuses it: `invalid type` for what is
 * not an integer, `invalid value` for an integer out of range. `type` is the Rust type named (`usize`
 * for a limit).
 */
export function unsignedOf(v: unknown, bits: 8 | 64, type = `u${bits}`): number {
  // Past 2^64 - 1 serde_json reads a number as an f64: a type error, not a value error.
  if (typeof v !== 'number' || !isJsonInteger(v)) throw invalidParams(`Invalid params: invalid type: ${unexpected(v)}, expected ${type}.`)
  if (v < 0 || (bits === 8 && v > 255)) throw invalidParams(`Invalid params: invalid value: integer \`${BigInt(v)}\`, expected ${type}.`)
  return v
}

/**
 * Commitment from a config: `processed`, `confirmed` or `finalized`; anything else is `finalized`, the
 * default. Agave's configs hold the commitment as a flattened `Option<CommitmentConfig>`, and serde reads
 * a flattened `Option` that fails to parse as `None`: an unknown name (`bogus`, or the legacy `recent`,
 * `single`, `singleGossip`, `max`, `root`, which its `CommitmentLevel` no longer has) is no error there.
 */
export function commitmentOf(config: Record<string, unknown>): Commitment {
  const c = config.commitment
  return c === 'processed' || c === 'confirmed' ? c : 'finalized'
}

/** Commitment for methods that reject `processed` (getTransaction, getSignaturesForAddress). */
export function confirmedCommitmentOf(config: Record<string, unknown>): Commitment {
  const c = commitmentOf(config)
  if (c === 'processed') throw rpcErrors.commitmentBelowConfirmed()
  return c
}

/** Checks `minContextSlot` against the slot the request is answered at. */
export function checkMinContextSlot(config: Record<string, unknown>, contextSlot: number): void {
  const m = config.minContextSlot
  if (typeof m === 'number' && m > contextSlot) throw rpcErrors.minContextSlot(contextSlot)
}
