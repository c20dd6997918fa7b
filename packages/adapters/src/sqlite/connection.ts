import BetterSqlite3 from 'better-sqlite3'
import type { Database, Options } from 'better-sqlite3'

/** How {@link openSqlite} connects: a file (or `':memory:'`), or a connection the caller already has. */
export type SqliteConnectionOptions =
  | { file: string, client?: undefined, databaseOptions?: Options, busyTimeout?: number, cacheSizeKiB?: number }
  | { client: Database, file?: undefined, busyTimeout?: number, cacheSizeKiB?: number }

/**
 * Opens (or adopts) a connection and sets the pragmas the store relies on: WAL so readers never block
 * the indexer's writes and several processes can share a file, synchronous=NORMAL (durable at every
 * checkpoint, safe against corruption in WAL), a busy timeout so a second writer waits instead of
 * failing, foreign keys, a page cache big enough for the hot indexes of a million bets
 * (`cacheSizeKiB`, default 64 MiB) and temporary sorts in memory.
 *
 * The WAL is checkpointed every 8,192 pages (32 MiB) instead of SQLite's 1,000: an indexer batch dirties
 * pages all over the random-key indexes (signatures, trial ids), and with the default nearly every
 * batch's COMMIT ran a checkpoint (copying those pages and syncing the file), which was a quarter of
 * the ingest cost. A rarer checkpoint writes each hot page once for many batches. Durability is the
 * same (synchronous=NORMAL in WAL either way).
 */
export function openSqlite(options: SqliteConnectionOptions): { client: Database, owned: boolean } {
  const client = options.client ?? new BetterSqlite3(options.file, options.databaseOptions)
  client.pragma('journal_mode = WAL')
  client.pragma('synchronous = NORMAL')
  // better-sqlite3's own `timeout` option sets the same thing: honoured when `busyTimeout` is not given.
  const timeout = options.busyTimeout ?? (options.file === undefined ? undefined : options.databaseOptions?.timeout) ?? 5_000
  client.pragma(`busy_timeout = ${Math.max(0, Math.floor(timeout))}`)
  client.pragma('foreign_keys = ON')
  client.pragma(`cache_size = -${Math.max(2_000, Math.floor(options.cacheSizeKiB ?? 65_536))}`)
  client.pragma('temp_store = MEMORY')
  client.pragma('wal_autocheckpoint = 8192')
  return { client, owned: !options.client }
}
