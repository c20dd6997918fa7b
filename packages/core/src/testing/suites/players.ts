import { describe, expect, it } from 'vitest'
import { makeBatch, makeRegister, makeResolve, randomWallet } from '../fixtures'
import type { SuiteContext } from './context'

/** Player rows: creation, last seen, usernames. */
export function playersSuite(ctx: SuiteContext): void {
  describe('players', () => {
    it('creates a player once and moves lastSeenAt forward', async () => {
      const store = ctx.store()
      const wallet = randomWallet()
      expect(await store.getPlayer(wallet)).toBeNull()
      const first = await store.ensurePlayer(wallet, 1_000)
      expect(first.created).toBe(true)
      expect(first.player).toEqual({
        wallet, username: null, createdAt: 1_000, lastSeenAt: 1_000, totalBets: 0, totalWins: 0, totalLosses: 0,
        totalWagered: 0n, totalPayout: 0n, games: {},
      })
      const second = await store.ensurePlayer(wallet, 5_000)
      expect(second.created).toBe(false)
      expect(second.player).toMatchObject({ createdAt: 1_000, lastSeenAt: 5_000 })
      expect(await store.getPlayer(wallet)).toMatchObject({ lastSeenAt: 5_000 })
      expect((await store.stats(0)).totalPlayers).toBe(1)
    })

    it('keeps the totals of a player created by a bet when they sign in', async () => {
      const store = ctx.store()
      const reg = makeRegister({ wager: 2n ** 54n + 1n })
      await store.applyBatch(makeBatch([reg, makeResolve(reg, { resultIndex: 1 })], { now: 2_000 }))
      const { player, created } = await store.ensurePlayer(reg.player, 3_000)
      expect(created).toBe(false)
      expect(player).toMatchObject({ createdAt: 2_000, lastSeenAt: 3_000, totalBets: 1, totalLosses: 1, totalWagered: 2n ** 54n + 1n })
      // A signed-in player's first bet does not create them again.
      const signedIn = randomWallet()
      await store.ensurePlayer(signedIn, 4_000)
      const result = await store.applyBatch(makeBatch([makeRegister({ player: signedIn })], { now: 5_000 }))
      expect(result.joined).toEqual([])
      expect(await store.getPlayer(signedIn)).toMatchObject({ createdAt: 4_000 })
      expect((await store.stats(0)).totalPlayers).toBe(2)
    })

    it('reports a player in joined only when the batch created them, even racing a sign-in', async () => {
      const store = ctx.store()
      // Each round signs five wallets in while a batch registers their first bets: whichever commits
      // first creates the player, and exactly one of the two reports the creation.
      for (let round = 0; round < 6; round++) {
        const wallets = Array.from({ length: 5 }, () => randomWallet())
        const batch = makeBatch(wallets.map(player => makeRegister({ player })), { now: 7_000 })
        const [result, ...signIns] = await Promise.all([store.applyBatch(batch), ...wallets.map(w => store.ensurePlayer(w, 8_000))])
        for (const [i, wallet] of wallets.entries()) {
          const joined = result.joined.filter(p => p.wallet === wallet).length
          expect(joined + (signIns[i]!.created ? 1 : 0), `round ${round}, wallet ${i}`).toBe(1)
        }
      }
      expect((await store.stats(0)).totalPlayers).toBe(30)
    })

    it('keeps usernames unique regardless of case', async () => {
      const store = ctx.store()
      const alice = randomWallet()
      const bob = randomWallet()
      await store.ensurePlayer(alice, 1)
      await store.ensurePlayer(bob, 1)
      expect(await store.setUsername(alice, 'Alice')).toMatchObject({ wallet: alice, username: 'Alice' })
      await expect(store.setUsername(bob, 'aLICE')).rejects.toMatchObject({ name: 'CasinoError', code: 'USERNAME_TAKEN' })
      expect(await store.getPlayer(bob)).toMatchObject({ username: null })
      // The owner may change the case of their own name.
      expect(await store.setUsername(alice, 'ALICE')).toMatchObject({ username: 'ALICE' })
      expect(await store.getPlayerByUsername('alice')).toMatchObject({ wallet: alice, username: 'ALICE' })
      expect(await store.getPlayerByUsername('nobody')).toBeNull()
      // Releasing a name frees it for someone else.
      expect(await store.setUsername(alice, null)).toMatchObject({ username: null })
      expect(await store.getPlayerByUsername('alice')).toBeNull()
      expect(await store.setUsername(bob, 'alice')).toMatchObject({ username: 'alice' })
      expect(await store.getPlayerByUsername('ALICE')).toMatchObject({ wallet: bob })
    })

    it('lets exactly one of two concurrent claims of a username win', async () => {
      const store = ctx.store()
      const wallets = Array.from({ length: 8 }, () => randomWallet())
      for (const w of wallets) await store.ensurePlayer(w, 1)
      const results = await Promise.allSettled(wallets.map((w, i) => store.setUsername(w, i % 2 ? 'Race' : 'race')))
      expect(results.filter(r => r.status === 'fulfilled')).toHaveLength(1)
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'USERNAME_TAKEN' })
    })

    it('rejects a username for an unknown wallet with NOT_FOUND', async () => {
      const store = ctx.store()
      await expect(store.setUsername(randomWallet(), 'ghost')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    })

    it('puts usernames on leaderboard entries', async () => {
      const store = ctx.store()
      const reg = makeRegister({ blockTime: 1_700_000_000 })
      await store.applyBatch(makeBatch([reg, makeResolve(reg)]))
      await store.setUsername(reg.player, 'lucky')
      const [entry] = await store.leaderboard({ by: 'bets', period: '24h', limit: 5, now: 1_700_000_100_000 })
      expect(entry).toMatchObject({ rank: 1, wallet: reg.player, username: 'lucky', bets: 1 })
    })
  })
}
