import { postgresStore } from '@fare-casino/adapters/postgres'
import postgres from 'postgres'
import { afterAll, describe, it } from 'vitest'
import { postgresAvailable, postgresUrl, uniqueName } from './_services'
import { BETS, expectFailover, runFailover } from '../../core/test/multi-instance/_failover'

const up = await postgresAvailable()

describe.skipIf(!up)('failover on Postgres (postgresLeader)', () => {
  const schema = uniqueName('fare_failover')
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} })
  const reader = postgresStore({ url: postgresUrl, schema, max: 2 })
  afterAll(async () => {
    await reader.close()
    await admin`DROP SCHEMA IF EXISTS ${admin(schema)} CASCADE`
    await admin.end({ timeout: 5 })
  })

  it(`three instances on a node failing 10% of RPC calls, the leader SIGKILLed twice during ingestion: taken over within 10 s, exactly ${BETS} bets`, async () => {
    await reader.migrate()
    const result = await runFailover({ backend: 'postgres', url: postgresUrl, namespace: schema, reader })
    expectFailover(result, 'postgres')
  }, 300_000)
})
