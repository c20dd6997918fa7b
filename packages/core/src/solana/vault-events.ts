import type { QKPair } from '../store/types'
import { BorshReader } from './borsh'
import { anchorDiscriminator } from './vault-events-hash'

/**
 * The Fare Vault's Anchor events, written from the IDL's facts (names, field order, types).
 * Anchor's `emit!` logs `Program data: base64(discriminator ‖ borsh(fields))`; the discriminator is the
 * first 8 bytes of sha256("event:<Name>"). Pubkeys decode to base58, u64 to bigint, f64 to number.
 */

/** The Fare Vault program id on mainnet (and on the localnet). */
export const FARE_VAULT_PROGRAM_ID = 'FAREvmepkHArRWwLjHmwPQGL9Byg8iKF3hu1vewxTSXe'

/** Fields of each event the casino decodes. */
export interface VaultEventFields {
  TrialRegistered: {
    trialId: string
    who: string
    poolId: string
    /** The wager in base units of the mint (the IDL calls it `multiplier`). */
    multiplier: bigint
    qk: QKPair[]
    extraDataHash: string
  }
  TrialResolved: { trialId: string, resultIndex: bigint, randomness: number }
  FeeCharged: { feeType: number, poolId: string, trialId: string, feeAmount: bigint }
  PoolAccumulatedAmountUpdated: { poolId: string, trialId: string, newAccumulatedAmount: bigint }
  /** A jackpot won. */
  PoolAccumulatedAmountReleased: { poolId: string, trialId: string, receiver: string, releasedAmount: bigint }
  PoolRegistered: {
    poolId: string
    managerAddress: string
    feePlayMultiplier: number
    feeLossMultiplier: number
    feeMintMultiplier: number
    feeHostPercent: number
    feePoolPercent: number
    minLimitForTicket: number
    probability: number
  }
}

/** Name of a decoded event. */
export type VaultEventName = keyof VaultEventFields

/** A decoded event: its name and fields. */
export type VaultEvent = { [N in VaultEventName]: { name: N, fields: VaultEventFields[N] } }[VaultEventName]

/** QK is a tuple struct around `vec<[f64; 2]>`: a u32 count, then (q, k) pairs. */
function readQK(r: BorshReader): QKPair[] {
  return r.vec<QKPair>(16, () => [r.f64(), r.f64()])
}

const layouts: { [N in VaultEventName]: (r: BorshReader) => VaultEventFields[N] } = {
  TrialRegistered: r => ({
    trialId: r.pubkey(), who: r.pubkey(), poolId: r.pubkey(), multiplier: r.u64(), qk: readQK(r), extraDataHash: r.string(),
  }),
  TrialResolved: r => ({ trialId: r.pubkey(), resultIndex: r.u64(), randomness: r.f64() }),
  FeeCharged: r => ({ feeType: r.u8(), poolId: r.pubkey(), trialId: r.pubkey(), feeAmount: r.u64() }),
  PoolAccumulatedAmountUpdated: r => ({ poolId: r.pubkey(), trialId: r.pubkey(), newAccumulatedAmount: r.u64() }),
  PoolAccumulatedAmountReleased: r => ({ poolId: r.pubkey(), trialId: r.pubkey(), receiver: r.pubkey(), releasedAmount: r.u64() }),
  // Field order of the event differs from PoolConfig's (min_limit_for_ticket before probability).
  PoolRegistered: r => ({
    poolId: r.pubkey(),
    managerAddress: r.pubkey(),
    feePlayMultiplier: r.f64(),
    feeLossMultiplier: r.f64(),
    feeMintMultiplier: r.f64(),
    feeHostPercent: r.f64(),
    feePoolPercent: r.f64(),
    minLimitForTicket: r.f64(),
    probability: r.f64(),
  }),
}

/** Names of the events the casino decodes. */
export const vaultEventNames = Object.keys(layouts) as VaultEventName[]

/**
 * Administrative events of the vault: known, valid, and of no interest to a casino. Listed so that
 * they are told apart from an unknown discriminator (which is worth a warning).
 */
export const vaultAdminEventNames = [
  'AdminAddressUpdated', 'EvThresholdUpdated', 'FeeNetworkPercentUpdated', 'MinimumFeeBurnPercentUpdated',
  'NetworkFeeRecipientAddressUpdated', 'ResolverAddressUpdated',
] as const

/** Discriminator of every decoded event, by name. */
export const vaultEventDiscriminators: Readonly<Record<VaultEventName, Uint8Array>> = Object.fromEntries(
  vaultEventNames.map(name => [name, anchorDiscriminator('event', name)]),
) as Record<VaultEventName, Uint8Array>

/**
 * Discriminators by their first four bytes (a small integer key, no bigint allocated per payload), each
 * with its last four to confirm.
 */
const byKey = new Map<number, { rest: number, name: VaultEventName | 'admin' }[]>()
const addKey = (bytes: Uint8Array, name: VaultEventName | 'admin'): void => {
  const [head, rest] = discriminatorKey(bytes)
  byKey.set(head, [...(byKey.get(head) ?? []), { rest, name }])
}
for (const name of vaultEventNames) addKey(vaultEventDiscriminators[name], name)
for (const name of vaultAdminEventNames) addKey(anchorDiscriminator('event', name), 'admin')

function discriminatorKey(b: Uint8Array): [number, number] {
  return [
    (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0,
    (b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24)) >>> 0,
  ]
}

function nameOf(bytes: Uint8Array): VaultEventName | 'admin' | undefined {
  const [head, rest] = discriminatorKey(bytes)
  const candidates = byKey.get(head)
  if (candidates) for (const c of candidates) if (c.rest === rest) return c.name
  return undefined
}

/** The outcome of decoding one `Program data:` payload. */
export type VaultEventDecoding =
  | { kind: 'event', event: VaultEvent }
  /** A known administrative event, deliberately not decoded. */
  | { kind: 'admin' }
  /** Not a Fare Vault event this code knows (another version of the program, or noise). */
  | { kind: 'unknown' }

/**
 * Decodes the raw bytes of a `Program data:` payload.
 * Throws a `RangeError` when the discriminator is known but the body is malformed or has trailing
 * bytes: such a payload is a fact worth recording, not something to skip quietly.
 */
export function decodeVaultEvent(bytes: Uint8Array): VaultEventDecoding {
  if (bytes.length < 8) return { kind: 'unknown' }
  const name = nameOf(bytes)
  if (name === undefined) return { kind: 'unknown' }
  if (name === 'admin') return { kind: 'admin' }
  const reader = new BorshReader(bytes.subarray(8))
  const fields = layouts[name](reader)
  if (reader.remaining() !== 0) throw new RangeError(`${name}: ${reader.remaining()} trailing bytes`)
  return { kind: 'event', event: { name, fields } as VaultEvent }
}
