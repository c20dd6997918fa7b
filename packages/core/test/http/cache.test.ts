import { describe, expect, it } from 'vitest'
import { createResponseCache } from '../../src/http/cache'

/** A computation the test finishes by hand, counting how often the cache started it. */
function controlled() {
  const calls: { resolve: (v: string) => void, reject: (e: unknown) => void }[] = []
  const compute = () => new Promise<string>((resolve, reject) => { calls.push({ resolve, reject }) })
  return { calls, compute }
}

const tick = () => new Promise(resolve => setTimeout(resolve, 0))

/** A cache (ttl 1 s) on a clock the test moves, whose key 'k' was computed once as `value` at time 0. */
async function primed(value: string, options: { maxStaleMs?: number } = {}) {
  const clock = { t: 0 }
  const cache = createResponseCache(1_000, { now: () => clock.t, ...options })
  const c = controlled()
  const first = cache.get('k', c.compute)
  c.calls[0]!.resolve(value)
  await first
  return { cache, c, clock }
}

describe('createResponseCache (stale-while-revalidate)', () => {
  it('computes a missing key once for concurrent requests, then serves it while fresh', async () => {
    let t = 0
    const cache = createResponseCache(1_000, { now: () => t })
    const c = controlled()
    const a = cache.get('k', c.compute)
    const b = cache.get('k', c.compute)
    expect(c.calls).toHaveLength(1)
    c.calls[0]!.resolve('v1')
    expect(await Promise.all([a, b])).toEqual(['v1', 'v1'])
    t = 999
    expect(await cache.get('k', c.compute)).toBe('v1')
    expect(c.calls).toHaveLength(1)
  })

  it('serves an aged entry at once while ONE background refresh runs', async () => {
    const { cache, c, clock } = await primed('v1')
    clock.t = 1_500
    // Many requests during the refresh: all answered with the stale value, one refresh started.
    const during = await Promise.all(Array.from({ length: 10 }, () => cache.get('k', c.compute)))
    expect(during).toEqual(Array(10).fill('v1'))
    expect(c.calls).toHaveLength(2)
    c.calls[1]!.resolve('v2')
    await tick()
    expect(await cache.get('k', c.compute)).toBe('v2')
    expect(c.calls).toHaveLength(2)
  })

  it('after invalidate the first reader waits for the new value; readers meanwhile get the stale one', async () => {
    const { cache, c } = await primed('before')
    cache.invalidate()
    const reader = cache.get('k', c.compute)
    expect(await cache.get('k', c.compute)).toBe('before')
    expect(c.calls).toHaveLength(2)
    c.calls[1]!.resolve('after')
    expect(await reader).toBe('after')
    expect(await cache.get('k', c.compute)).toBe('after')
  })

  it('a burst of invalidations keeps serving the entry, with one refresh at a time', async () => {
    const { cache, c } = await primed('v1')
    cache.invalidate()
    const refreshing = cache.get('k', c.compute) // the first reader starts the refresh and waits for it
    for (let i = 0; i < 100; i++) {
      cache.clear() // the name the casino's bet-event wiring calls
      expect(await cache.get('k', c.compute)).toBe('v1')
    }
    expect(c.calls).toHaveLength(2)
    c.calls[1]!.resolve('v2')
    expect(await refreshing).toBe('v2')
  })

  it('a value computed across an invalidation is kept but refreshed on the next request', async () => {
    let t = 0
    const cache = createResponseCache(1_000, { now: () => t })
    const c = controlled()
    const first = cache.get('k', c.compute)
    cache.invalidate()
    c.calls[0]!.resolve('old')
    expect(await first).toBe('old')
    const next = cache.get('k', c.compute)
    expect(c.calls).toHaveLength(2)
    c.calls[1]!.resolve('new')
    expect(await next).toBe('new')
  })

  it('drops an idle entry that stayed stale longer than maxStaleMs', async () => {
    const { cache, c, clock } = await primed('v1', { maxStaleMs: 500 })
    clock.t = 1_600 // fresh until 1,000, servable stale until 1,500
    const late = cache.get('k', c.compute)
    c.calls[1]!.resolve('v2')
    expect(await late).toBe('v2')
  })

  it('keeps the stale entry when a refresh fails, and retries on the next request', async () => {
    const { cache, c } = await primed('v1')
    cache.invalidate()
    const waiting = cache.get('k', c.compute)
    c.calls[1]!.reject(new Error('db down'))
    expect(await waiting).toBe('v1')
    const retry = cache.get('k', c.compute)
    expect(c.calls).toHaveLength(3)
    c.calls[2]!.resolve('v2')
    expect(await retry).toBe('v2')
  })

  it('a failing first computation reaches the caller and is not cached', async () => {
    const cache = createResponseCache(1_000)
    const c = controlled()
    const first = cache.get('k', c.compute)
    c.calls[0]!.reject(new Error('boom'))
    await expect(first).rejects.toThrow('boom')
    const again = cache.get('k', c.compute)
    c.calls[1]!.resolve('ok')
    expect(await again).toBe('ok')
  })

  it('ttl 0 computes every time', async () => {
    const cache = createResponseCache(0)
    let n = 0
    const compute = async () => ++n
    expect(await cache.get('k', compute)).toBe(1)
    expect(await cache.get('k', compute)).toBe(2)
  })
})
