import { defineConfig } from 'drizzle-kit'

/**
 * Generates the Postgres migrations shipped with the package:
 * `pnpm --dir packages/adapters exec drizzle-kit generate --config drizzle.postgres.config.ts`.
 * `migrate()` from `@fare-casino/adapters/postgres` applies them.
 */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/postgres/schema.ts',
  out: './migrations/postgres',
})
