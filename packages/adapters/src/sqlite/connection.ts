import BetterSqlite3 from 'better-sqlite3'
import type { Database, Options } from 'better-sqlite3'

/** How {@link openSqlite} connects: a file (or `':memory:'`), or a connection the caller already has. */
export type SqliteConnectionOptions =
  | { file: string, client?: undefined, databaseOptions?: Options, busyTimeout?: number }
  | { client: Database, file?: undefined, busyTimeout?: number }

/**
 * Opens (or adopts) a connection and sets the pragmas the store relies on: WAL so readers never block
 * the indexer's writes and several processes can share a file, synchronous=NORMAL (durable at every
 * checkpoint, safe against corruption in WAL), a busy timeout so a second writer waits instead of
 * failing, and foreign keys.
 */
export function openSqlite(options: SqliteConnectionOptions): { client: Database, owned: boolean } {
  const client = options.client ?? new BetterSqlite3(options.file, options.databaseOptions)
  client.pragma('journal_mode = WAL')
  client.pragma('synchronous = NORMAL')
  client.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeout ?? 5_000))}`)
  client.pragma('foreign_keys = ON')
  return { client, owned: !options.client }
}
