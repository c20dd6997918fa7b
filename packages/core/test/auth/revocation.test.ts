import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sqliteStore } from '@fare-casino/adapters/sqlite'
import { afterAll, describe, expect, it } from 'vitest'
import { createTokenService, type RevocationLedger } from '../../src/auth/tokens'
import { createMemoryKv } from '../../src/kv/storage'
import { memoryStore } from '../../src/store/memory'
import type { CasinoStore } from '../../src/store/types'
import { createWallet, errorCode, startCasino } from '../http/_harness'

const dir = mkdtempSync(join(tmpdir(), 'fare-revocation-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('logged-out tokens', () => {
  it('stay logged out after a restart that empties the default in-memory kv (the store keeps them)', async () => {
    const file = join(dir, 'casino.db')
    const onFile = () => ({ store: sqliteStore({ file }), cleanup: () => {} })
    const first = await startCasino('node server', {}, onFile)
    const wallet = createWallet()
    const loggedOut = await first.signIn(wallet)
    const kept = await first.signIn(wallet)
    expect((await first.request('/api/player/profile', { token: loggedOut })).status).toBe(200)
    expect((await first.request('/api/auth/logout', { method: 'POST', token: loggedOut })).status).toBe(200)
    expect((await first.request('/api/player/profile', { token: loggedOut })).status).toBe(401)
    await first.close()

    // Same file, same secret, a new process's kv: empty.
    let storeReads = 0
    const counted = () => {
      const store = sqliteStore({ file })
      const isNonceUsed = store.isNonceUsed!.bind(store)
      store.isNonceUsed = (nonce) => {
        storeReads++
        return isNonceUsed(nonce)
      }
      return { store, cleanup: () => {} }
    }
    const second = await startCasino('node server', {}, counted)
    try {
      const refused = await second.request('/api/player/profile', { token: loggedOut })
      expect(refused.status).toBe(401)
      expect(await errorCode(refused)).toBe('TOKEN_INVALID')
      expect(await (await second.request('/api/auth/verify', { token: loggedOut })).json()).toMatchObject({ valid: false })
      // Sent again and again, it is read from the store once.
      for (let i = 0; i < 5; i++) expect((await second.request('/api/player/stats', { token: loggedOut })).status).toBe(401)
      expect(storeReads).toBe(1)
      // The other session of the wallet was never logged out.
      expect((await second.request('/api/player/profile', { token: kept })).status).toBe(200)
    }
    finally {
      await second.close()
    }
  })

  it('stay logged out on a running casino whose kv forgets them (a Redis restarted without persistence)', async () => {
    const kv = createMemoryKv()
    const t = await startCasino('app.fetch', { kv })
    try {
      const token = await t.signIn(createWallet())
      // Used before the logout: the store was asked once, and said "not revoked".
      expect((await t.request('/api/player/profile', { token })).status).toBe(200)
      expect((await t.request('/api/auth/logout', { method: 'POST', token })).status).toBe(200)
      await kv.clear()
      expect((await t.request('/api/player/profile', { token })).status).toBe(401)
    }
    finally {
      await t.close()
    }
  })

  it('stay logged out after a restart when the first try of the logout failed half way and was tried again', async () => {
    const file = join(dir, 'partial.db')
    let failNext = true
    const flaky = () => {
      const store = sqliteStore({ file })
      const useNonce = store.useNonce.bind(store)
      // The store refuses the first revocation written to it, once (a connection lost mid-logout).
      store.useNonce = async (nonce, expiresAt) => {
        if (nonce.startsWith('auth:revoked:') && failNext) {
          failNext = false
          throw new Error('connection lost')
        }
        return useNonce(nonce, expiresAt)
      }
      return { store, cleanup: () => {} }
    }
    const first = await startCasino('app.fetch', {}, flaky)
    const token = await first.signIn(createWallet())
    expect((await first.request('/api/auth/logout', { method: 'POST', token })).status).toBe(503)
    // The client tries again, as a 503 asks: this time both the store and the kv take it.
    expect((await first.request('/api/auth/logout', { method: 'POST', token })).status).toBe(200)
    await first.close()
    const second = await startCasino('app.fetch', {}, flaky)
    try {
      expect((await second.request('/api/player/profile', { token })).status).toBe(401)
    }
    finally {
      await second.close()
    }
  })

  it('stay logged out when a check already reading the store came back after the logout with "not revoked"', async () => {
    const recorded = new Set<string>()
    let release: (() => void) | null = null
    let stall = false
    // A store whose reads can be held: the check of a request that started before the logout.
    const ledger: RevocationLedger = {
      record: async key => recorded.add(key),
      has: async (key) => {
        const answer = recorded.has(key)
        if (stall) await new Promise<void>(resolve => (release = resolve))
        return answer
      },
    }
    const kv = createMemoryKv()
    const tokens = createTokenService({ secret: 'a-secret-that-is-at-least-32-bytes-long', issuer: 'x', audience: 'casino.test', ttl: 3600, kv, ledger })
    const { token, claims } = await tokens.issue(createWallet().address)
    stall = true
    const inFlight = tokens.verify(token)
    await expect.poll(() => release).not.toBeNull()
    stall = false
    await tokens.revoke(claims)
    release!()
    // It started before the logout: let through, or refused, as it comes back after it.
    await inFlight.catch(() => {})
    // The kv then loses the logout (a Redis restarted without persistence): still refused here.
    await kv.clear()
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' })
  })

  it('can be logged out again after a try that reached the store but not the kv, so that the shared kv gets it', async () => {
    const shared = createMemoryKv()
    let failWrites = false
    // A shared kv (Redis) that refuses writes for a moment.
    const kv = { ...shared, setItem: ((...args: Parameters<typeof shared.setItem>) => (failWrites ? Promise.reject(new Error('READONLY')) : shared.setItem(...args))) as typeof shared.setItem }
    const file = join(dir, 'half.db')
    let revocationWrites = 0
    const counted = () => {
      const store = sqliteStore({ file })
      const useNonce = store.useNonce.bind(store)
      store.useNonce = (nonce, expiresAt) => {
        if (nonce.startsWith('auth:revoked:')) revocationWrites++
        return useNonce(nonce, expiresAt)
      }
      return { store, cleanup: () => {} }
    }
    const a = await startCasino('app.fetch', { kv }, counted)
    // Another instance on the same kv, with a store that keeps no revocation: only the kv can tell it.
    const b = await startCasino('app.fetch', { kv: shared })
    try {
      const token = await a.signIn(createWallet())
      expect((await b.request('/api/player/profile', { token })).status).toBe(200)
      failWrites = true
      expect((await a.request('/api/auth/logout', { method: 'POST', token })).status).toBe(503)
      failWrites = false
      // The store has it, the kv not: the client's next try writes it again (it was refused as revoked).
      expect((await a.request('/api/auth/logout', { method: 'POST', token })).status).toBe(200)
      expect((await b.request('/api/player/profile', { token })).status).toBe(401)
      // And again: a logout is idempotent, and what is already written is not written again.
      const writes = revocationWrites
      for (let i = 0; i < 5; i++) expect((await a.request('/api/auth/logout', { method: 'POST', token })).status).toBe(200)
      expect(revocationWrites).toBe(writes)
    }
    finally {
      await a.close()
      await b.close()
    }
  })

  it('are refused through the kv alone with a store that cannot keep them (no isNonceUsed)', async () => {
    const withoutLedger = () => {
      const store: CasinoStore = memoryStore()
      delete store.isNonceUsed
      return { store, cleanup: () => {} }
    }
    const t = await startCasino('app.fetch', {}, withoutLedger)
    try {
      const token = await t.signIn(createWallet())
      expect((await t.request('/api/auth/logout', { method: 'POST', token })).status).toBe(200)
      expect((await t.request('/api/player/profile', { token })).status).toBe(401)
    }
    finally {
      await t.close()
    }
  })
})
