import { describe, expect, it } from 'vitest'
import { memoryStore } from '@fare-casino/core'
import { generateWorkload, listAllBets, makeBatch, makeRegister, makeResolve, recomputeTotals, snapshotStore } from '@fare-casino/core/testing'
import { postgresStore } from '@fare-casino/adapters/postgres'
import { postgresAvailable, postgresSchemas, postgresUrl } from './_services'

const up = await postgresAvailable()

/**
 * Pipelined `applyBatch` on Postgres beyond the contract suite's part (which runs on Postgres too): a
 * batch called behind a pending one holds a connection while it queues for the casino row lock, so a
 * pool of one connection must still get through.
 */
describe.skipIf(!up)('postgresStore pipelined batches', () => {
  const { admin, schema } = postgresSchemas('fare_pipe')
  const open = async (max = 10, name = schema()) => {
    const store = postgresStore({ url: postgresUrl, max, schema: name })
    await store.migrate()
    return store
  }
  /** Backends waiting for a lock in a statement on `schema` (the casino row lock, here). */
  const lockWaiters = async (schema: string) => Number((await admin`SELECT count(*) AS n FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock' AND position(${schema} IN query) > 0`)[0]!.n)
  const until = async (condition: () => Promise<boolean>) => {
    for (let i = 0; i < 500 && !await condition(); i++) await new Promise(resolve => setTimeout(resolve, 10))
  }

  it('never plans the batch behind the first of a chain from rows read before another writer committed', async () => {
    // Another process (a leader deposed without knowing it yet) commits a resolve while this store's
    // first batch waits for the casino row lock; the batch called behind it replays the same resolve.
    // Planned from rows read before that commit, it would settle the bet again and count it twice.
    const name = schema()
    const store = await open(10, name)
    const other = await open(2, name)
    try {
      const register = makeRegister({ slot: 10 })
      await store.applyBatch(makeBatch([register]))
      const resolve = makeResolve(register, { slot: 11, resultIndex: 0 })

      // A third connection holds the lock, so that the other writer's batch and then ours queue behind it.
      let release!: () => void
      let held!: () => void
      const holding = new Promise<void>((resolve) => {
        held = resolve
      })
      const holder = admin.begin(async (tx) => {
        await tx`SELECT 1 FROM ${tx(`${name}.casino`)} WHERE id = 1 FOR UPDATE`
        held()
        await new Promise<void>((resolve) => {
          release = resolve
        })
      })
      await holding
      const otherWrite = other.applyBatch(makeBatch([resolve]))
      await until(async () => await lockWaiters(name) >= 1)
      const first = store.applyBatch(makeBatch([makeRegister({ slot: 12 })]))
      const behind = store.applyBatch(makeBatch([resolve])).then(result => result, (error: Error) => error)
      await until(async () => await lockWaiters(name) >= 2)
      // Time for the batch behind to read, had it not waited for the first batch's lock.
      await new Promise(resolve => setTimeout(resolve, 200))
      release()
      await holder
      await otherWrite
      await first
      const result = await behind
      // Written (finding the resolve applied) or refused to be applied again: never settled twice.
      if (!(result instanceof Error)) expect(result).toMatchObject({ applied: 0, duplicates: 1, settled: [] })

      const bets = await listAllBets(store)
      expect(bets.filter(b => b.status === 'settled').map(b => b.id)).toEqual([register.trialId])
      const recomputed = recomputeTotals(bets).casino
      const stats = await store.stats(1_700_000_000_000)
      expect({ bets: stats.totalBets, wins: stats.totalWins, wagered: stats.totalWagered, payout: stats.totalPayout, pending: stats.pendingBets })
        .toEqual({ bets: recomputed.bets, wins: recomputed.wins, wagered: recomputed.wagered, payout: recomputed.payout, pending: recomputed.pending })
      expect(stats.totalBets).toBe(1)
      expect(stats.pendingBets).toBe(1)
    }
    finally {
      await other.close()
      await store.close()
    }
  })

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
