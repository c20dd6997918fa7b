/**
 * `@fare-casino/adapters/sqlite`: the SQLite store (better-sqlite3 + drizzle), its schema and migrations.
 */
export { sqliteStore } from './store'
export type { SqliteStore, SqliteStoreOptions } from './store'
export { migrate, sqliteMigrationsFolder } from './migrate'
export type { SqliteClientLike } from './migrate'
export type { SqliteConnectionOptions } from './connection'
export { bulkLoad, warmLeaderboards } from './bulk'
export type { BulkLoadOptions } from './bulk'
export * as sqliteSchema from './schema'
