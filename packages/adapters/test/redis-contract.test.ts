import { afterAll, describe, it } from 'vitest'
import { Redis } from 'ioredis'
import { testCasinoStore } from '@fare-casino/core/testing'
import { type RedisStore, redisStore } from '@fare-casino/adapters/redis'
import { deleteKeys, redisAvailable, redisUrl, uniqueName } from './_services'

const up = await redisAvailable()

if (up) {
  // One client for the file; every store gets its own random prefix, its keys deleted after its test.
  const redis = new Redis(redisUrl)
  afterAll(() => redis.quit())

  testCasinoStore<RedisStore>('redis', () => redisStore({ client: redis, prefix: `${uniqueName('fare_test')}:` }), {
    async teardown(store) {
      await deleteKeys(redis, store.prefix)
      await store.close()
    },
  })
}
else {
  describe.skip('CasinoStore contract: redis (no server)', () => {
    it('needs Redis', () => {})
  })
}
