import { describe, expect, it } from 'vitest'
import { packTransactions, unpackEvents, unpackTransaction } from '../../src/store/packed'
import type { ChainEvent } from '../../src/store/types'

const register = (signature: string, trialId: string, wager: bigint): ChainEvent => ({
  id: `${signature}:0`, kind: 'trialRegistered', signature, slot: 7, blockTime: 1_700_000_000, trialId, player: 'P', pool: 'Pool',
  mint: null, wager, qk: [[0.5, 2], [0.5, 0]], extraDataHash: 'ab'.repeat(32), game: 'coinflip',
})
const resolve = (signature: string, trialId: string): ChainEvent => ({
  id: `${signature}:1`, kind: 'trialResolved', signature, slot: 8, blockTime: 1_700_000_001, trialId, resultIndex: 1, randomness: 0.42,
})

describe('packed events', () => {
  // Four transactions of one fetch batch: two events, none, one, one.
  const perTransaction: ChainEvent[][] = [
    [register('s0', 't0', 2n ** 64n - 1n), resolve('s0', 't0')],
    [],
    [register('s2', 't2', 5n)],
    [resolve('s3', 't2')],
  ]

  it('gives back every event as it was, bigints and nested arrays included, in a block of its own', () => {
    const bytes = packTransactions(perTransaction)
    // Transferable: the block is the whole of its buffer.
    expect(bytes.byteOffset).toBe(0)
    expect(bytes.byteLength).toBe(bytes.buffer.byteLength)
    expect(unpackEvents({ parts: [{ bytes, from: 0, to: 4 }] })).toEqual(perTransaction.flat())
    expect(unpackTransaction(bytes, 0)).toEqual(perTransaction[0])
    expect(unpackTransaction(bytes, 1)).toEqual([])
    expect(unpackTransaction(bytes, 9)).toEqual([])
  })

  it('takes only the transactions of a part, and keeps the order of parts, bytes and objects mixed', () => {
    const bytes = packTransactions(perTransaction)
    const other = register('o0', 'o', 9n)
    expect(unpackEvents({ parts: [{ bytes, from: 2, to: 4 }, { events: [other] }, { bytes, from: 0, to: 1 }] }))
      .toEqual([perTransaction[2]![0], perTransaction[3]![0], other, ...perTransaction[0]!])
    expect(unpackEvents({ parts: [{ bytes, from: 1, to: 2 }] })).toEqual([])
    expect(unpackEvents({ parts: [] })).toEqual([])
    // Past the block: a loud failure, never events silently left out.
    expect(() => unpackEvents({ parts: [{ bytes, from: 3, to: 5 }] })).toThrow(RangeError)
    expect(() => unpackEvents({ parts: [{ bytes, from: 2, to: 1 }] })).toThrow(RangeError)
  })
})
