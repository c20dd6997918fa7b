import { afterAll, describe, expect, it } from 'vitest'
import postgres from 'postgres'
import { isCasinoError, memoryStore } from '@fare-casino/core'
import type { Batch } from '@fare-casino/core'
import { generateWorkload, makeBatch, makeRegister, makeResolve, snapshotStore } from '@fare-casino/core/testing'
import { postgresStore } from '@fare-casino/adapters/postgres'
import { postgresAvailable, postgresUrl, uniqueName } from './_services'

const up = await postgresAvailable()

/**
 * Pipelined `applyBatch` (`pipelinesBatches`): a batch called while the one before it is still being
 * written is planned against that one's plan and written only after it has committed.
 */
describe.skipIf(!up)('postgresStore pipelined batches', () => {
  const admin = postgres(postgresUrl, { max: 2, onnotice: () => {} })
  const schemas: string[] = []
  afterAll(async () => {
    for (const name of schemas) await admin`DROP SCHEMA IF EXISTS ${admin(name)} CASCADE`
    await admin.end({ timeout: 5 })
  })
  const open = async (max = 10) => {
    const name = uniqueName('fare_pipe')
    schemas.push(name)
    const store = postgresStore({ url: postgresUrl, max, schema: name })
    await store.migrate()
    return store
  }
  const reference = async (batches: Batch[]) => {
    const store = memoryStore()
    for (const batch of batches) await store.applyBatch(batch)
    return store
  }
  const betCount = async (schema: string) => (await admin<{ n: number }[]>`SELECT count(*)::int AS n FROM ${admin(`${schema}.bets`)}`)[0]!.n
  const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error)

  it('says so', async () => {
    const store = await open()
    expect(store.pipelinesBatches).toBe(true)
    await store.close()
  })

  it('applies batches called without waiting exactly as one after another', async () => {
    // Later batches settle bets, consume early resolves and credit players that earlier batches, not yet
    // committed when the later ones are read, create.
    const w = generateWorkload({ seed: 11, bets: 600, batchSize: 30 })
    for (const max of [10, 1]) {
      const store = await open(max)
      try {
        const results = await Promise.all(w.batches.map(batch => store.applyBatch(batch)))
        const expected = await reference(w.batches)
        const sequential = memoryStore()
        for (const [i, batch] of w.batches.entries()) expect(results[i]).toEqual(await sequential.applyBatch(batch))
        expect(await snapshotStore(store, { wallets: w.wallets, now: w.now })).toEqual(await snapshotStore(expected, { wallets: w.wallets, now: w.now }))
        const seqs = await admin<{ seq: string }[]>`SELECT seq FROM ${admin(`${store.schema}.bets`)} ORDER BY seq`
        expect(seqs.map(r => Number(r.seq))).toEqual(Array.from({ length: 600 }, (_, i) => i + 1))
      }
      finally {
        await store.close()
      }
    }
  })

  it('writes nothing of a batch called behind one that fails, and both apply when sent again', async () => {
    const store = await open()
    try {
      const player = 'P1ayer1111111111111111111111111111111111111'
      const register = makeRegister({ player, slot: 10 })
      const first = makeBatch([register, makeRegister({ player, slot: 11 })])
      const second = makeBatch([makeResolve(register, { slot: 12 }), makeRegister({ slot: 13 })])
      store.failNextBatch(1)
      const [a, b] = await Promise.all([rejection(store.applyBatch(first)), rejection(store.applyBatch(second))])
      expect((a as Error).message).toMatch(/injected/)
      expect(isCasinoError(b) && b.code).toBe('STORE_ERROR')
      expect((b as Error).message).toMatch(/pipelined batch not written/)
      expect(await betCount(store.schema)).toBe(0)
      expect(await store.getCursor()).toBeNull()

      await store.applyBatch(first)
      await store.applyBatch(second)
      const expected = await reference([first, second])
      expect(await snapshotStore(store, { wallets: [player], now: 1_700_000_000_000 })).toEqual(await snapshotStore(expected, { wallets: [player], now: 1_700_000_000_000 }))
    }
    finally {
      await store.close()
    }
  })

  it('refuses a batch whose expected cursor is not the stored one, pipelined or not', async () => {
    const store = await open()
    try {
      const first = makeBatch([makeRegister({ slot: 10 })])
      const behind = { ...makeBatch([makeRegister({ slot: 11 })]), expectCursor: 'not-the-cursor' }
      const [a, b] = await Promise.all([store.applyBatch(first), rejection(store.applyBatch(behind))])
      expect(a.placed).toHaveLength(1)
      expect(isCasinoError(b) && b.code).toBe('STORE_ERROR')
      const alone = await rejection(store.applyBatch({ ...makeBatch([makeRegister({ slot: 12 })]), expectCursor: 'not-the-cursor' }))
      expect(isCasinoError(alone) && alone.code).toBe('STORE_ERROR')
      expect(await betCount(store.schema)).toBe(1)
      expect((await store.getCursor())?.signature).toBe(first.cursor!.signature)

      // The right expectation is written, behind a pending batch and alone.
      const next = makeBatch([makeRegister({ slot: 13 })])
      const after = { ...makeBatch([makeRegister({ slot: 14 })]), expectCursor: next.cursor!.signature }
      await Promise.all([store.applyBatch(next), store.applyBatch(after)])
      await store.applyBatch({ ...makeBatch([makeRegister({ slot: 15 })]), expectCursor: after.cursor!.signature })
      expect(await betCount(store.schema)).toBe(4)
    }
    finally {
      await store.close()
    }
  })

  it('refuses a pipelined batch when the store is not where the batch before it left it', async () => {
    const store = await open()
    try {
      // A newer cursor is stored first, so `first` (a deposed leader's late commit, say) commits its bet
      // but leaves the cursor where it is: `behind`, planned as following `first`, must not be written.
      await store.applyBatch(makeBatch([makeRegister({ slot: 100 })]))
      const first = makeBatch([makeRegister({ slot: 50 })])
      const behind = makeBatch([makeRegister({ slot: 51 })])
      const [, error] = await Promise.all([store.applyBatch(first), rejection(store.applyBatch(behind))])
      expect(isCasinoError(error) && error.code).toBe('STORE_ERROR')
      expect((error as Error).message).toMatch(/not where the batch before it left it/)
      expect(await betCount(store.schema)).toBe(2)
      // Sent again on its own, it is written after `first`, with the next seq.
      await store.applyBatch(behind)
      const seqs = await admin<{ seq: string, slot: string }[]>`SELECT seq, register_slot AS slot FROM ${admin(`${store.schema}.bets`)} ORDER BY seq`
      expect(seqs.map(r => [Number(r.seq), Number(r.slot)])).toEqual([[1, 100], [2, 50], [3, 51]])
    }
    finally {
      await store.close()
    }
  })
})
