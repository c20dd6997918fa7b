import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Storage } from 'unstorage'
import { createMemoryKv } from '../../src/kv/storage'
import { rateLimitKey } from '../../src/kv/rate-limit'
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
    expect((await t.casino.kv.getKeys()).filter(k => k !== rateLimitKey('ip', '192.0.2.1'))).toEqual([])
  })
})

describe('token revocations in the default kv', () => {
  it('keep a logged-out token dead through a flood of sign-ins and logouts with throwaway keys', async () => {
    t = await startCasino('app.fetch', { kv: createMemoryKv({ maxEntries: 40 }) })
    const victim = await t.signIn(createWallet())
    expect((await t.request('/api/auth/logout', { method: 'POST', token: victim })).status).toBe(200)
    // Each round leaves a revocation that expires later than the victim's, and nonces and rate-limit windows.
    for (let i = 0; i < 60; i++) {
      const token = await t.signIn(createWallet())
      expect((await t.request('/api/auth/logout', { method: 'POST', token })).status).toBe(200)
    }
    expect(await (await t.request('/api/auth/verify', { token: victim })).json()).toEqual({ valid: false, user: null })
    const keys = await t.casino.kv.getKeys()
    expect(keys.filter(k => k.startsWith('auth:revoked:'))).toHaveLength(61)
    // The rest kept its room (a nonce just issued is not evicted for revocations), and no more.
    expect(keys.length).toBeLessThanOrEqual(61 + 40)
    expect(keys.length).toBeGreaterThan(61)
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

      // Pinned entries are never evicted for room, however many come after with a later expiry.
      const pinning = createMemoryKv({ maxEntries: 10, pinnedPrefixes: ['keep:'] })
      await pinning.setItem('keep:first', 1, { ttl: 60 })
      for (let i = 0; i < 30; i++) await pinning.setItem(`keep:${i}`, i, { ttl: 3600 + i })
      for (let i = 0; i < 30; i++) await pinning.setItem(`other:${i}`, i, { ttl: 7200 + i })
      expect(await pinning.getItem('keep:first')).toBe(1)
      expect((await pinning.getKeys()).filter(k => k.startsWith('keep:'))).toHaveLength(31)
      expect((await pinning.getKeys()).filter(k => k.startsWith('other:')).length).toBeLessThanOrEqual(10)
      expect(await pinning.getItem('other:29')).toBe(29)
      await pinning.dispose()

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
