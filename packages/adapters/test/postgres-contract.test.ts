import { afterAll, describe, it } from 'vitest'
import postgres from 'postgres'
import { testCasinoStore } from '@fare-casino/core/testing'
import { type PostgresStore, postgresStore } from '@fare-casino/adapters/postgres'
import { postgresAvailable, postgresUrl, uniqueName } from './_services'

const up = await postgresAvailable()

if (up) {
  // One pool for the file; every store gets its own fresh schema, dropped after its test.
  const sql = postgres(postgresUrl, { max: 10, onnotice: () => {} })
  afterAll(() => sql.end({ timeout: 5 }))

  testCasinoStore<PostgresStore>('postgres', () => postgresStore({ client: sql, schema: uniqueName('fare_test') }), {
    async teardown(store) {
      await sql`DROP SCHEMA IF EXISTS ${sql(store.schema)} CASCADE`
      await store.close()
    },
  })
}
else {
  describe.skip('CasinoStore contract: postgres (no server)', () => {
    it('needs Postgres', () => {})
  })
}
