import { defineConfig } from 'drizzle-kit'

/** Generates the SQLite migrations from the schema: `pnpm drizzle-kit generate --config drizzle.sqlite.config.ts`. */
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/sqlite/schema.ts',
  out: './migrations/sqlite',
})
