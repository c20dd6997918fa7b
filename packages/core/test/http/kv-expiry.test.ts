import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Storage } from 'unstorage'
import { createMemoryKv } from '../../src/kv/storage'
import { createWallet, startCasino, type TestCasino } from './_harness'

let t: TestCasino | null = null
afterEach(async () => {
  vi.useRealTimers()
  await t?.close()
  t = null
})

/** Entries the kv's driver holds, expired or not (the memory a process spends on them). */
function heldEntries(kv: Storage): number {
  const instance = kv.getMount('').driver.getInstance?.() as { size: number }
  return instance.size
}

describe('the default kv', () => {
  it('forgets issued nonces, rate-limit windows and revocations once they expire', async () => {
    // Only Date is faked: the servers, sockets and timers stay real.
    vi.useFakeTimers({ toFake: ['Date'] })
    t = await startCasino('app.fetch', { trustProxy: true, auth: { jwtSecret: 'kv-expiry-secret-of-at-least-32-bytes!!', domain: 'casino.test', uri: 'https://casino.test', tokenTtl: 3600 } })
    const token = await t.signIn(createWallet())
    expect((await t.request('/api/auth/logout', { method: 'POST', token })).status).toBe(200)
    for (let i = 0; i < 300; i++) {
      // Anyone may ask for a sign-in message, from as many addresses as they have.
      const res = await t.request(`/api/auth/message?walletAddress=${createWallet().address}`, { headers: { 'x-forwarded-for': `10.0.${i >> 8}.${i & 255}` } })
      expect(res.status).toBe(200)
    }
    const keys = await t.casino.kv.getKeys()
    expect(keys.filter(k => k.startsWith('auth:nonce:')).length).toBeGreaterThanOrEqual(300)
    expect(keys.filter(k => k.startsWith('ratelimit:')).length).toBeGreaterThanOrEqual(600)
    expect(keys.some(k => k.startsWith('auth:revoked:'))).toBe(true)
    expect(heldEntries(t.casino.kv)).toBeGreaterThan(900)

    vi.setSystemTime(Date.now() + 2 * 3600_000)
    // Any later write finds the sweep due; the periodic timer does the same on an idle casino.
    expect((await t.request('/api/casino/info', { headers: { 'x-forwarded-for': '192.0.2.1' } })).status).toBe(200)
    expect(heldEntries(t.casino.kv)).toBeLessThanOrEqual(2)
    expect((await t.casino.kv.getKeys()).filter(k => !k.startsWith('ratelimit:ip:192.0.2.1'))).toEqual([])
  })
})

describe('createMemoryKv', () => {
  it('honours ttl, and past maxEntries evicts the entries closest to expiring first', async () => {
    const kv = createMemoryKv({ maxEntries: 100 })
    try {
      await kv.setItem('revoked', true, { ttl: 7 * 24 * 3600 })
      await kv.setItem('forever', 'x')
      for (let i = 0; i < 500; i++) await kv.setItem(`nonce:${i}`, i, { ttl: 300 + i })
      expect(heldEntries(kv)).toBeLessThanOrEqual(100)
      expect(await kv.getItem('revoked')).toBe(true)
      expect(await kv.getItem('forever')).toBe('x')
      expect(await kv.getItem('nonce:499')).toBe(499)
      expect(await kv.getItem('nonce:0')).toBeNull()

      await kv.setItem('short', 1, { ttl: 1 })
      vi.useFakeTimers({ toFake: ['Date'] })
      vi.setSystemTime(Date.now() + 1001)
      expect(await kv.hasItem('short')).toBe(false)
      expect(await kv.getItem('revoked')).toBe(true)
    }
    finally {
      await kv.dispose()
    }
    expect(heldEntries(kv)).toBe(0)
  })
})
