import { serialize } from 'node:v8'
import { describe, expect, it } from 'vitest'
import { memoryStore } from '../../src/store/memory'
import { packBatchResult, unpackBatchResult } from '../../src/store/packed-result'
import type { BatchResult } from '../../src/store/types'
import { generateWorkload, makeBatch, makeJackpot, makeRegister, makeResolve } from '../../src/testing/fixtures'

/** Every result of applying a seeded workload (early resolves, never-resolved bets, jackpots, huge wagers). */
async function workloadResults(seed: number): Promise<BatchResult[]> {
  const store = memoryStore()
  const results: BatchResult[] = []
  for (const batch of generateWorkload({ seed, bets: 300, players: 12 }).batches) results.push(await store.applyBatch(batch))
  return results
}

describe('packed batch results', () => {
  it('come back equal to what was packed, through structured clone, for every result of seeded workloads', async () => {
    let bets = 0
    for (const seed of [1, 2, 3]) {
      for (const result of await workloadResults(seed)) {
        const back = unpackBatchResult(structuredClone(packBatchResult(result)))
        expect(back).toEqual(result)
        bets += result.placed.length + result.settled.length
      }
    }
    expect(bets).toBeGreaterThan(1000)
  })

  it('keeps a bet placed and settled by one batch one object, and every field exact', async () => {
    const register = makeRegister({ wager: 2n ** 63n + 5n, mint: 'Mint', qk: [[0.05, 10], [0.3, 1.5], [0.65, 0]], fees: [], poolAccumulatedAmount: null })
    const pending = makeRegister({ fees: [{ type: 7, amount: 2n ** 64n - 1n }] })
    const result = await memoryStore().applyBatch(makeBatch([register, pending, makeResolve(register, { resultIndex: 1 }), makeJackpot({ trialId: register.trialId })]))
    expect(result.placed).toHaveLength(2)
    expect(result.settled[0]).toBe(result.placed[0])
    const back = unpackBatchResult(structuredClone(packBatchResult(result)))
    expect(back).toEqual(result)
    expect(back.settled[0]).toBe(back.placed[0])
    expect(back.placed[1]).toMatchObject({ status: 'pending', resultIndex: null, payout: null, won: null, resolveSignature: null, fees: [{ type: 7, amount: 2n ** 64n - 1n }] })
    expect(back.jackpots).toHaveLength(1)
    expect(back.joined.map(p => p.wallet).sort()).toEqual([register.player, pending.player].sort())
  })

  it('writes the bets in less than 70% of the bytes of the objects', async () => {
    const registers = Array.from({ length: 200 }, () => makeRegister())
    const result = await memoryStore().applyBatch(makeBatch([...registers, ...registers.map(r => makeResolve(r))]))
    expect(result.settled).toHaveLength(200)
    const packed = packBatchResult(result)
    const asValues = serialize([packed.bets, packed.placed, packed.settled]).length
    const asObjects = serialize([result.placed, result.settled]).length
    expect(asValues).toBeLessThan(asObjects * 0.7)
  })
})
