import { fileURLToPath } from 'node:url'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import type { Sql } from 'postgres'
import { transaction } from './_transaction'

/** Options of {@link migrate}. */
export interface PostgresMigrateOptions {
  /** Postgres schema the store lives in. @default 'public' */
  schema?: string
  /** Folder of drizzle-kit migrations. @default the migrations shipped with the package */
  migrationsFolder?: string
}

/**
 * The shipped migrations: `<package>/migrations/postgres`. Both `src/postgres/*.ts` and the built
 * `dist/postgres/index.mjs` sit two folders below the package root.
 */
export const postgresMigrationsFolder: string = fileURLToPath(new URL('../../migrations/postgres', import.meta.url))

/**
 * Creates the schema and applies the drizzle-kit migrations not applied yet, recorded in
 * `<schema>.__fare_migrations`. Idempotent, and safe from several processes at once: everything runs in
 * one transaction holding an advisory lock keyed by the schema name, so concurrent callers wait and
 * then find nothing left to do.
 */
export async function migrate(sql: Sql, options: PostgresMigrateOptions = {}): Promise<void> {
  const schema = options.schema ?? 'public'
  const migrations = readMigrationFiles({ migrationsFolder: options.migrationsFolder ?? postgresMigrationsFolder })
  await transaction(sql, async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtext(${`fare-casino:migrate:${schema}`}))`
    await tx`CREATE SCHEMA IF NOT EXISTS ${tx(schema)}`
    // The generated SQL names tables unqualified: search_path points it at our schema, for this transaction only.
    await tx.unsafe(`SET LOCAL search_path TO ${quoteIdent(schema)}`)
    await tx.unsafe(`CREATE TABLE IF NOT EXISTS ${quoteIdent(schema)}."__fare_migrations" (
      id serial PRIMARY KEY, hash text NOT NULL, created_at bigint NOT NULL)`)
    const applied = await tx.unsafe<{ created_at: string }[]>(
      `SELECT created_at FROM ${quoteIdent(schema)}."__fare_migrations" ORDER BY created_at DESC LIMIT 1`,
    )
    const last = applied[0] ? Number(applied[0].created_at) : -1
    for (const migration of migrations) {
      if (migration.folderMillis <= last) continue
      for (const statement of migration.sql) {
        if (statement.trim()) await tx.unsafe(statement)
      }
      await tx.unsafe(`INSERT INTO ${quoteIdent(schema)}."__fare_migrations" (hash, created_at) VALUES ($1, $2)`, [migration.hash, migration.folderMillis])
    }
    await tx.unsafe(`INSERT INTO ${quoteIdent(schema)}."casino" (id) VALUES (1) ON CONFLICT (id) DO NOTHING`)
  })
}

/** Quotes a Postgres identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}
