import { describe, expect, it } from 'vitest'
import { memoryStore } from '@fare-casino/core'
import { generateWorkload, snapshotStore } from '@fare-casino/core/testing'
import { postgresStore } from '@fare-casino/adapters/postgres'
import { postgresAvailable, postgresSchemas, postgresUrl } from './_services'

const up = await postgresAvailable()

/**
 * Pipelined `applyBatch` on Postgres beyond the contract suite's part (which runs on Postgres too): a
 * batch called behind a pending one holds a connection while it queues for the casino row lock, so a
 * pool of one connection must still get through.
 */
describe.skipIf(!up)('postgresStore pipelined batches', () => {
  const { schema } = postgresSchemas('fare_pipe')
  const open = async (max = 10) => {
    const store = postgresStore({ url: postgresUrl, max, schema: schema() })
    await store.migrate()
    return store
  }

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
})
