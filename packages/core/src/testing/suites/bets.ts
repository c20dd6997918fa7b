import { describe, expect, it } from 'vitest'
import type { Bet, CasinoStore } from '../../store/types'
import { makeBatch, makeRegister, makeResolve, randomSignature, randomWallet } from '../fixtures'
import type { SuiteContext } from './context'

/** Registers `count` bets of `player` in one batch; every other one settled (wins and losses alternating). */
async function seedBets(store: CasinoStore, player: string, count: number, game = 'coinflip'): Promise<string[]> {
  const regs = Array.from({ length: count }, () => makeRegister({ player, game }))
  const resolves = regs.filter((_, i) => i % 2 === 0).map((r, i) => makeResolve(r, { resultIndex: i % 2 }))
  await store.applyBatch(makeBatch([...regs, ...resolves]))
  return regs.map(r => r.trialId)
}

async function pages(store: CasinoStore, query: { player?: string, game?: string, status?: Bet['status'], won?: boolean }, limit: number, between?: (page: number) => Promise<void>): Promise<Bet[][]> {
  const out: Bet[][] = []
  let cursor: string | undefined
  for (;;) {
    const page = await store.listBets({ ...query, limit, ...(cursor === undefined ? {} : { cursor }) })
    out.push(page.bets)
    if (between) await between(out.length)
    if (page.nextCursor === null) return out
    cursor = page.nextCursor
  }
}

/** Bet lookups and both kinds of pagination. */
export function betsSuite(ctx: SuiteContext): void {
  describe('bets', () => {
    it('finds a bet by trial id, register signature and resolve signature', async () => {
      const store = ctx.store()
      const reg = makeRegister()
      const res = makeResolve(reg)
      await store.applyBatch(makeBatch([reg, res]))
      const bet = await store.getBet(reg.trialId)
      expect(bet?.id).toBe(reg.trialId)
      expect(await store.getBet(reg.signature)).toEqual(bet)
      expect(await store.getBet(res.signature)).toEqual(bet)
      expect(await store.getBet(randomWallet())).toBeNull()
    })

    it('finds, by the signature of a transaction that settled several bets, the one with the lowest seq', async () => {
      const store = ctx.store()
      const older = makeRegister()
      await store.applyBatch(makeBatch([older]))
      // One batch: a new bet registered, then one transaction settling it and the older one.
      const newer = makeRegister()
      const settling = randomSignature()
      const both = [makeResolve(newer, { signature: settling, id: `${settling}:0` }), makeResolve(older, { signature: settling, id: `${settling}:1` })]
      await store.applyBatch(makeBatch([newer, ...both]))
      expect((await store.getBet(settling))?.id).toBe(older.trialId)
      expect((await store.getBet(older.trialId))?.resolveSignature).toBe(settling)
      expect((await store.getBet(newer.trialId))?.resolveSignature).toBe(settling)
    })

    it('lists bets newest first with filters on player, game, status and won', async () => {
      const store = ctx.store()
      const alice = randomWallet()
      const bob = randomWallet()
      const a = await seedBets(store, alice, 6, 'coinflip')
      const b = await seedBets(store, bob, 4, 'dice')
      const all = (await store.listBets({ limit: 100 })).bets
      expect(all.map(x => x.id)).toEqual([...b].reverse().concat([...a].reverse()))
      expect(all.map(x => x.seq)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])

      expect((await store.listBets({ player: alice, limit: 100 })).bets.map(x => x.id)).toEqual([...a].reverse())
      expect((await store.listBets({ game: 'dice', limit: 100 })).bets.map(x => x.id)).toEqual([...b].reverse())
      const pending = (await store.listBets({ status: 'pending', limit: 100 })).bets
      expect(pending.map(x => x.id)).toEqual([b[3], b[1], a[5], a[3], a[1]])
      const settled = (await store.listBets({ status: 'settled', limit: 100 })).bets
      expect(settled.every(x => x.status === 'settled')).toBe(true)
      expect(settled).toHaveLength(5)
      // Resolves alternate win, loss, win: a[0], a[4], b[0] won; a[2], b[2] lost.
      expect((await store.listBets({ won: true, limit: 100 })).bets.map(x => x.id)).toEqual([b[0], a[4], a[0]])
      expect((await store.listBets({ won: false, limit: 100 })).bets.map(x => x.id)).toEqual([b[2], a[2]])
      expect((await store.listBets({ player: alice, won: true, game: 'coinflip', status: 'settled', limit: 100 })).bets.map(x => x.id)).toEqual([a[4], a[0]])
      expect((await store.listBets({ player: alice, game: 'dice', limit: 100 })).bets).toEqual([])
      expect(await store.listBets({ player: randomWallet(), limit: 10 })).toEqual({ bets: [], nextCursor: null })
    })

    it('pages with a keyset cursor without duplicates or gaps while bets are inserted', async () => {
      const store = ctx.store()
      const alice = randomWallet()
      const original = await seedBets(store, alice, 23)
      await seedBets(store, randomWallet(), 5)
      const seen = await pages(store, { player: alice }, 5, async () => {
        // Newer bets arrive between page fetches, for alice and for others.
        await seedBets(store, alice, 2)
        await seedBets(store, randomWallet(), 2)
      })
      expect(seen.map(p => p.length)).toEqual([5, 5, 5, 5, 3])
      expect(seen.flat().map(b => b.id)).toEqual([...original].reverse())

      const everything = await pages(store, {}, 7)
      const ids = everything.flat().map(b => b.seq)
      expect(new Set(ids).size).toBe(ids.length)
      expect(ids).toEqual([...ids].sort((x, y) => y - x))
      expect(ids.length).toBe(23 + 5 + 5 * 4)
    })

    it('pages filtered by status and won', async () => {
      const store = ctx.store()
      await seedBets(store, randomWallet(), 30)
      const pendingPages = await pages(store, { status: 'pending' }, 4)
      expect(pendingPages.flat()).toHaveLength(15)
      expect(pendingPages.flat().every(b => b.status === 'pending')).toBe(true)
      const wonPages = await pages(store, { won: true }, 3)
      expect(wonPages.flat()).toHaveLength(8)
      expect(pendingPages[pendingPages.length - 1]!.length).toBeGreaterThan(0)
    })

    it('rejects a cursor it did not make with INVALID_CURSOR', async () => {
      const store = ctx.store()
      await expect(store.listBets({ limit: 10, cursor: 'not a cursor!' })).rejects.toMatchObject({ code: 'INVALID_CURSOR' })
    })

    it('returns a player bet history newest first with offset pagination and a total', async () => {
      const store = ctx.store()
      const alice = randomWallet()
      const ids = await seedBets(store, alice, 12)
      await seedBets(store, randomWallet(), 3)
      const first = await store.playerBetHistory(alice, { limit: 5, offset: 0 })
      expect(first.total).toBe(12)
      expect(first.bets.map(b => b.id)).toEqual([...ids].reverse().slice(0, 5))
      const last = await store.playerBetHistory(alice, { limit: 5, offset: 10 })
      expect(last).toMatchObject({ total: 12 })
      expect(last.bets.map(b => b.id)).toEqual([ids[1], ids[0]])
      expect(await store.playerBetHistory(alice, { limit: 5, offset: 20 })).toEqual({ bets: [], total: 12 })
      expect(await store.playerBetHistory(randomWallet(), { limit: 5, offset: 0 })).toEqual({ bets: [], total: 0 })
    })
  })
}
