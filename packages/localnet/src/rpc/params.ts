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
export function configAt(params: unknown[], i: number, struct = 'RpcContextConfig'): Record<string, unknown> {
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
  const config = configAt(params, i, 'RpcContextConfig')
  if (config.minContextSlot !== undefined && config.minContextSlot !== null) unsignedOf(config.minContextSlot, 64)
  return config
}

/** An `Option<String>` field of a config: absent, null or a string, else serde's type error. */
export function optionalStringField(config: Record<string, unknown>, field: string): string | undefined {
  const v = config[field]
  return v === undefined || v === null ? undefined : stringOf(v)
}

/**
 * Base58 key of `size` bytes (32 for pubkeys, 64 for signatures), parsed as Agave's `Pubkey::from_str` and
 * `Signature::from_str` do, with their errors as `Invalid param: <error>`: a string longer than the
 * longest encoding (44 or 88 characters) is `WrongSize` before it is decoded; one that is not base58,
 * or decodes to more bytes than the key holds, is `Invalid`; any other length is `WrongSize`.
 */
export function parseBase58Key(value: unknown, size: 32 | 64): string {
  const v = stringOf(value)
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

/** How serde names a JSON value it did not expect (`Unexpected`), for Agave's `Invalid params` wording. */
export function unexpected(v: unknown): string {
  if (v === null) return 'null'
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`
  if (typeof v === 'boolean') return `boolean \`${v}\``
  if (typeof v === 'number') return Number.isInteger(v) ? `integer \`${v}\`` : `floating point \`${v}\``
  return Array.isArray(v) ? 'sequence' : 'map'
}

/**
 * An unsigned integer parameter of `bits` bits, refused as serde refuses it: `invalid type` for what is
 * not an integer, `invalid value` for an integer out of range. `type` is the Rust type named (`usize`
 * for a limit).
 */
export function unsignedOf(v: unknown, bits: 8 | 64, type = `u${bits}`): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidParams(`Invalid params: invalid type: ${unexpected(v)}, expected ${type}.`)
  if (v < 0 || (bits === 8 && v > 255)) throw invalidParams(`Invalid params: invalid value: integer \`${v}\`, expected ${type}.`)
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
