import { Keypair, TransactionMessage, VersionedTransaction, AddressLookupTableAccount, PublicKey } from '@solana/web3.js'
import bs58 from 'bs58'
import { verify, createPublicKey } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  decodeEvent,
  encodeEvent,
  encodeEventLog,
  EVENT_DISCRIMINATORS,
  INSTRUCTION_DISCRIMINATORS,
  trialRegisterInstruction,
} from '../src/index'
import { labelledSigner } from '../src/keys'
import { toTransactionInstruction } from '../src/program/instructions'
import { buildTx, compileMessage } from '../src/sim/tx-builder'

const key = () => Keypair.generate().publicKey.toBase58()

describe('Fare Vault layouts', () => {
  it('derives the discriminators the IDL lists', () => {
    expect([...INSTRUCTION_DISCRIMINATORS.trial_register]).toEqual([212, 33, 155, 17, 177, 86, 161, 221])
    expect([...INSTRUCTION_DISCRIMINATORS.trial_resolve_rand]).toEqual([130, 235, 124, 151, 81, 25, 16, 192])
    expect([...EVENT_DISCRIMINATORS.TrialRegistered]).toEqual([182, 0, 212, 203, 142, 87, 214, 221])
    expect([...EVENT_DISCRIMINATORS.TrialResolved]).toEqual([196, 198, 203, 60, 5, 136, 167, 206])
    expect([...EVENT_DISCRIMINATORS.FeeCharged]).toEqual([10, 15, 44, 253, 165, 0, 86, 248])
    expect([...EVENT_DISCRIMINATORS.PoolAccumulatedAmountReleased]).toEqual([24, 220, 55, 231, 249, 157, 219, 208])
    expect([...EVENT_DISCRIMINATORS.PoolAccumulatedAmountUpdated]).toEqual([200, 54, 121, 99, 14, 180, 19, 138])
    expect([...EVENT_DISCRIMINATORS.PoolRegistered]).toEqual([77, 114, 165, 230, 33, 230, 135, 215])
  })

  it('encodes TrialRegistered byte for byte (borsh) and decodes it back', () => {
    const fields = {
      trialId: key(),
      who: key(),
      poolId: key(),
      multiplier: 2n ** 60n + 7n, // above 2^53: must survive as bigint
      qk: [[0.5, 1.98], [0.5, 0]] as [number, number][],
      extraDataHash: 'abc',
    }
    const bytes = encodeEvent('TrialRegistered', fields)
    expect(bytes.length).toBe(8 + 32 * 3 + 8 + 4 + 2 * 16 + 4 + 3)
    const view = new DataView(bytes.buffer)
    expect(view.getBigUint64(8 + 96, true)).toBe(fields.multiplier)
    expect(view.getUint32(8 + 104, true)).toBe(2)
    expect(view.getFloat64(8 + 108 + 8, true)).toBe(1.98)
    expect(bs58.encode(bytes.subarray(8, 40))).toBe(fields.trialId)
    expect(decodeEvent(bytes)).toEqual({ name: 'TrialRegistered', fields })
    expect(encodeEventLog('TrialRegistered', fields)).toBe(`Program data: ${Buffer.from(bytes).toString('base64')}`)
  })

  it('round-trips every other event and rejects trailing bytes', () => {
    const t = key()
    const p = key()
    const cases = [
      { name: 'TrialResolved', fields: { trialId: t, resultIndex: 1n, randomness: 0.25 } },
      { name: 'FeeCharged', fields: { feeType: 2, poolId: p, trialId: t, feeAmount: 123n } },
      { name: 'PoolAccumulatedAmountUpdated', fields: { poolId: p, trialId: t, newAccumulatedAmount: 9n } },
      { name: 'PoolAccumulatedAmountReleased', fields: { poolId: p, trialId: t, receiver: key(), releasedAmount: 2n ** 63n } },
      {
        name: 'PoolRegistered',
        fields: { poolId: p, managerAddress: key(), feePlayMultiplier: 1, feeLossMultiplier: 2, feeMintMultiplier: 3, feeHostPercent: 0.1, feePoolPercent: 0.2, minLimitForTicket: 5, probability: 0.001 },
      },
    ] as const
    for (const c of cases) {
      const bytes = encodeEvent(c.name, c.fields as never)
      expect(decodeEvent(bytes)).toEqual(c)
      expect(() => decodeEvent(new Uint8Array([...bytes, 0]))).toThrow()
    }
    expect(decodeEvent(new Uint8Array(16))).toBeNull()
  })
})

describe('transaction compiler', () => {
  const payer = labelledSigner('test-payer')
  const trial = labelledSigner('test-trial')
  const ix = trialRegisterInstruction(
    { vaultState: key(), payer: payer.address, trial: trial.address, pool: key(), netToken: key(), hostToken: key(), mint: key(), payerToken: key() },
    { qk: [[0.5, 1.98], [0.5, 0]], mult: 1e6, extraDataHash: 'ff' },
  )
  const blockhash = bs58.encode(new Uint8Array(32).fill(7))

  it('produces the same legacy message bytes as web3.js', () => {
    const ours = compileMessage(payer.address, [ix], blockhash, 'legacy')
    const theirs = new TransactionMessage({ payerKey: new PublicKey(payer.address), recentBlockhash: blockhash, instructions: [toTransactionInstruction(ix)] }).compileToLegacyMessage()
    expect(Buffer.from(ours.bytes).equals(Buffer.from(theirs.serialize()))).toBe(true)
  })

  it('produces the same v0 message bytes as web3.js with a lookup table', () => {
    const table = { key: key(), addresses: [ix.keys[4]!.address, ix.keys[8]!.address, ix.keys[9]!.address] }
    const ours = compileMessage(payer.address, [ix], blockhash, 0, table)
    const alt = new AddressLookupTableAccount({
      key: new PublicKey(table.key),
      state: { deactivationSlot: 2n ** 64n - 1n, lastExtendedSlot: 0, lastExtendedSlotStartIndex: 0, addresses: table.addresses.map((a) => new PublicKey(a)) },
    })
    const theirs = new TransactionMessage({ payerKey: new PublicKey(payer.address), recentBlockhash: blockhash, instructions: [toTransactionInstruction(ix)] }).compileToV0Message([alt])
    expect(Buffer.from(ours.bytes).equals(Buffer.from(theirs.serialize()))).toBe(true)
    expect(ours.addressTableLookups[0]!.writableIndexes).toEqual([0])
    expect(ours.addressTableLookups[0]!.readonlyIndexes).toEqual([1, 2])
  })

  it('signs with real ed25519 keys; web3.js parses the wire form', () => {
    const built = buildTx({ payer, signers: [trial], instructions: [ix], recentBlockhash: blockhash, version: 'legacy' })
    const tx = VersionedTransaction.deserialize(built.wire)
    expect(bs58.encode(tx.signatures[0]!)).toBe(built.signature)
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), bs58.decode(payer.address)])
    const pub = createPublicKey({ key: spki, format: 'der', type: 'spki' })
    expect(verify(null, tx.message.serialize(), pub, tx.signatures[0]!)).toBe(true)
    expect(tx.message.staticAccountKeys.map((k) => k.toBase58())).toEqual(built.accountKeys)
  })
})
