/**
 * Fare Vault events as Anchor's `emit!` writes them: 8-byte discriminator followed by the
 * Borsh-encoded fields in IDL order, logged as `Program data: <base64>`.
 * Field names here are the camelCase forms of the IDL's snake_case names.
 */
import { BorshReader, BorshWriter } from './borsh'
import { EVENT_DISCRIMINATORS, FARE_EVENT_NAMES, type FareEventName } from './ids'

/** A (q, k) pair: probability of the outcome and its payout multiple. */
export type QkPair = readonly [number, number]

/** Fields of each Fare Vault event (pubkeys base58, u64 as bigint). */
export interface FareEventFields {
  TrialRegistered: {
    trialId: string
    who: string
    poolId: string
    /** The wager, in base units of the mint. */
    multiplier: bigint
    qk: ReadonlyArray<QkPair>
    extraDataHash: string
  }
  TrialResolved: { trialId: string; resultIndex: bigint; randomness: number }
  FeeCharged: { feeType: number; poolId: string; trialId: string; feeAmount: bigint }
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
  PoolAccumulatedAmountUpdated: { poolId: string; trialId: string; newAccumulatedAmount: bigint }
  PoolAccumulatedAmountReleased: { poolId: string; trialId: string; receiver: string; releasedAmount: bigint }
}

/** A decoded event: its name and fields. */
export type FareEvent = { [N in FareEventName]: { name: N; fields: FareEventFields[N] } }[FareEventName]

/** Fee types carried by FeeCharged.fee_type in this simulator. */
export const FEE_TYPES = { host: 0, network: 1, pool: 2 } as const

/** Encodes an event to its raw bytes (discriminator ‖ borsh fields). */
export function encodeEvent<N extends FareEventName>(name: N, fields: FareEventFields[N]): Uint8Array {
  const w = new BorshWriter().bytes(EVENT_DISCRIMINATORS[name])
  const f = fields as FareEventFields[FareEventName]
  switch (name) {
    case 'TrialRegistered': {
      const e = f as FareEventFields['TrialRegistered']
      w.pubkey(e.trialId).pubkey(e.who).pubkey(e.poolId).u64(e.multiplier).qk(e.qk).string(e.extraDataHash)
      break
    }
    case 'TrialResolved': {
      const e = f as FareEventFields['TrialResolved']
      w.pubkey(e.trialId).u64(e.resultIndex).f64(e.randomness)
      break
    }
    case 'FeeCharged': {
      const e = f as FareEventFields['FeeCharged']
      w.u8(e.feeType).pubkey(e.poolId).pubkey(e.trialId).u64(e.feeAmount)
      break
    }
    case 'PoolRegistered': {
      const e = f as FareEventFields['PoolRegistered']
      w.pubkey(e.poolId).pubkey(e.managerAddress)
      for (const v of [e.feePlayMultiplier, e.feeLossMultiplier, e.feeMintMultiplier, e.feeHostPercent, e.feePoolPercent, e.minLimitForTicket, e.probability]) w.f64(v)
      break
    }
    case 'PoolAccumulatedAmountUpdated': {
      const e = f as FareEventFields['PoolAccumulatedAmountUpdated']
      w.pubkey(e.poolId).pubkey(e.trialId).u64(e.newAccumulatedAmount)
      break
    }
    case 'PoolAccumulatedAmountReleased': {
      const e = f as FareEventFields['PoolAccumulatedAmountReleased']
      w.pubkey(e.poolId).pubkey(e.trialId).pubkey(e.receiver).u64(e.releasedAmount)
      break
    }
    default:
      throw new TypeError(`unknown Fare Vault event: ${String(name)}`)
  }
  return w.finish()
}

/** Encodes an event as the base64 payload of a `Program data:` line. */
export function encodeEventBase64<N extends FareEventName>(name: N, fields: FareEventFields[N]): string {
  return Buffer.from(encodeEvent(name, fields)).toString('base64')
}

/** Encodes an event as the full log line Anchor's `emit!` produces. */
export function encodeEventLog<N extends FareEventName>(name: N, fields: FareEventFields[N]): string {
  return `Program data: ${encodeEventBase64(name, fields)}`
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * Decodes raw event bytes (or a base64 payload). Returns null for an unknown discriminator;
 * throws on a known discriminator with malformed or trailing data.
 */
export function decodeEvent(data: Uint8Array | string): FareEvent | null {
  const bytes = typeof data === 'string' ? new Uint8Array(Buffer.from(data, 'base64')) : data
  if (bytes.length < 8) return null
  const disc = bytes.subarray(0, 8)
  const name = FARE_EVENT_NAMES.find((n) => sameBytes(EVENT_DISCRIMINATORS[n], disc))
  if (!name) return null
  const r = new BorshReader(bytes.subarray(8))
  let event: FareEvent
  switch (name) {
    case 'TrialRegistered':
      event = { name, fields: { trialId: r.pubkey(), who: r.pubkey(), poolId: r.pubkey(), multiplier: r.u64(), qk: r.qk(), extraDataHash: r.string() } }
      break
    case 'TrialResolved':
      event = { name, fields: { trialId: r.pubkey(), resultIndex: r.u64(), randomness: r.f64() } }
      break
    case 'FeeCharged':
      event = { name, fields: { feeType: r.u8(), poolId: r.pubkey(), trialId: r.pubkey(), feeAmount: r.u64() } }
      break
    case 'PoolRegistered':
      event = {
        name,
        fields: {
          poolId: r.pubkey(),
          managerAddress: r.pubkey(),
          feePlayMultiplier: r.f64(),
          feeLossMultiplier: r.f64(),
          feeMintMultiplier: r.f64(),
          feeHostPercent: r.f64(),
          feePoolPercent: r.f64(),
          minLimitForTicket: r.f64(),
          probability: r.f64(),
        },
      }
      break
    case 'PoolAccumulatedAmountUpdated':
      event = { name, fields: { poolId: r.pubkey(), trialId: r.pubkey(), newAccumulatedAmount: r.u64() } }
      break
    case 'PoolAccumulatedAmountReleased':
      event = { name, fields: { poolId: r.pubkey(), trialId: r.pubkey(), receiver: r.pubkey(), releasedAmount: r.u64() } }
      break
  }
  if (r.remaining() !== 0) throw new RangeError(`${name}: ${r.remaining()} trailing bytes`)
  return event
}
