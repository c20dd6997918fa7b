import { Connection, PublicKey } from '@solana/web3.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Localnet, startLocalnet } from '../src/index'

let net: Localnet
let conn: Connection

beforeAll(async () => {
  // Slots long enough to read a balance inside the bet's; resolutions far off, so that only the bet moves it.
  net = await startLocalnet({ seed: 11, slotMs: 500, resolveDelayMs: 600_000, finalizedLagSlots: 2 })
  conn = new Connection(net.rpcUrl)
})
afterAll(async () => {
  await net.close()
})

describe('getBalance', () => {
  it('answers the balance at the commitment asked: a transaction counts once its slot is at that commitment', async () => {
    const player = await net.createPlayer()
    const host = (await net.createPlayer()).publicKey
    const key = new PublicKey(player.publicKey)
    const before = await conn.getBalance(key, 'finalized')
    const bet = await net.placeBet({ player, wager: 1_000_000n, game: 'dice', host })
    const after = await conn.getBalanceAndContext(key, 'processed')
    expect(after.value).toBeLessThan(before)
    // Every commitment answers as of its slot: the bet's balance once that slot reaches the bet's, the old one before.
    const expected = (slot: number) => (slot >= bet.slot ? after.value : before)
    for (const commitment of ['confirmed', 'finalized'] as const) {
      const { context, value } = await conn.getBalanceAndContext(key, commitment)
      expect(value, `${commitment} at slot ${context.slot}, the bet in ${bet.slot}`).toBe(expected(context.slot))
    }
    // A commitment behind the bet's slot really was read (slots of 500 ms: finalized trails the open one by 3).
    const finalized = await conn.getBalanceAndContext(key, 'finalized')
    expect(finalized.context.slot).toBeLessThan(bet.slot)
    expect(finalized.value).toBe(before)
    await net.waitForConfirmed()
    expect(await conn.getBalance(key, 'confirmed')).toBe(after.value)
    for (let i = 0; i < 100 && (await conn.getSlot('finalized')) < bet.slot; i++) await new Promise(r => setTimeout(r, 50))
    expect(await conn.getBalance(key, 'finalized')).toBe(after.value)
  })
})
