import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import { afterAll, describe, expect, it } from 'vitest'
import type { ChainEvent } from '@fare-casino/core/store'
import { sqliteMigrationsFolder, sqliteStore } from '@fare-casino/adapters/sqlite'

/**
 * The events that do not go on a bet row (fees, pool updates, and the like) are recorded one row per
 * transaction (`transaction_events`): replaying any of them is a no-op, an event of a transaction
 * already recorded joins its row, and the rows of a file from before (one `chain_events` row per
 * event) are carried over by the migration. Since 0007 a register's fees and pool update are on its bet
 * row; 0008 copies them there from the rows recorded before.
 */

const dir = mkdtempSync(join(tmpdir(), 'fare-sqlite-tx-events-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const newFile = () => join(dir, `store-${++n}.db`)

const fee = (signature: string, index: number, feeAmount: string): ChainEvent => ({
  id: `${signature}:${index}`, kind: 'feeCharged', signature, slot: 7, blockTime: 1_700_000_000,
  data: { feeType: index, poolId: 'Pool', trialId: 'Trial', feeAmount },
})
const poolUpdate = (signature: string, index: number): ChainEvent => ({
  id: `${signature}:${index}`, kind: 'poolAccumulatedAmountUpdated', signature, slot: 7, blockTime: 1_700_000_000,
  data: { poolId: 'Pool', trialId: 'Trial', newAccumulatedAmount: '18446744073709551615' },
})

/**
 * A new file with the migrations before the first whose SQL contains `statement` applied, as the store
 * of that time left it, open.
 */
function migratedUpTo(file: string, statement: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(file)
  const migrations = readMigrationFiles({ migrationsFolder: sqliteMigrationsFolder })
  const before = migrations.findIndex(m => m.sql.some(sql => sql.includes(statement)))
  expect(before).toBeGreaterThan(0)
  db.exec('CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)')
  for (const migration of migrations.slice(0, before)) {
    for (const sql of migration.sql) if (sql.trim()) db.exec(sql)
    db.prepare('INSERT INTO "__drizzle_migrations" ("hash", "created_at") VALUES (?, ?)').run(migration.hash, migration.folderMillis)
  }
  db.exec('INSERT OR IGNORE INTO casino_totals (id) VALUES (1)')
  return db
}

/** The recorded events of a file, by signature. */
function rowsOf(file: string): Record<string, { id: string, kind: string, data: unknown }[]> {
  const db = new BetterSqlite3(file, { readonly: true })
  try {
    const rows = db.prepare('SELECT signature, events FROM transaction_events ORDER BY signature').all() as { signature: string, events: string }[]
    return Object.fromEntries(rows.map(r => [r.signature, JSON.parse(r.events)]))
  }
  finally {
    db.close()
  }
}

describe('transaction_events', () => {
  it('records a transaction\'s events in one row, adds later ones to it, and counts every replay as a duplicate', async () => {
    const file = newFile()
    const store = sqliteStore({ file, writerThread: false })
    try {
      await store.migrate()
      const first = await store.applyBatch({ events: [fee('A', 0, '5'), poolUpdate('A', 1), fee('B', 0, '7')], cursor: null })
      expect(first).toMatchObject({ applied: 3, duplicates: 0 })
      const second = await store.applyBatch({ events: [fee('A', 0, '5'), fee('A', 2, '9')], cursor: null })
      expect(second).toMatchObject({ applied: 1, duplicates: 1 })
      const replay = await store.applyBatch({ events: [fee('B', 0, '7'), poolUpdate('A', 1), fee('A', 2, '9'), fee('A', 0, '5')], cursor: null })
      expect(replay).toMatchObject({ applied: 0, duplicates: 4 })
    }
    finally {
      await store.close()
    }
    const rows = rowsOf(file)
    expect(Object.keys(rows)).toEqual(['A', 'B'])
    expect(rows.A!.map(e => e.id)).toEqual(['A:0', 'A:1', 'A:2'])
    expect(rows.A![1]).toEqual({ id: 'A:1', kind: 'poolAccumulatedAmountUpdated', data: { poolId: 'Pool', trialId: 'Trial', newAccumulatedAmount: '18446744073709551615' } })
    expect(rows.B).toEqual([{ id: 'B:0', kind: 'feeCharged', data: { feeType: 0, poolId: 'Pool', trialId: 'Trial', feeAmount: '7' } }])
  })

  it('carries a file\'s chain_events rows over: what was applied before the migration stays applied', async () => {
    const file = newFile()
    // The file as the store left it before: migrations up to 0003, one chain_events row per event.
    const db = migratedUpTo(file, 'CREATE TABLE `transaction_events`')
    const insert = db.prepare('INSERT INTO chain_events (id, kind, signature, slot, block_time, data) VALUES (?, ?, ?, ?, ?, ?)')
    for (const e of [fee('A', 0, '5'), poolUpdate('A', 1), fee('B', 0, '7')]) {
      insert.run(e.id, e.kind, e.signature, e.slot, e.blockTime, JSON.stringify((e as { data: unknown }).data))
    }
    // A jackpot's row had no data; a row whose signature column is not the one its id names.
    insert.run('C:0', 'jackpotReleased', 'C', 8, 1_700_000_001, null)
    insert.run('D:0', 'jackpotReleased', 'elsewhere', 8, 1_700_000_001, null)
    db.close()

    const store = sqliteStore({ file, writerThread: false })
    try {
      await store.migrate()
      const replay = await store.applyBatch({ events: [fee('A', 0, '5'), poolUpdate('A', 1), fee('B', 0, '7'), fee('A', 2, '9'), { ...fee('D', 0, '1'), signature: 'elsewhere' }], cursor: null })
      expect(replay).toMatchObject({ applied: 1, duplicates: 4 })
    }
    finally {
      await store.close()
    }
    const rows = rowsOf(file)
    expect(rows.A!.map(e => e.id)).toEqual(['A:0', 'A:1', 'A:2'])
    expect(rows.A![0]!.data).toEqual({ feeType: 0, poolId: 'Pool', trialId: 'Trial', feeAmount: '5' })
    expect(rows.C).toEqual([{ id: 'C:0', kind: 'jackpotReleased', data: null }])
    const check = new BetterSqlite3(file, { readonly: true })
    expect(check.prepare('SELECT count(*) AS n FROM sqlite_master WHERE name = \'chain_events\'').get()).toEqual({ n: 0 })
    check.close()
  })

  it('gives the bets of a file from before 0007 the fees and pool amount their register transaction recorded', async () => {
    const file = newFile()
    const db = migratedUpTo(file, 'ADD `fees`')
    db.prepare('INSERT INTO players (wallet, created_at, last_seen_at) VALUES (?, 0, 0)').run('Player')
    const bet = db.prepare(`INSERT INTO bets (seq, id, player, pool, mint, game, extra_data_hash, wager, qk, status, register_signature,
      register_slot, block_time, register_event_id) VALUES (?, ?, 'Player', ?, NULL, 'coinflip', 'h', 1000, '[[0.5,2],[0.5,0]]', 'pending', ?, 7, 1700000000, ?)`)
    const events = db.prepare('INSERT INTO transaction_events (signature, slot, block_time, events) VALUES (?, 7, 1700000000, ?)')
    const recorded = (...list: ChainEvent[]) => JSON.stringify(list.map(e => ({ id: e.id, kind: e.kind, data: (e as { data: unknown }).data })))
    // A: the vault's four events, the fee amounts as the decoder wrote them (decimal strings).
    bet.run(1, 'Trial', 'Pool', 'A', 'A:4')
    events.run('A', recorded(fee('A', 0, '18446744073709551615'), fee('A', 1, '5'), fee('A', 2, '1'), poolUpdate('A', 3)))
    // B: a fee of another trial and one of another pool, in its register transaction.
    bet.run(2, 'Other', 'Pool', 'B', 'B:2')
    events.run('B', recorded(fee('B', 0, '5'), { id: 'B:1', kind: 'feeCharged', signature: 'B', slot: 7, blockTime: 1_700_000_000, data: { feeType: 1, poolId: 'Elsewhere', trialId: 'Other', feeAmount: '6' } }))
    // C: nothing recorded.
    bet.run(3, 'Third', 'Pool', 'C', 'C:0')
    db.close()

    const store = sqliteStore({ file, writerThread: false })
    try {
      await store.migrate()
      expect(await store.getBet('Trial')).toMatchObject({
        fees: [{ type: 0, amount: 2n ** 64n - 1n }, { type: 1, amount: 5n }, { type: 2, amount: 1n }], poolAccumulatedAmount: 2n ** 64n - 1n,
      })
      expect(await store.getBet('Other')).toMatchObject({ fees: [], poolAccumulatedAmount: null })
      expect(await store.getBet('Third')).toMatchObject({ fees: [], poolAccumulatedAmount: null })
    }
    finally {
      await store.close()
    }
    // The recorded events stay.
    expect(rowsOf(file).A).toHaveLength(4)
  })

  it.each(['fee', 'jackpot'] as const)('counts an event id seen again as a duplicate whatever signature the event carries (%s)', async (kind) => {
    const event = (signature: string): ChainEvent => kind === 'fee'
      ? { ...fee('A', 0, '5'), signature }
      : { id: 'A:0', kind: 'jackpotReleased', signature, slot: 7, blockTime: 1_700_000_000, pool: 'P', trialId: 'T', receiver: 'R', amount: 5n }
    const store = sqliteStore({ file: newFile(), writerThread: false })
    try {
      await store.migrate()
      expect(await store.applyBatch({ events: [event('A')], cursor: null })).toMatchObject({ applied: 1 })
      expect(await store.applyBatch({ events: [event('B')], cursor: null })).toMatchObject({ applied: 0, duplicates: 1 })
    }
    finally {
      await store.close()
    }
  })
})

describe('jackpots', () => {
  it('carries a file\'s jackpot amounts over to TEXT exactly (0010), and then holds any u64', async () => {
    const file = newFile()
    const db = migratedUpTo(file, 'CREATE TABLE `__new_jackpots`')
    const insert = db.prepare('INSERT INTO jackpots (id, pool, trial_id, receiver, amount, signature, slot, block_time) VALUES (?, \'Pool\', \'Trial\', \'Receiver\', ?, ?, 7, 1700000000)')
    insert.run('A:0', 2n ** 63n - 1n, 'A')
    insert.run('B:0', 5n, 'B')
    db.close()
    const store = sqliteStore({ file, writerThread: false })
    try {
      await store.migrate()
      expect((await store.listJackpots(10)).map(j => [j.id, j.amount])).toEqual([['B:0', 5n], ['A:0', 2n ** 63n - 1n]])
      await store.applyBatch({ events: [{ kind: 'jackpotReleased', id: 'C:0', signature: 'C', slot: 8, blockTime: 1_700_000_001, pool: 'Pool', trialId: 'Trial', receiver: 'Receiver', amount: 2n ** 64n - 1n }], cursor: null })
      expect((await store.listJackpots(1))[0]!.amount).toBe(2n ** 64n - 1n)
    }
    finally {
      await store.close()
    }
    const check = new BetterSqlite3(file, { readonly: true })
    expect(check.prepare('SELECT typeof(amount) AS t FROM jackpots ORDER BY seq').all()).toEqual([{ t: 'text' }, { t: 'text' }, { t: 'text' }])
    check.close()
  })
})
