import { Connection, PublicKey } from '@solana/web3.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Ledger } from '../src/chain/ledger'
import type { PreparedTx, TxRecord } from '../src/chain/types'
import { FARE_VAULT_PROGRAM_ID, startLocalnet, type Localnet } from '../src/index'

let net: Localnet
let conn: Connection

beforeAll(async () => {
  // Slots long enough that nothing ticks during the test: what it sees is the ledger's first slot.
  net = await startLocalnet({ seed: 11, slotMs: 60_000, resolveDelayMs: 60_000, finalizedLagSlots: 2 })
  conn = new Connection(net.rpcUrl, { commitment: 'confirmed' })
})
afterAll(async () => {
  await net.close()
})

/** A transaction to land: only what the ledger reads (its signature and account keys). */
const prepared = (n: number): PreparedTx => ({ signature: `sig${n}`, accountKeys: ['key'] }) as unknown as PreparedTx

describe('the first slots of a localnet', () => {
  it('lands the first bets after the genesis slot, and shows them to confirmed readers only once their slot is over', async () => {
    // On a real cluster the root trails the tip and genesis holds no transaction. A bet landed in slot 0,
    // where the root was too, was finalized the moment it landed.
    expect(await conn.getSlot('finalized')).toBe(0)
    expect(await conn.getSlot('confirmed')).toBe(0)
    expect(await conn.getSlot('processed')).toBe(1)
    const player = await net.createPlayer()
    const host = (await net.createPlayer()).publicKey
    const { signature } = await net.placeBet({ player, wager: 1_000_000n, game: 'coinFlip', host })
    const program = new PublicKey(FARE_VAULT_PROGRAM_ID)
    // Slot 1 is still open: a node confirms a slot once it is over, and what a confirmed reader saw of a
    // slot never grows afterwards.
    expect(await conn.getSignaturesForAddress(program, { limit: 10 }, 'confirmed')).toEqual([])
    expect(await conn.getTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 })).toBeNull()
    // A node has the time of a block once it is confirmed.
    await expect(conn.getBlockTime(1)).rejects.toThrow(/Block not available for slot 1/)
    expect(await conn.getBlockTime(0)).toBeGreaterThan(0)
  })
})

describe('the ledger', () => {
  it('confirms a slot when the next one starts, and finalizes it finalizedLagSlots later, telling listeners slot by slot', () => {
    const ledger = new Ledger({ seed: 1, slotMs: 60_000, finalizedLagSlots: 2 })
    const seen: string[] = []
    ledger.listen({
      landed: tx => seen.push(`processed ${tx.signature}@${tx.slot}`),
      confirmed: (txs, slot) => seen.push(`confirmed ${txs.map(t => t.signature).join(',')}@${slot}`),
      finalized: (txs, slot) => seen.push(`finalized ${txs.map(t => t.signature).join(',')}@${slot}`),
    })
    const visible = (tx: TxRecord) => (['processed', 'confirmed', 'finalized'] as const).filter(c => ledger.get(tx.signature, c))
    const a = ledger.land(prepared(1))
    const b = ledger.land(prepared(2))
    expect([a.slot, b.slot, a.transactionIndex, b.transactionIndex]).toEqual([1, 1, 0, 1])
    expect([ledger.slotAt('processed'), ledger.slotAt('confirmed'), ledger.slotAt('finalized')]).toEqual([1, 0, 0])
    expect(visible(a)).toEqual(['processed'])
    ledger.tick()
    const c = ledger.land(prepared(3))
    expect([ledger.slotAt('processed'), ledger.slotAt('confirmed'), ledger.slotAt('finalized')]).toEqual([2, 1, 0])
    expect([visible(a), visible(c)]).toEqual([['processed', 'confirmed'], ['processed']])
    ledger.tick()
    expect(visible(a)).toEqual(['processed', 'confirmed'])
    ledger.tick()
    expect([visible(a), visible(c)]).toEqual([['processed', 'confirmed', 'finalized'], ['processed', 'confirmed']])
    ledger.tick()
    expect([ledger.slotAt('processed'), ledger.slotAt('confirmed'), ledger.slotAt('finalized')]).toEqual([5, 4, 2])
    expect([visible(a), visible(c)]).toEqual([['processed', 'confirmed', 'finalized'], ['processed', 'confirmed', 'finalized']])
    expect(seen).toEqual([
      'processed sig1@1', 'processed sig2@1', 'confirmed sig1,sig2@1', 'processed sig3@2', 'confirmed sig3@2',
      'finalized sig1,sig2@1', 'finalized sig3@2',
    ])
  })
})
