import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { postgresStore } from '@fare-casino/adapters/postgres'
import { redisStore } from '@fare-casino/adapters/redis'
import { bulkLoad, sqliteStore, warmLeaderboards } from '@fare-casino/adapters/sqlite'
import type { CasinoStore } from '../../packages/core/src/store/types'
import { benchWallets, seedStore, type SeedOptions } from './seed'

/**
 * The stores bench/api runs against, each seeded once and reused across runs. Bump SEED_VERSION when
 * the workload or a store's layout changes, so that an old seeded database is not reused.
 */
export const SEED_VERSION = 'v3'

/** Which store a run benchmarks. */
export type BenchStoreName = 'sqlite' | 'postgres' | 'redis'

/** A seeded store and how it was seeded (for RESULTS.md). */
export interface SeededStore {
  store: CasinoStore
  wallets: string[]
  seeding: string
}

const pgUrl = process.env.FARE_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const redisUrl = process.env.FARE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'

/**
 * Opens `name` seeded with `options`. SQLite: a file in `dir`, bulk-loaded (`bulkLoad` around the
 * usual applyBatch calls) and its leaderboard windows warmed. Postgres (schema `fare_bench_<bets>`)
 * and Redis (prefix `fare-bench:<bets>:`): through `applyBatch`, as the indexer writes; a marker row
 * or key says the seeding finished.
 */
export async function openSeededStore(name: BenchStoreName, options: SeedOptions, dir: string, log: (line: string) => void): Promise<SeededStore> {
  const tag = `${SEED_VERSION}-${options.bets}-${options.players}`
  if (name === 'sqlite') {
    const file = join(dir, `casino-${tag}.db`)
    const marker = `${file}.seeded`
    const store = sqliteStore({ file })
    await store.migrate()
    if (!existsSync(marker)) {
      const started = Date.now()
      await bulkLoad(store, () => seedStore(store, options, log))
      log(`bulk load done in ${((Date.now() - started) / 1000).toFixed(0)} s`)
      writeFileSync(marker, JSON.stringify(options))
    }
    else log(`reusing ${file}`)
    // Always warm: the windows must end at this run's hour.
    const t0 = Date.now()
    await warmLeaderboards(store, Date.now())
    log(`leaderboard windows warmed in ${Date.now() - t0} ms`)
    return { store, wallets: benchWallets(options.players), seeding: '`bulkLoad` (applyBatch with secondary indexes deferred) + `warmLeaderboards`' }
  }
  if (name === 'postgres') {
    const schema = `fare_bench_${tag.replace(/-/g, '_')}`
    const store = postgresStore({ url: pgUrl, schema, max: 10 })
    await store.migrate()
    const done = await store.sql.unsafe(`SELECT to_regclass('${schema}.bench_seeded') AS t`)
    if (!done[0]?.t) {
      await store.sql.unsafe(`DROP SCHEMA ${schema} CASCADE`)
      await store.migrate()
      await seedStore(store, options, log)
      await store.sql.unsafe(`CREATE TABLE ${schema}.bench_seeded (at bigint)`)
      await store.sql.unsafe(`VACUUM ANALYZE`)
    }
    else log(`reusing schema ${schema}`)
    return { store, wallets: benchWallets(options.players), seeding: '`applyBatch`' }
  }
  const prefix = `fare-bench:${tag}:`
  const store = redisStore({ url: redisUrl, prefix })
  if (!(await store.redis.exists(`${prefix}bench-seeded`))) {
    let cursor = '0'
    do {
      const [next, keys] = await store.redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      cursor = next
      if (keys.length) await store.redis.unlink(...keys)
    } while (cursor !== '0')
    await seedStore(store, options, log)
    await store.redis.set(`${prefix}bench-seeded`, '1')
  }
  else log(`reusing keys ${prefix}*`)
  return { store, wallets: benchWallets(options.players), seeding: '`applyBatch`' }
}
