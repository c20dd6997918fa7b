import { afterAll, describe, expect, it } from 'vitest'
import postgres from 'postgres'
import { isCasinoError, memoryStore } from '@fare-casino/core'
import { generateWorkload, makeBatch, makeRegister, snapshotStore } from '@fare-casino/core/testing'
import { postgresStore } from '@fare-casino/adapters/postgres'
import { postgresAvailable, postgresUrl, uniqueName } from './_services'

const up = await postgresAvailable()

/**
 * Pipelined `applyBatch` on Postgres beyond the contract suite's part: a batch called while the one
 * before it is still being written is planned against that one's plan, queues for the casino row lock
 * behind it, and is written only if the guard finds the store where that plan left it.
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
  const betCount = async (schema: string) => (await admin<{ n: number }[]>`SELECT count(*)::int AS n FROM ${admin(`${schema}.bets`)}`)[0]!.n
  const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error)

  it('pipelines batches over a pool of one connection (they wait for it, never for each other)', async () => {
    const store = await open(1)
    try {
      expect(store.pipelinesBatches).toBe(true)
      const w = generateWorkload({ seed: 17, bets: 200, batchSize: 20 })
      await Promise.all(w.batches.map(batch => store.applyBatch(batch)))
      const sequential = memoryStore()
      for (const batch of w.batches) await sequential.applyBatch(batch)
      expect(await snapshotStore(store, { wallets: w.wallets, now: w.now })).toEqual(await snapshotStore(sequential, { wallets: w.wallets, now: w.now }))
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
