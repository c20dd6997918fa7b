import { redisStore } from '@fare-casino/adapters/redis'
import { Redis } from 'ioredis'
import { afterAll, describe, it } from 'vitest'
import { BETS, expectFailover, runFailover } from '../../core/test/multi-instance/_failover'
import { deleteKeys, redisAvailable, redisUrl, uniqueName } from './_services'

const up = await redisAvailable()

describe.skipIf(!up)('failover on Redis (redisLeader)', () => {
  const prefix = uniqueName('fare_failover')
  const reader = redisStore({ url: redisUrl, prefix: `${prefix}:` })
  afterAll(async () => {
    await reader.close()
    const redis = new Redis(redisUrl)
    await deleteKeys(redis, prefix)
    redis.disconnect()
  })

  it(`three instances on a node failing 10% of RPC calls, the leader SIGKILLed twice during ingestion: taken over within 10 s, exactly ${BETS} bets`, async () => {
    await reader.migrate()
    const result = await runFailover({ backend: 'redis', url: redisUrl, namespace: prefix, reader })
    expectFailover(result, 'redis')
  }, 300_000)
})
