import { describe, expect, it } from 'vitest'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import type { ChainEvent } from '@fare-casino/core/store'
import { postgresMigrationsFolder, postgresStore } from '@fare-casino/adapters/postgres'
import { postgresAvailable, postgresSchemas, postgresUrl } from './_services'

/**
 * Postgres records the applied events that are not on a bet row one row per transaction
 * (`transaction_events`): replaying any of them is a no-op, an event of a transaction already recorded
 * joins its row, and a schema's `events` rows from before are carried over by the migration.
 */

const up = await postgresAvailable()

const fee = (signature: string, index: number): ChainEvent => ({
  id: `${signature}:${index}`, kind: 'feeCharged', signature, slot: 7, blockTime: 1_700_000_000,
  data: { feeType: index, poolId: 'Pool', trialId: 'Trial', feeAmount: '5' },
})
const jackpot = (id: string, signature: string): ChainEvent => ({
  id, kind: 'jackpotReleased', signature, slot: 8, blockTime: 1_700_000_001, pool: 'P', trialId: 'T', receiver: 'R', amount: 5n,
})

describe.skipIf(!up)('postgres transaction_events', () => {
  const { admin, schema } = postgresSchemas('fare_tx_events')
  const rowsOf = async (name: string) => Object.fromEntries(
    (await admin<{ signature: string, ids: string[], kinds: string[] }[]>`SELECT signature, ids, kinds FROM ${admin(`${name}.transaction_events`)} ORDER BY signature`)
      .map(r => [r.signature, { ids: r.ids, kinds: r.kinds }]),
  )

  it('records a transaction\'s events in one row, adds later ones to it, and counts every replay as a duplicate, whatever signature an event says', async () => {
    const name = schema()
    const store = postgresStore({ url: postgresUrl, max: 2, schema: name })
    try {
      await store.migrate()
      expect(await store.applyBatch({ events: [fee('A', 0), fee('A', 1), fee('B', 0)], cursor: null })).toMatchObject({ applied: 3, duplicates: 0 })
      expect(await store.applyBatch({ events: [fee('A', 0), fee('A', 2)], cursor: null })).toMatchObject({ applied: 1, duplicates: 1 })
      expect(await store.applyBatch({ events: [fee('B', 0), fee('A', 1), fee('A', 2), fee('A', 0)], cursor: null })).toMatchObject({ applied: 0, duplicates: 4 })
      // An id is applied once whatever signature the event carrying it says.
      expect(await store.applyBatch({ events: [jackpot('C:0', 'C')], cursor: null })).toMatchObject({ applied: 1 })
      expect(await store.applyBatch({ events: [jackpot('C:0', 'elsewhere')], cursor: null })).toMatchObject({ applied: 0, duplicates: 1 })
    }
    finally {
      await store.close()
    }
    expect(await rowsOf(name)).toEqual({
      A: { ids: ['A:0', 'A:1', 'A:2'], kinds: ['feeCharged', 'feeCharged', 'feeCharged'] },
      B: { ids: ['B:0'], kinds: ['feeCharged'] },
      C: { ids: ['C:0'], kinds: ['jackpotReleased'] },
    })
  })

  it('carries a schema\'s events rows over: what was applied before the migration stays applied', async () => {
    const name = schema()
    // The schema as the store left it before: migrations up to the one before transaction_events, one events row per event.
    const migrations = readMigrationFiles({ migrationsFolder: postgresMigrationsFolder })
    const before = migrations.findIndex(m => m.sql.some(statement => statement.includes('CREATE TABLE "transaction_events"')))
    expect(before).toBeGreaterThan(0)
    await admin.begin(async (tx) => {
      await tx`CREATE SCHEMA ${tx(name)}`
      await tx.unsafe(`SET LOCAL search_path TO "${name}"`)
      await tx.unsafe(`CREATE TABLE "${name}"."__fare_migrations" (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint NOT NULL)`)
      for (const migration of migrations.slice(0, before)) {
        for (const statement of migration.sql) if (statement.trim()) await tx.unsafe(statement)
        await tx.unsafe(`INSERT INTO "${name}"."__fare_migrations" (hash, created_at) VALUES ($1, $2)`, [migration.hash, migration.folderMillis])
      }
      await tx.unsafe(`INSERT INTO "${name}"."casino" (id) VALUES (1) ON CONFLICT (id) DO NOTHING`)
      for (const [id, kind, signature] of [['A:0', 'feeCharged', 'A'], ['A:1', 'poolAccumulatedAmountUpdated', 'A'], ['D:0', 'jackpotReleased', 'elsewhere']]) {
        await tx.unsafe(`INSERT INTO "${name}"."events" (id, kind, signature, slot, block_time) VALUES ($1, $2, $3, 7, 1700000000)`, [id!, kind!, signature!])
      }
    })

    const store = postgresStore({ url: postgresUrl, max: 2, schema: name })
    try {
      await store.migrate()
      const poolUpdate: ChainEvent = { id: 'A:1', kind: 'poolAccumulatedAmountUpdated', signature: 'A', slot: 7, blockTime: 1_700_000_000, data: {} }
      const replay = await store.applyBatch({ events: [fee('A', 0), poolUpdate, jackpot('D:0', 'D'), fee('A', 2)], cursor: null })
      expect(replay).toMatchObject({ applied: 1, duplicates: 3 })
    }
    finally {
      await store.close()
    }
    expect(await rowsOf(name)).toEqual({
      A: { ids: ['A:0', 'A:1', 'A:2'], kinds: ['feeCharged', 'poolAccumulatedAmountUpdated', 'feeCharged'] },
      D: { ids: ['D:0'], kinds: ['jackpotReleased'] },
    })
    const [old] = await admin`SELECT to_regclass(${`${name}.events`}) AS t`
    expect(old!.t).toBeNull()
  })
})
