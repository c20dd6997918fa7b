import { describe, expect, it } from 'vitest'
import bs58 from 'bs58'
import { fromBase64, toBase64 } from '../../src/solana/borsh'
import { decodeVaultEvent, type VaultEvent, vaultEventDiscriminators, vaultEventNames } from '../../src/solana/vault-events'
import { encodeVaultEvent } from '../../src/solana/vault-events-encode'
import { anchorDiscriminator, sha256 } from '../../src/solana/vault-events-hash'

/** The discriminators as the Fare Vault IDL (fare_vault.json 0.1.0) lists them. */
const idl: Record<string, number[]> = {
  FeeCharged: [10, 15, 44, 253, 165, 0, 86, 248],
  PoolAccumulatedAmountReleased: [24, 220, 55, 231, 249, 157, 219, 208],
  PoolAccumulatedAmountUpdated: [200, 54, 121, 99, 14, 180, 19, 138],
  PoolRegistered: [77, 114, 165, 230, 33, 230, 135, 215],
  TrialRegistered: [182, 0, 212, 203, 142, 87, 214, 221],
  TrialResolved: [196, 198, 203, 60, 5, 136, 167, 206],
  AdminAddressUpdated: [41, 190, 38, 144, 198, 155, 88, 201],
}

const key = (n: number) => bs58.encode(Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + n) % 256))

describe('vault event discriminators', () => {
  it('match the IDL', () => {
    expect(vaultEventNames.sort()).toEqual(Object.keys(idl).filter(n => n !== 'AdminAddressUpdated').sort())
    for (const name of vaultEventNames) expect([...vaultEventDiscriminators[name]], name).toEqual(idl[name])
    expect([...anchorDiscriminator('event', 'AdminAddressUpdated')]).toEqual(idl.AdminAddressUpdated)
  })

  it('sha256 agrees with crypto.subtle', async () => {
    for (const text of ['', 'abc', 'event:TrialRegistered', 'x'.repeat(55), 'y'.repeat(56), 'z'.repeat(200)]) {
      const bytes = new TextEncoder().encode(text)
      const expected = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
      expect(sha256(bytes), text).toEqual(expected)
    }
  })
})

describe('decodeVaultEvent', () => {
  it('decodes a TrialRegistered encoded by hand, byte by byte', () => {
    const trial = key(1)
    const who = key(2)
    const pool = key(3)
    const wager = 2n ** 60n + 12345n // above 2^53: must stay exact
    const bytes: number[] = [...idl.TrialRegistered!]
    bytes.push(...bs58.decode(trial), ...bs58.decode(who), ...bs58.decode(pool))
    const u64 = new Uint8Array(8)
    new DataView(u64.buffer).setBigUint64(0, wager, true)
    bytes.push(...u64)
    bytes.push(2, 0, 0, 0) // QK: vec of 2 pairs
    for (const v of [0.5, 0, 0.5, 1.98]) {
      const f = new Uint8Array(8)
      new DataView(f.buffer).setFloat64(0, v, true)
      bytes.push(...f)
    }
    bytes.push(4, 0, 0, 0, ...new TextEncoder().encode('flip'))
    const payload = toBase64(Uint8Array.from(bytes))

    const decoded = decodeVaultEvent(fromBase64(payload))
    expect(decoded).toEqual({
      kind: 'event',
      event: {
        name: 'TrialRegistered',
        fields: { trialId: trial, who, poolId: pool, multiplier: wager, qk: [[0.5, 0], [0.5, 1.98]], extraDataHash: 'flip' },
      },
    })
  })

  it('round-trips every event through the encoder', () => {
    const events: VaultEvent[] = [
      { name: 'TrialResolved', fields: { trialId: key(4), resultIndex: 1n, randomness: 0.123 } },
      { name: 'FeeCharged', fields: { feeType: 2, poolId: key(5), trialId: key(6), feeAmount: 2n ** 63n } },
      { name: 'PoolAccumulatedAmountUpdated', fields: { poolId: key(5), trialId: key(6), newAccumulatedAmount: 77n } },
      { name: 'PoolAccumulatedAmountReleased', fields: { poolId: key(5), trialId: key(6), receiver: key(7), releasedAmount: 2n ** 54n + 1n } },
      {
        name: 'PoolRegistered',
        fields: { poolId: key(5), managerAddress: key(8), feePlayMultiplier: 0.01, feeLossMultiplier: 0.02, feeMintMultiplier: 0.03, feeHostPercent: 0.2, feePoolPercent: 0.3, minLimitForTicket: 10, probability: 0.001 },
      },
    ]
    for (const event of events) expect(decodeVaultEvent(encodeVaultEvent(event))).toEqual({ kind: 'event', event })
  })

  it('tells unknown and admin discriminators apart, and rejects malformed bodies', () => {
    expect(decodeVaultEvent(Uint8Array.of(1, 2, 3))).toEqual({ kind: 'unknown' })
    expect(decodeVaultEvent(new Uint8Array(40))).toEqual({ kind: 'unknown' })
    expect(decodeVaultEvent(Uint8Array.from(idl.AdminAddressUpdated!))).toEqual({ kind: 'admin' })
    const good = encodeVaultEvent({ name: 'TrialResolved', fields: { trialId: key(4), resultIndex: 0n, randomness: 0.5 } })
    expect(() => decodeVaultEvent(good.subarray(0, good.length - 1))).toThrow(RangeError)
    expect(() => decodeVaultEvent(Uint8Array.from([...good, 0]))).toThrow(/trailing/)
    // A vector length that cannot fit must not allocate or loop.
    const hostile = Uint8Array.from([...idl.TrialRegistered!, ...new Uint8Array(104), 255, 255, 255, 255])
    expect(() => decodeVaultEvent(hostile)).toThrow(RangeError)
  })
})
