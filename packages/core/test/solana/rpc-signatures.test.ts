import { startLocalnet } from '@fare-casino/localnet'
import { describe, expect, it } from 'vitest'
import { createRpcClient } from '../../src/solana/rpc'

describe('getSignaturesForAddress with minContextSlot', () => {
  it('lists before a signature once the node has reached its slot, and is refused with a retryable -32016 before', async () => {
    const net = await startLocalnet({ seed: 5, slotMs: 50, resolveDelayMs: 20 })
    try {
      const owner = (await net.createPlayer()).publicKey
      const player = await net.createPlayer({ tokens: 10n ** 20n })
      for (let i = 0; i < 3; i++) await net.placeBet({ player, wager: 1_000n + BigInt(i), game: net.games[0]!.id, host: owner })
      // Every resolve landed and confirmed: the two listings below see the same history.
      await net.waitForIdle()
      const rpc = createRpcClient({ url: net.rpcUrl, commitment: 'confirmed' })
      const all = await rpc.getSignaturesForAddress(net.programId)
      expect(all.length).toBeGreaterThanOrEqual(3)
      const newest = all[0]!
      const older = await rpc.getSignaturesForAddress(net.programId, { before: newest.signature, minContextSlot: newest.slot })
      // By signature: a slot may have become finalized between the two listings (confirmationStatus).
      expect(older.map(i => i.signature)).toEqual(all.slice(1).map(i => i.signature))
      await expect(rpc.getSignaturesForAddress(net.programId, { before: newest.signature, minContextSlot: newest.slot + 1_000_000 }))
        .rejects.toMatchObject({ name: 'RpcError', code: -32016, retryable: true })
    }
    finally {
      await net.close()
    }
  })
})
