import type { SqliteStore } from './store'

/**
 * Secondary indexes that `applyBatch` never reads. During a bulk load they only cost: each bet moves
 * about ten random pages of them. Rebuilding them once at the end is a sort, many times faster.
 */
const deferrable = [
  'bets_player_seq_idx', 'bets_game_seq_idx', 'bets_pending_seq_idx', 'bets_register_signature_prefix_idx', 'bets_resolve_signature_prefix_idx',
  'players_rank_wagered_idx', 'players_rank_profit_idx', 'players_rank_wins_idx', 'players_rank_bets_idx',
  'player_hourly_window_idx',
]

/** Options of {@link bulkLoad}. */
export interface BulkLoadOptions {
  /** Page cache while loading, in KiB. @default 524288 (512 MiB) */
  cacheSizeKiB?: number
}

/**
 * Runs `load` (which calls `store.applyBatch` as usual) with the store set up for a bulk import:
 * secondary indexes dropped and rebuilt afterwards, `synchronous = OFF`, a large page cache.
 * For benchmarks and first imports of a migrated, otherwise idle database: a crash in the middle
 * leaves the indexes missing (run `migrate` on a fresh file again), and leaderboards, bet pages and
 * signature lookups must not be queried until it returns.
 *
 * @example
 * await bulkLoad(store, async () => { for (const batch of batches) await store.applyBatch(batch) })
 */
export async function bulkLoad<T>(store: SqliteStore, load: () => Promise<T> | T, options: BulkLoadOptions = {}): Promise<T> {
  const db = store.client
  // Prepare every statement while the indexes exist (some name them with INDEXED BY).
  await store.ping()
  const indexes = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
    AND name IN (SELECT value FROM json_each(?))`).all(JSON.stringify(deferrable)) as { name: string, sql: string }[]
  const cache = db.pragma('cache_size', { simple: true }) as number
  // On every connection: with a writer thread, the batches are written on its own.
  await store.pragma('synchronous = OFF')
  await store.pragma(`cache_size = -${Math.floor(options.cacheSizeKiB ?? 524_288)}`)
  db.transaction(() => {
    for (const index of indexes) db.exec(`DROP INDEX "${index.name}"`)
    // Materialized leaderboard windows are rebuilt once at the end instead of updated bet by bet.
    db.exec('DELETE FROM leaderboard_windows; DELETE FROM player_windows')
  }).immediate()
  try {
    return await load()
  }
  finally {
    db.transaction(() => {
      for (const index of indexes) db.exec(index.sql)
    }).immediate()
    await store.pragma(`cache_size = ${cache}`)
    await store.pragma('synchronous = NORMAL')
  }
}

/**
 * Builds the materialized leaderboard windows for the hour of `now` (unix ms), so that the first
 * windowed leaderboard request does not pay for it. {@link bulkLoad} leaves them empty; a store builds
 * them on the first request of each window anyway, and keeps them in the database from then on.
 */
export async function warmLeaderboards(store: SqliteStore, now: number = Date.now()): Promise<void> {
  for (const period of ['24h', '7d', '30d'] as const) await store.leaderboard({ by: 'wagered', period, limit: 1, now })
}
