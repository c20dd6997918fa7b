import { serialize } from 'node:v8'
import { describe, expect, it } from 'vitest'
import { packTransactions, unpackEvents, unpackTransaction } from '../../src/store/packed'
import type { ChainEvent, TrialRegisteredEvent } from '../../src/store/types'

const register = (signature: string, trialId: string, wager: bigint): ChainEvent => ({
  id: `${signature}:0`, kind: 'trialRegistered', signature, slot: 7, blockTime: 1_700_000_000, trialId, player: 'P', pool: 'Pool',
  mint: null, wager, qk: [[0.5, 2], [0.5, 0]], extraDataHash: 'ab'.repeat(32), game: 'coinflip',
  fees: [{ type: 0, amount: wager / 200n }, { type: 1, amount: wager / 200n }, { type: 2, amount: wager / 1000n }], poolAccumulatedAmount: wager * 3n,
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

  it('keeps a register\'s and a resolve\'s position in their block, and none where the node gave none', () => {
    const positioned: ChainEvent[][] = [
      [{ ...register('s0', 't0', 9n), transactionIndex: 0 } as ChainEvent],
      [{ ...resolve('s1', 't0'), transactionIndex: 1234 } as ChainEvent, resolve('s1', 't1')],
      [register('s2', 't2', 5n)],
    ]
    const back = unpackEvents({ parts: [{ bytes: packTransactions(positioned), from: 0, to: 3 }] })
    expect(back.map(e => (e as { transactionIndex?: number }).transactionIndex)).toEqual([0, 1234, undefined, undefined])
    expect(back).toEqual(positioned.flat())
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

describe('packed event ids', () => {
  const at = (id: string): ChainEvent => ({ ...resolve('sig', 't'), id })

  it('gives back ids of any form, the decoder\'s `<signature>:<index>` and others', () => {
    const ids = ['sig:0', 'sig:7', 'sig:12', 'sig:1234567', 'sig:12345678', 'sig:01', 'sig:', 'sig', 'si:1', 'sig:1a', 'other:3', 'sig:-1', '']
    const perTransaction = [ids.map(at)]
    expect(unpackEvents({ parts: [{ bytes: packTransactions(perTransaction), from: 0, to: 1 }] }).map(e => e.id)).toEqual(ids)
  })

  it('keeps every kind of event, a jackpot and the recorded ones with their data', () => {
    const events: ChainEvent[] = [
      { id: 's:0', kind: 'jackpotReleased', signature: 's', slot: 1, blockTime: 2, pool: 'P', trialId: 't', receiver: 'R', amount: 2n ** 70n },
      { id: 's:1', kind: 'feeCharged', signature: 's', slot: 1, blockTime: 2, data: { trialId: 't', amount: '5', nested: { a: [1, 2] } } },
      { id: 's:2', kind: 'poolRegistered', signature: 's', slot: 1, blockTime: 2, data: {} },
      { ...(register('s', 't', 1n) as TrialRegisteredEvent), id: 's:3', mint: 'M' },
    ]
    expect(unpackEvents({ parts: [{ bytes: packTransactions([events, [], events.slice(1, 2)]), from: 0, to: 3 }] }))
      .toEqual([...events, events[1]])
  })

  it('keeps the fee and pool events of a register as the decoder writes them, and events that differ from their transaction', () => {
    const fee = (index: number, amount: string): ChainEvent => ({
      id: `sig:${index}`, kind: 'feeCharged', signature: 'sig', slot: 5, blockTime: 6, data: { feeType: index, poolId: 'P', trialId: 't', feeAmount: amount },
    })
    const events: ChainEvent[] = [
      fee(0, '50'), fee(1, '50'), fee(2, '10'),
      { id: 'sig:3', kind: 'poolAccumulatedAmountUpdated', signature: 'sig', slot: 5, blockTime: 6, data: { poolId: 'P', trialId: 't', newAccumulatedAmount: '18446744073709551615' } },
      { ...(register('sig', 't', 5n) as TrialRegisteredEvent), id: 'sig:4', slot: 5, blockTime: 6 },
      // Not the decoder's shapes: kept as they are.
      { id: 'sig:5', kind: 'feeCharged', signature: 'sig', slot: 5, blockTime: 6, data: { poolId: 'P', feeType: 1, trialId: 't', feeAmount: '1' } },
      { id: 'sig:6', kind: 'poolAccumulatedAmountUpdated', signature: 'sig', slot: 5, blockTime: 6, data: { poolId: 'P', trialId: 't', newAccumulatedAmount: '1', extra: true } },
      { id: 'sig:9', kind: 'feeCharged', signature: 'sig', slot: 5, blockTime: 6, data: null } as unknown as ChainEvent,
      // Another signature, slot or block time than the transaction's first event.
      { ...fee(7, '1'), signature: 'other', id: 'other:7' },
      { ...fee(8, '1'), slot: 9 },
      { ...resolve('sig', 't'), blockTime: 1 },
    ]
    expect(unpackEvents({ parts: [{ bytes: packTransactions([events]), from: 0, to: 1 }] })).toEqual(events)
    // Exact for any number: a slot of -0 after one of 0 is not its transaction's.
    const zeros = [{ ...fee(0, '1'), slot: 0 }, { ...fee(1, '1'), slot: -0 }]
    expect(Object.is(unpackEvents({ parts: [{ bytes: packTransactions([zeros]), from: 0, to: 1 }] })[1]!.slot, -0)).toBe(true)
  })

  it('refuses a block with a kind it does not know', () => {
    // One transaction of one event: its header (signature, slot, block time), then kind 7 and an id.
    expect(() => unpackEvents({ parts: [{ bytes: new Uint8Array(serialize([1, 's', 1, 2, 7, 0])), from: 0, to: 1 }] })).toThrow(RangeError)
  })
})
