import { describe, expect, it } from 'vitest'
import { makeBatch, makeJackpot, randomWallet } from '../fixtures'
import type { SuiteContext } from './context'

/** Chat, system events, sign-in nonces and health. */
export function operationsSuite(ctx: SuiteContext): void {
  describe('operations', () => {
    it('answers ping', async () => {
      await expect(ctx.store().ping()).resolves.toBeUndefined()
    })

    it('adds and lists chat messages newest first, pages with before, and soft-deletes', async () => {
      const store = ctx.store()
      const wallet = randomWallet()
      await store.ensurePlayer(wallet, 1)
      await store.setUsername(wallet, 'chatty')
      const added = []
      for (let i = 0; i < 5; i++) added.push(await store.addChatMessage({ wallet, message: `hello ${i}`, createdAt: 1_000 + i }))
      expect(added[0]).toEqual({ id: added[0]!.id, wallet, username: 'chatty', message: 'hello 0', createdAt: 1_000 })
      expect(typeof added[0]!.id).toBe('string')
      expect(new Set(added.map(m => m.id)).size).toBe(5)
      const anonymous = await store.addChatMessage({ wallet: randomWallet(), message: 'hi', createdAt: 2_000 })
      expect(anonymous.username).toBeNull()

      const newest = await store.listChat({ limit: 3 })
      expect(newest.map(m => m.message)).toEqual(['hi', 'hello 4', 'hello 3'])
      const older = await store.listChat({ limit: 10, before: newest[2]!.id })
      expect(older.map(m => m.message)).toEqual(['hello 2', 'hello 1', 'hello 0'])
      // A cursor that is not a decimal id of at most 15 digits names no message: nothing is before it, in every store.
      for (const before of ['Infinity', '0x10', '1e1', '-1', 'abc', '', '1234567890123456', '999999999999999999']) expect(await store.listChat({ limit: 10, before }), before).toEqual([])

      expect(await store.deleteChatMessage(added[3]!.id, 3_000)).toBe(true)
      expect(await store.deleteChatMessage(added[3]!.id, 3_001)).toBe(false)
      expect(await store.deleteChatMessage('999999', 3_000)).toBe(false)
      // An id written another way names no message in any store (SQLite and Postgres read `0<id>` as the id).
      for (const other of [`0${added[2]!.id}`, `00${added[2]!.id}`, `+${added[2]!.id}`, `${added[2]!.id}.0`, '0']) expect(await store.deleteChatMessage(other, 3_000), other).toBe(false)
      expect((await store.listChat({ limit: 10 })).map(m => m.message)).toEqual(['hi', 'hello 4', 'hello 2', 'hello 1', 'hello 0'])
      // A message added after a delete still gets a new id.
      const later = await store.addChatMessage({ wallet, message: 'again', createdAt: 4_000 })
      expect(added.map(m => m.id)).not.toContain(later.id)
      expect((await store.listChat({ limit: 1 }))[0]).toEqual(later)
    })

    it('lists each chat message under its author\'s name as it is now', async () => {
      // Before, a message kept the name of its posting time: once the author gave a name up and another
      // wallet took it, both wallets' messages showed that name.
      const store = ctx.store()
      const [a, b] = [randomWallet(), randomWallet()]
      const name = `bob_${Math.floor(Math.random() * 1e9)}`
      await store.ensurePlayer(a, 1)
      await store.ensurePlayer(b, 1)
      await store.setUsername(a, name)
      const old = await store.addChatMessage({ wallet: a, message: 'from a', createdAt: 10 })
      expect(old.username).toBe(name)
      await store.setUsername(a, null)
      await store.setUsername(b, name)
      await store.addChatMessage({ wallet: b, message: 'from b', createdAt: 11 })
      const listed = (await store.listChat({ limit: 50 })).filter(m => m.wallet === a || m.wallet === b)
      expect(listed.map(m => [m.message, m.username])).toEqual([['from b', name], ['from a', null]])
      await store.setUsername(a, 'renamed_a')
      expect((await store.listChat({ limit: 50 })).find(m => m.id === old.id)?.username).toBe('renamed_a')
    })

    it('records system events and lists them newest first', async () => {
      const store = ctx.store()
      await store.recordSystemEvent({ type: 'indexer.error', severity: 'error', message: 'rpc down', metadata: { attempt: 3, rpc: 'x' }, createdAt: 10 })
      await store.recordSystemEvent({ type: 'indexer.recovered', severity: 'info', message: 'rpc up', metadata: null, createdAt: 20 })
      await store.recordSystemEvent({ type: 'discovery.failed', severity: 'warn', message: 'timeout', metadata: { nested: { a: [1, 'b'] } }, createdAt: 30 })
      const events = await store.listSystemEvents({ limit: 2 })
      expect(events.map(e => e.type)).toEqual(['discovery.failed', 'indexer.recovered'])
      expect(events[0]).toMatchObject({ severity: 'warn', message: 'timeout', metadata: { nested: { a: [1, 'b'] } }, createdAt: 30 })
      expect(events[1]!.metadata).toBeNull()
      const all = await store.listSystemEvents({ limit: 10 })
      expect(all).toHaveLength(3)
      expect(all[2]).toMatchObject({ type: 'indexer.error', metadata: { attempt: 3, rpc: 'x' } })
      expect(all[0]!.id).toBeGreaterThan(all[1]!.id)
      expect(all[1]!.id).toBeGreaterThan(all[2]!.id)
    })

    it('lists no jackpot and no system event for a limit of 0', async () => {
      const store = ctx.store()
      await store.applyBatch(makeBatch([makeJackpot()]))
      await store.recordSystemEvent({ type: 'indexer.error', severity: 'error', message: 'x', metadata: null, createdAt: Date.now() })
      expect(await store.listJackpots(0)).toEqual([])
      expect(await store.listSystemEvents({ limit: 0 })).toEqual([])
      expect(await store.listJackpots(1)).toHaveLength(1)
    })

    it('uses a nonce once', async () => {
      const store = ctx.store()
      const expiresAt = Date.now() + 300_000
      expect(await store.useNonce('nonce-a', expiresAt)).toBe(true)
      expect(await store.useNonce('nonce-a', expiresAt)).toBe(false)
      expect(await store.useNonce('nonce-b', expiresAt)).toBe(true)
    })

    it('tells a used nonce from an unknown or expired one, without marking it (isNonceUsed, optional)', async (test) => {
      const store = ctx.store()
      if (!store.isNonceUsed) return test.skip()
      expect(await store.isNonceUsed('read-only')).toBe(false)
      // A read marks nothing: the nonce is still unused afterwards.
      expect(await store.useNonce('read-only', Date.now() + 300_000)).toBe(true)
      expect(await store.isNonceUsed('read-only')).toBe(true)
      expect(await store.useNonce('short-lived', Date.now() + 30)).toBe(true)
      expect(await store.isNonceUsed('short-lived')).toBe(true)
      await new Promise(resolve => setTimeout(resolve, 80))
      expect(await store.isNonceUsed('short-lived')).toBe(false)
    })

    it('lets exactly one of 20 concurrent uses of a nonce succeed', async () => {
      const store = ctx.store()
      const expiresAt = Date.now() + 300_000
      const results = await Promise.all(Array.from({ length: 20 }, () => store.useNonce('race-nonce', expiresAt)))
      expect(results.filter(Boolean)).toHaveLength(1)
    })
  })
}
