import postgres from 'postgres'
import { Redis } from 'ioredis'
import { afterAll } from 'vitest'

/**
 * The real servers the Postgres and Redis tests run against. In CI (`CI=true`) a missing server fails
 * the run; on a developer machine the tests say so loudly and skip.
 */

/** Postgres of the tests: `FARE_TEST_POSTGRES_URL`, or the local server's `test` database. */
export const postgresUrl: string = process.env.FARE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** Redis of the tests: `FARE_TEST_REDIS_URL`, or the local server. */
export const redisUrl: string = process.env.FARE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

const inCI = (): boolean => /^(?:1|true)$/i.test(process.env.CI ?? '')

/** A fresh random name, e.g. `fare_test_k3j9x0q2`, for a schema or key prefix that no other run uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Math.random().toString(36).slice(2, 10)}`
}

async function available(name: string, url: string, probe: () => Promise<void>): Promise<boolean> {
  try {
    await probe()
    return true
  }
  catch (error) {
    const message = `${name} is not reachable at ${url.replace(/\/\/[^@/]*@/, '//***@')}: ${(error as Error).message}`
    if (inCI()) throw new Error(`${message} (CI=true: the ${name} tests must run)`, { cause: error })
    console.warn(`\n!!! ${message}\n!!! SKIPPING the ${name} tests. Start ${name} or set the URL to run them.\n`)
    return false
  }
}

/** True when the test Postgres answers; throws in CI when it does not. */
export async function postgresAvailable(): Promise<boolean> {
  return available('Postgres', postgresUrl, async () => {
    const sql = postgres(postgresUrl, { max: 1, connect_timeout: 3, onnotice: () => {} })
    try {
      await sql`SELECT 1`
    }
    finally {
      await sql.end({ timeout: 1 })
    }
  })
}

/**
 * Fresh Postgres schemas for one test file: `schema()` names a new one, and every one named is dropped
 * after the file's tests (with the `admin` connection, which the tests may use to look inside).
 */
export function postgresSchemas(prefix: string): { admin: postgres.Sql, schema: () => string } {
  const admin = postgres(postgresUrl, { max: 2, onnotice: () => {} })
  const schemas: string[] = []
  afterAll(async () => {
    for (const name of schemas) await admin`DROP SCHEMA IF EXISTS ${admin(name)} CASCADE`
    await admin.end({ timeout: 5 })
  })
  return {
    admin,
    schema: () => {
      const name = uniqueName(prefix)
      schemas.push(name)
      return name
    },
  }
}

/** True when the test Redis answers; throws in CI when it does not. */
export async function redisAvailable(): Promise<boolean> {
  return available('Redis', redisUrl, async () => {
    const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null })
    try {
      await redis.connect()
      await redis.ping()
    }
    finally {
      redis.disconnect()
    }
  })
}

/** Deletes every key under `prefix` (SCAN, never FLUSHALL: the server may be shared). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    cursor = next
    if (keys.length) await redis.unlink(...keys)
  } while (cursor !== '0')
}
