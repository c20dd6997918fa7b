import { redisStore } from '@fare-casino/adapters/redis'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { BETS, runFailover, TAKEOVER_BOUND_MS } from '../../core/test/multi-instance/_failover'
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

  it(`three instances, the leader SIGKILLed twice during ingestion: taken over within 10 s, exactly ${BETS} bets`, async () => {
    await reader.migrate()
    const result = await runFailover({ backend: 'redis', url: redisUrl, namespace: prefix, reader })
    console.info(`[failover/redis] takeovers ${result.takeoversMs.join(' ms, ')} ms; fencing tokens ${result.fencingTokens.join(', ')}`)
    expect(result.takeoversMs).toHaveLength(2)
    // A dead leader's lease (3 s in the instances) must expire first, then the next acquire (every 2 s) wins.
    for (const ms of result.takeoversMs) expect(ms).toBeLessThanOrEqual(TAKEOVER_BOUND_MS)
    expect(result.maxConcurrentLeaders).toBe(1)
    expect(result.fencingTokens).toHaveLength(3)
    expect([...result.fencingTokens].sort((a, b) => a - b)).toEqual(result.fencingTokens)
  }, 300_000)
})
