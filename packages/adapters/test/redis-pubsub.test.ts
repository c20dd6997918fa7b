import { describe, expect, it } from 'vitest'
import { redisPubSub } from '@fare-casino/adapters/redis'
import { redisAvailable, redisUrl, uniqueName } from './_services'

const up = await redisAvailable()

/** Resolves with the first `count` messages `collect` receives. */
function collector(count: number) {
  const messages: string[] = []
  let done!: (m: string[]) => void
  const all = new Promise<string[]>(resolve => (done = resolve))
  return {
    all,
    push(message: string) {
      messages.push(message)
      if (messages.length === count) done(messages)
    },
    messages,
  }
}

describe.skipIf(!up)('redisPubSub', () => {
  it('delivers a message published by one instance to subscribers of another, in order', async () => {
    const prefix = `${uniqueName('fare_test')}:`
    const a = redisPubSub({ url: redisUrl, prefix })
    const b = redisPubSub({ url: redisUrl, prefix })
    try {
      const got = collector(3)
      await b.subscribe('events', m => got.push(m))
      // A 2^64 amount travels as the exact decimal string the realtime layer serialised.
      for (const m of ['1', '18446744073709551615', '3']) await a.publish('events', m)
      expect(await got.all).toEqual(['1', '18446744073709551615', '3'])
    }
    finally {
      await a.close()
      await b.close()
    }
  })

  it('stops delivering after unsubscribe, keeps other subscriptions, and survives a throwing handler', async () => {
    const errors: unknown[] = []
    const ps = redisPubSub({ url: redisUrl, prefix: `${uniqueName('fare_test')}:`, onError: e => errors.push(e) })
    try {
      const first = collector(1)
      const kept = collector(2)
      const dropped: string[] = []
      await ps.subscribe('c', () => { throw new Error('boom') })
      const off = await ps.subscribe('c', m => dropped.push(m))
      await ps.subscribe('c', m => kept.push(m))
      await ps.subscribe('c', m => first.push(m))
      await ps.publish('c', 'one')
      await first.all // delivered to every handler of this process (they run together)
      await off()
      await ps.publish('c', 'two')
      expect(await kept.all).toEqual(['one', 'two'])
      expect(dropped).toEqual(['one'])
      expect(errors).toHaveLength(2)
    }
    finally {
      await ps.close()
    }
  })

  it('keeps channels of different prefixes apart', async () => {
    const a = redisPubSub({ url: redisUrl, prefix: `${uniqueName('fare_test')}:` })
    const b = redisPubSub({ url: redisUrl, prefix: `${uniqueName('fare_test')}:` })
    try {
      const gotA = collector(1)
      const gotB: string[] = []
      await a.subscribe('x', m => gotA.push(m))
      await b.subscribe('x', m => gotB.push(m))
      await a.publish('x', 'for a')
      expect(await gotA.all).toEqual(['for a'])
      // A round trip on b's prefix after a's message: had it leaked, it would have arrived first.
      const marker = collector(1)
      await b.subscribe('y', m => marker.push(m))
      await b.publish('y', 'marker')
      await marker.all
      expect(gotB).toEqual([])
    }
    finally {
      await a.close()
      await b.close()
    }
  })
})
