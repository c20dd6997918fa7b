import { afterAll, describe, expect, it, vi } from 'vitest'
import { Redis } from 'ioredis'
import { redisLeader } from '@fare-casino/adapters/redis'
import { deleteKeys, redisAvailable, redisUrl, uniqueName } from './_services'

const up = await redisAvailable()

const waitFor = async (check: () => boolean | Promise<boolean>, timeoutMs = 10_000) => {
  const until = performance.now() + timeoutMs
  while (!(await check())) {
    if (performance.now() > until) throw new Error('condition not met in time')
    await new Promise(r => setTimeout(r, 20))
  }
}

describe.skipIf(!up)('redisLeader', () => {
  const admin = new Redis(redisUrl)
  const prefixes: string[] = []
  const key = () => {
    const p = `${uniqueName('fare_test')}:`
    prefixes.push(p)
    return `${p}leader`
  }
  afterAll(async () => {
    for (const p of prefixes) await deleteKeys(admin, p)
    await admin.quit()
  })

  it('lets exactly one of two contenders lead, and the other take over after release', async () => {
    const k = key()
    const a = redisLeader({ url: redisUrl, key: k, ttlMs: 5000 })
    const b = redisLeader({ url: redisUrl, key: k, ttlMs: 5000 })
    try {
      const won = await Promise.all([a.acquire(), b.acquire()])
      expect(won.filter(Boolean)).toHaveLength(1)
      const [leader, other] = won[0] ? [a, b] : [b, a]
      expect(leader.isLeader).toBe(true)
      expect(other.isLeader).toBe(false)
      expect(await leader.acquire()).toBe(true) // re-acquiring while leading keeps the lease
      const first = leader.fencingToken!
      await leader.release()
      expect(leader.isLeader).toBe(false)
      expect(await other.acquire()).toBe(true)
      expect(other.fencingToken!).toBeGreaterThan(first)
    }
    finally {
      await a.close()
      await b.close()
    }
  })

  it('hands over when the leader stops renewing, and tells the old leader it lost', async () => {
    const k = key()
    // A ttl well above the renewal period, so that a loaded machine does not let the lease lapse.
    const a = redisLeader({ url: redisUrl, key: k, ttlMs: 400, renewEveryMs: 50 })
    const b = redisLeader({ url: redisUrl, key: k, ttlMs: 400, renewEveryMs: 50 })
    let lost = 0
    a.onLost(() => lost++)
    try {
      expect(await a.acquire()).toBe(true)
      const first = a.fencingToken!
      // Renewals keep the lease well past its ttl.
      await new Promise(r => setTimeout(r, 1000))
      expect(await b.acquire()).toBe(false)
      // A frozen leader: its lease is stolen from under it (as if it stalled past the ttl).
      await admin.del(k)
      expect(await b.acquire()).toBe(true)
      expect(b.fencingToken!).toBeGreaterThan(first)
      await waitFor(() => lost === 1)
      expect(a.isLeader).toBe(false)
      expect(b.isLeader).toBe(true)
    }
    finally {
      await a.close()
      await b.close()
    }
  })

  /**
   * A leader (lease 400 ms, renewed every 50 ms) whose Redis stops answering once it leads, as while
   * ioredis waits to reconnect: it must give up once its lease would have expired. `frozenDate` keeps
   * Date still meanwhile (a wall clock set back), so that only the monotonic clock moves.
   */
  async function expectGivesUpWhenRedisHangs(frozenDate: boolean) {
    const client = new Redis(redisUrl)
    const a = redisLeader({ client, key: key(), ttlMs: 400, renewEveryMs: 50 })
    let lost = 0
    a.onLost(() => lost++)
    if (frozenDate) vi.useFakeTimers({ toFake: ['Date'], now: Date.now() })
    try {
      expect(await a.acquire()).toBe(true)
      client.eval = (() => new Promise(() => {})) as unknown as typeof client.eval
      await waitFor(() => lost === 1, 3000)
      expect(a.isLeader).toBe(false)
    }
    finally {
      vi.useRealTimers()
      client.disconnect()
    }
  }

  it('gives up once its lease would have expired while a renewal never answers (a Redis that hangs)', async () => {
    await expectGivesUpWhenRedisHangs(false)
  })

  it('measures its lease on the monotonic clock: a wall clock that stands still does not stretch it', async () => {
    await expectGivesUpWhenRedisHangs(true)
  })

  it('stops leading at once when the wall clock passes its lease (a machine that slept: the monotonic clock stood still)', async () => {
    const k = key()
    const a = redisLeader({ url: redisUrl, key: k, ttlMs: 5000, renewEveryMs: 60_000 })
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() })
    try {
      expect(await a.acquire()).toBe(true)
      expect(a.isLeader).toBe(true)
      vi.setSystemTime(Date.now() + 6000)
      expect(a.isLeader).toBe(false)
    }
    finally {
      vi.useRealTimers()
      await a.close()
    }
  })

  it('lets another contender lead once a dead leader\'s lease expires', async () => {
    const k = key()
    const dead = new Redis(redisUrl)
    const a = redisLeader({ client: dead, key: k, ttlMs: 1000, renewEveryMs: 100 })
    const b = redisLeader({ url: redisUrl, key: k, ttlMs: 1000, renewEveryMs: 100 })
    try {
      expect(await a.acquire()).toBe(true)
      dead.disconnect() // the leader's process is gone: no more renewals
      expect(await b.acquire()).toBe(false)
      await waitFor(() => b.acquire())
      expect(b.isLeader).toBe(true)
      await waitFor(() => !a.isLeader)
    }
    finally {
      await b.close()
    }
  })
})
