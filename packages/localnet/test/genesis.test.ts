import { Connection, PublicKey } from '@solana/web3.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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

describe('the first slots of a localnet', () => {
  it('lands the first bets after the genesis slot: confirmed at once, finalized only finalizedLagSlots later', async () => {
    // On a real cluster the root trails the tip and genesis holds no transaction. A bet landed in slot 0,
    // where the root was too, was finalized the moment it landed.
    expect(await conn.getSlot('finalized')).toBe(0)
    expect(await conn.getSlot('confirmed')).toBe(1)
    const player = await net.createPlayer()
    const host = (await net.createPlayer()).publicKey
    const { signature } = await net.placeBet({ player, wager: 1_000_000n, game: 'coinFlip', host })
    const program = new PublicKey(FARE_VAULT_PROGRAM_ID)
    const confirmed = await conn.getSignaturesForAddress(program, { limit: 10 }, 'confirmed')
    expect(confirmed.map(s => [s.signature, s.slot, s.confirmationStatus])).toEqual([[signature, 1, 'confirmed']])
    expect(await conn.getSignaturesForAddress(program, { limit: 10 }, 'finalized')).toEqual([])
    expect(await conn.getTransaction(signature, { commitment: 'finalized', maxSupportedTransactionVersion: 0 })).toBeNull()
    expect((await conn.getTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 }))?.slot).toBe(1)
  })
})
