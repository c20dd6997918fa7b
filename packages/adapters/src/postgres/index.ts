import postgres, { type Sql } from 'postgres'
import { CasinoError } from '@fare-casino/core/store'
import { migrate } from './migrate'
import { createPostgresStore, type PostgresStore } from './store'
import { reconnectDelay } from './reconnect'

/** Options shared by both ways of connecting {@link postgresStore}. */
interface PostgresStoreCommonOptions {
  /** Postgres schema holding the tables (created by `migrate()`). @default 'public' */
  schema?: string
  /** Folder of drizzle-kit migrations. @default the migrations shipped with the package */
  migrationsFolder?: string
}

/** Options of {@link postgresStore}: a connection URL, or a postgres.js client you already have. */
export type PostgresStoreOptions = PostgresStoreCommonOptions & (
  | {
    /** `postgres://user:password@host:port/database`. */
    url: string
    /** Pool size. @default 10 */
    max?: number
    client?: undefined
  }
  | {
    /** An existing postgres.js client; the store never ends it. */
    client: Sql
    url?: undefined
    max?: undefined
  }
)

/**
 * A `CasinoStore` on Postgres (postgres.js). Call `migrate()` (or await the casino's `ready`) before
 * use. Several processes may share one database: batches serialize on the casino row, nonces are
 * single-use across all of them, and `migrate()` takes an advisory lock.
 *
 * @example postgresStore({ url: process.env.DATABASE_URL!, max: 20 })
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  const schema = options.schema ?? 'public'
  if (!/^[a-z_][\w$]{0,62}$/i.test(schema)) throw new CasinoError('INVALID_CONFIG', 'postgres schema must be a plain identifier', { data: { schema } })
  const owned = options.client === undefined
  const sql = options.client ?? postgres(options.url, {
    max: options.max ?? 10,
    // `CREATE ... IF NOT EXISTS` notices during migrate() are expected, not worth a console line.
    onnotice: () => {},
    connection: { application_name: 'fare-casino' },
    // The store casts every array it sends (`_arrays.ts`): it needs no array types. And postgres.js 3.4
    // fetches them on each new connection from an async function nobody awaits: a connection killed
    // during that fetch (a failover) was an unhandled rejection, which ends a Node process.
    fetch_types: false,
    backoff: reconnectDelay,
  })
  return createPostgresStore({
    sql,
    schema,
    ...(options.migrationsFolder ? { migrationsFolder: options.migrationsFolder } : {}),
    ...(owned ? { end: () => sql.end({ timeout: 5 }) } : {}),
  })
}

export { createPostgresStore, migrate }
export type { PostgresStore }
export type { PostgresStoreContext } from './store'
export { postgresMigrationsFolder } from './migrate'
export type { PostgresMigrateOptions } from './migrate'
export { pgTables } from './schema'
export type { PgTables } from './schema'
export { postgresLeader } from './leader'
export type { PostgresLeaderOptions } from './leader'
