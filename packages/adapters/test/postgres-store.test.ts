import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { memoryStore } from '@fare-casino/core'
import { generateWorkload, makeBatch, makeRegister, makeResolve, snapshotStore } from '@fare-casino/core/testing'
import { postgresMigrationsFolder, postgresStore } from '@fare-casino/adapters/postgres'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import { postgresAvailable, postgresSchemas, postgresUrl } from './_services'

const up = await postgresAvailable()

describe.skipIf(!up)('postgresStore beyond the contract', () => {
  const { admin, schema } = postgresSchemas('fare_test')

  it('migrates once when several processes migrate the same schema at the same time', async () => {
    const name = schema()
    // Separate pools stand for separate processes.
    const stores = Array.from({ length: 4 }, () => postgresStore({ url: postgresUrl, max: 2, schema: name }))
    try {
      await Promise.all(stores.map(s => s.migrate()))
      await stores[0]!.migrate()
      const [row] = await admin`SELECT count(*)::int AS n FROM ${admin(`${name}.__fare_migrations`)}`
      // Each shipped migration recorded exactly once.
      expect(row!.n).toBe(readMigrationFiles({ migrationsFolder: postgresMigrationsFolder }).length)
      expect(row!.n).toBeGreaterThan(1)
      expect(await stores[1]!.stats(0)).toMatchObject({ totalBets: 0, pendingBets: 0 })
    }
    finally {
      await Promise.all(stores.map(s => s.close()))
    }
  })

  it('keeps totals exact when two instances write batches concurrently', async () => {
    const name = schema()
    const a = postgresStore({ url: postgresUrl, max: 3, schema: name })
    const b = postgresStore({ url: postgresUrl, max: 3, schema: name })
    try {
      await a.migrate()
      const w = generateWorkload({ seed: 3, bets: 300, batchSize: 20 })
      // Each instance applies every batch: the second copy of each must be a no-op, whichever wins.
      await Promise.all([
        (async () => { for (const batch of w.batches) await a.applyBatch(batch) })(),
        (async () => { for (const batch of w.batches) await b.applyBatch(batch) })(),
      ])
      const reference = memoryStore()
      for (const batch of w.batches) await reference.applyBatch(batch)
      expect(await a.stats(w.now)).toEqual(await reference.stats(w.now))
      expect(await snapshotStore(b, { wallets: w.wallets, now: w.now })).toEqual(await snapshotStore(reference, { wallets: w.wallets, now: w.now }))
      const seqs = await admin<{ seq: string }[]>`SELECT seq FROM ${admin(`${name}.bets`)} ORDER BY seq`
      expect(seqs.map(r => Number(r.seq))).toEqual(Array.from({ length: 300 }, (_, i) => i + 1))
    }
    finally {
      await a.close()
      await b.close()
    }
  })

  it('stores a u64 wager above BIGINT range exactly', async () => {
    const store = postgresStore({ url: postgresUrl, schema: schema() })
    try {
      await store.migrate()
      const wager = 2n ** 64n - 1n
      const reg = makeRegister({ wager, qk: [[1, 3]] })
      await store.applyBatch(makeBatch([reg, makeResolve(reg)]))
      const bet = await store.getBet(reg.trialId)
      expect(bet).toMatchObject({ wager, payout: wager * 3n, status: 'settled' })
      expect((await store.getPlayer(reg.player))?.totalPayout).toBe(wager * 3n)
    }
    finally {
      await store.close()
    }
  })

  it('survives its backends killed in the middle of transactions, and writes again once they stay up', async () => {
    // Before, postgres.js's sql.begin sent its ROLLBACK on the dead connection: a write to a closed socket
    // from a setImmediate, an uncaught TypeError that ended the process (porsager/postgres#1154).
    const runner = fileURLToPath(new URL('../../../scripts/run-ts.mjs', import.meta.url))
    const child = fileURLToPath(new URL('./_pg-kill-child.ts', import.meta.url))
    const { code, stdout, stderr } = await new Promise<{ code: number | null, stdout: string, stderr: string }>((resolve) => {
      const p = execFile(process.execPath, [runner, child, postgresUrl, '8'], { timeout: 170_000 }, (_error, out, err) => resolve({ code: p.exitCode, stdout: out, stderr: err }))
    })
    expect(stderr).not.toMatch(/TypeError|Uncaught|unhandled/i)
    expect(code).toBe(0)
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as { written: number, refused: number, recovered: boolean }
    expect(summary.recovered).toBe(true)
    expect(summary.written + summary.refused).toBeLessThanOrEqual(16)
  }, 180_000)
})
