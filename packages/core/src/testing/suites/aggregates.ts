import { describe, expect, it } from 'vitest'
import { rankLeaderboard } from '../../store/leaderboard'
import type { CasinoStore, LeaderboardBy, LeaderboardPeriod, QKPair } from '../../store/types'
import { generateWorkload, makeBatch, makeRegister, makeResolve, randomWallet } from '../fixtures'
import { listAllBets, recomputeTotals, windowTotals } from '../inspect'
import type { SuiteContext } from './context'

const HOUR = 3_600_000
/** Half past an hour, so that "N hours ago" never straddles a bucket edge. */
const NOW = 472_222 * HOUR + HOUR / 2

/** One settled bet of `player` settling `agoMs` before NOW, with an exact payout of wager * k. */
async function settleAt(store: CasinoStore, player: string, wager: bigint, k: number, agoMs: number): Promise<void> {
  const qk: QKPair[] = [[0.5, k], [0.5, 0]]
  const blockTime = Math.floor((NOW - agoMs) / 1000)
  const reg = makeRegister({ player, wager, qk, blockTime })
  await store.applyBatch(makeBatch([reg, makeResolve(reg, { resultIndex: 0, blockTime })], { now: NOW }))
}

/** Totals recomputed from bets: player, game and casino counters, leaderboards and windows. */
export function aggregatesSuite(ctx: SuiteContext): void {
  describe('aggregates', () => {
    it('keeps player, game and casino totals equal to sums over the bets after a random workload', async () => {
      const store = ctx.store()
      const w = generateWorkload({ seed: 42, bets: 400, players: 25, batchSize: 33 })
      for (const batch of w.batches) await store.applyBatch(batch)
      const bets = await listAllBets(store)
      expect(bets).toHaveLength(400)
      const totals = recomputeTotals(bets)
      expect(totals.casino.pending).toBeGreaterThan(0)

      const stats = await store.stats(w.now)
      expect(stats).toMatchObject({
        totalBets: totals.casino.bets, totalWins: totals.casino.wins, totalWagered: totals.casino.wagered,
        totalPayout: totals.casino.payout, pendingBets: totals.casino.pending, totalPlayers: new Set(bets.map(b => b.player)).size,
      })
      const day = windowTotals(totals, '24h', w.now)
      expect(stats.last24h).toEqual([...day.values()].reduce((s, t) => ({
        bets: s.bets + t.bets, wins: s.wins + t.wins, wagered: s.wagered + t.wagered, payout: s.payout + t.payout,
      }), { bets: 0, wins: 0, wagered: 0n, payout: 0n }))

      for (const wallet of w.wallets) {
        const t = totals.players.get(wallet)
        const player = await store.getPlayer(wallet)
        if (!t) {
          expect(player === null || player.totalBets === 0).toBe(true)
          continue
        }
        expect(player).toMatchObject({
          wallet, totalBets: t.bets, totalWins: t.wins, totalLosses: t.losses, totalWagered: t.wagered, totalPayout: t.payout, games: t.games,
        })
        expect((await store.playerBetHistory(wallet, { limit: 1, offset: 0 })).total).toBe(bets.filter(b => b.player === wallet).length)
      }

      for (const period of ['24h', '7d', '30d', 'all'] as LeaderboardPeriod[]) {
        const rows = period === 'all'
          ? new Map([...totals.players].map(([wallet, t]) => [wallet, { bets: t.bets, wins: t.wins, wagered: t.wagered, payout: t.payout }]))
          : windowTotals(totals, period, w.now)
        for (const by of ['wagered', 'profit', 'wins', 'bets'] as LeaderboardBy[]) {
          const expected = rankLeaderboard(rows, { by, limit: 10 }, () => null)
          const actual = await store.leaderboard({ by, period, limit: 10, now: w.now })
          expect(actual.map(e => ({ ...e, username: null })), `${period} by ${by}`).toEqual(expected)
        }
      }
    })

    it('keeps windowed leaderboards exact while now moves forward, jumps, and looks back', async () => {
      const store = ctx.store()
      const w = generateWorkload({ seed: 9, bets: 240, players: 12, batchSize: 20, days: 40 })
      const check = async (now: number) => {
        const totals = recomputeTotals(await listAllBets(store))
        for (const period of ['24h', '7d', '30d'] as LeaderboardPeriod[]) {
          const rows = windowTotals(totals, period, now)
          for (const by of ['wagered', 'profit'] as LeaderboardBy[]) {
            const actual = await store.leaderboard({ by, period, limit: 50, now })
            expect(actual.map(e => ({ ...e, username: null })), `${period} by ${by} at ${now}`).toEqual(rankLeaderboard(rows, { by, limit: 50 }, () => null))
          }
        }
      }
      // The clock follows the chain: after each batch, ask at the newest block time, a few hours on, and a day back.
      let latest = 0
      for (const [i, batch] of w.batches.entries()) {
        await store.applyBatch(batch)
        for (const e of batch.events) latest = Math.max(latest, e.blockTime * 1000)
        if (i % 3 === 0) await check(latest)
        if (i % 5 === 1) await check(latest + 5 * 3_600_000)
        if (i % 7 === 2) await check(latest - 26 * 3_600_000)
      }
      await check(w.now + 3 * 86_400_000)
      await check(w.now + 45 * 86_400_000)
    })

    it('ranks totals that differ by one base unit above 2^53 exactly, in every window', async () => {
      const store = ctx.store()
      // 2^60 and 2^60 + 1 are the same double: a store that ranks by a double would tie them.
      const [low, high, twin] = [randomWallet(), randomWallet(), randomWallet()]
      await settleAt(store, low, 2n ** 60n, 0, HOUR)
      await settleAt(store, high, 2n ** 60n + 1n, 0, HOUR)
      await settleAt(store, twin, 2n ** 60n, 0, HOUR)
      const [first, second] = [low, twin].sort()
      for (const period of ['24h', '7d', '30d', 'all'] as LeaderboardPeriod[]) {
        const wagered = await store.leaderboard({ by: 'wagered', period, limit: 3, now: NOW })
        expect(wagered.map(e => [e.wallet, e.wagered]), `${period} by wagered`).toEqual([[high, 2n ** 60n + 1n], [first, 2n ** 60n], [second, 2n ** 60n]])
        const profit = await store.leaderboard({ by: 'profit', period, limit: 3, now: NOW })
        expect(profit.map(e => [e.wallet, e.profit]), `${period} by profit`).toEqual([[first, -(2n ** 60n)], [second, -(2n ** 60n)], [high, -(2n ** 60n) - 1n]])
        const top = await store.leaderboard({ by: 'wagered', period, limit: 1, now: NOW })
        expect(top.map(e => e.wallet), `${period} top 1`).toEqual([high])
      }
    })

    it('orders the leaderboard by each metric, breaking ties by wagered then wallet', async () => {
      const store = ctx.store()
      const [a, b, c, d] = ['A', 'B', 'C', 'D'].map(p => p + randomWallet().slice(1)) as [string, string, string, string]
      // a: 2 bets, wagered 300, payout 600 (profit +300). b: 1 bet, wagered 300, payout 0 (profit -300).
      // c: 2 bets, wagered 100, payout 400 (profit +300). d: 1 bet, wagered 300, payout 0 (ties b on everything).
      await settleAt(store, a, 100n, 2, HOUR)
      await settleAt(store, a, 200n, 2, HOUR)
      await settleAt(store, b, 300n, 0.0001, HOUR)
      await settleAt(store, c, 50n, 4, HOUR)
      await settleAt(store, c, 50n, 4, HOUR)
      await settleAt(store, d, 300n, 0.0001, HOUR)
      await store.ensurePlayer(randomWallet(), NOW) // no bets: never ranked
      await store.setUsername(c, 'carol')
      const order = async (by: LeaderboardBy) => (await store.leaderboard({ by, period: 'all', limit: 10, now: NOW })).map(e => e.wallet)
      expect(await order('wagered')).toEqual([a, b, d, c])
      expect(await order('profit')).toEqual([a, c, b, d])
      expect(await order('bets')).toEqual([a, c, b, d])
      // b and d lose (300 * 0.0001 rounds down to 0): wins a 2, c 2, b 0, d 0.
      expect(await order('wins')).toEqual([a, c, b, d])
      const board = await store.leaderboard({ by: 'profit', period: 'all', limit: 2, now: NOW })
      expect(board).toEqual([
        { rank: 1, wallet: a, username: null, bets: 2, wins: 2, wagered: 300n, payout: 600n, profit: 300n },
        { rank: 2, wallet: c, username: 'carol', bets: 2, wins: 2, wagered: 100n, payout: 400n, profit: 300n },
      ])
    })

    it('limits leaderboard windows to the last 24 hours, 7 days and 30 days before now', async () => {
      const store = ctx.store()
      const [recent, week, month, old] = [randomWallet(), randomWallet(), randomWallet(), randomWallet()]
      await settleAt(store, recent, 1_000n, 2, 23 * HOUR)
      await settleAt(store, week, 2_000n, 2, 6 * 24 * HOUR)
      await settleAt(store, month, 3_000n, 2, 29 * 24 * HOUR)
      await settleAt(store, old, 4_000n, 2, 31 * 24 * HOUR)
      await settleAt(store, recent, 10n, 2, 25 * HOUR) // outside 24h, inside 7d
      // Settled after `now` (a window ends at now): outside every window but in all-time totals.
      await settleAt(store, old, 9n, 2, -2 * HOUR)
      const board = async (period: LeaderboardPeriod) =>
        (await store.leaderboard({ by: 'wagered', period, limit: 10, now: NOW })).map(e => [e.wallet, e.wagered])
      expect(await board('24h')).toEqual([[recent, 1_000n]])
      expect(await board('7d')).toEqual([[week, 2_000n], [recent, 1_010n]])
      expect(await board('30d')).toEqual([[month, 3_000n], [week, 2_000n], [recent, 1_010n]])
      expect(await board('all')).toEqual([[old, 4_009n], [month, 3_000n], [week, 2_000n], [recent, 1_010n]])
      // Hour by hour the window slides: the 24h window loses `recent`, then the bet settled ahead of the clock enters.
      const at = async (now: number) => (await store.leaderboard({ by: 'wagered', period: '24h', limit: 10, now })).map(e => [e.wallet, e.wagered])
      expect(await at(NOW + HOUR)).toEqual([])
      expect(await at(NOW + 2 * HOUR)).toEqual([[old, 9n]])
      expect(await at(NOW)).toEqual([[recent, 1_000n]])
      // The same bets seen from 40 days later: nothing in the short windows.
      expect(await store.leaderboard({ by: 'wagered', period: '30d', limit: 10, now: NOW + 40 * 24 * HOUR })).toEqual([])
    })

    it('reports last-24h stats from hourly buckets ending at now', async () => {
      const store = ctx.store()
      const p = randomWallet()
      await settleAt(store, p, 2n ** 55n, 2, HOUR)
      await settleAt(store, p, 5n, 0.0001, 23 * HOUR)
      await settleAt(store, p, 7n, 2, 24 * HOUR + HOUR / 2)
      const stats = await store.stats(NOW)
      expect(stats.last24h).toEqual({ bets: 2, wins: 1, wagered: 2n ** 55n + 5n, payout: 2n ** 56n })
      expect(stats).toMatchObject({ totalBets: 3, totalWagered: 2n ** 55n + 12n, totalPayout: 2n ** 56n + 14n })
      expect((await store.stats(NOW + 48 * HOUR)).last24h).toEqual({ bets: 0, wins: 0, wagered: 0n, payout: 0n })
      expect((await store.stats(NOW - 2 * HOUR)).last24h).toEqual({ bets: 2, wins: 1, wagered: 12n, payout: 14n })
    })

    it('reads totals, per-game rows and bet counts from one commit while batches commit beside them', async () => {
      const store = ctx.store()
      const player = randomWallet()
      const blockTime = Math.floor((NOW - HOUR) / 1000)
      let written = false
      // One settled bet per commit, alternating two games, all within the last 24 hours.
      const writes = (async () => {
        for (let i = 0; i < 150; i++) {
          const reg = makeRegister({ player, game: i % 2 ? 'dice' : 'coinflip', blockTime, slot: 1000 + i })
          await store.applyBatch(makeBatch([reg, makeResolve(reg, { blockTime })], { now: NOW }))
        }
      })().finally(() => {
        written = true
      })
      const torn: string[] = []
      while (!written) {
        const [stats, p, history] = await Promise.all([
          store.stats(NOW),
          store.getPlayer(player),
          store.playerBetHistory(player, { limit: 1000, offset: 0 }),
        ])
        if (stats.totalBets !== stats.last24h.bets) torn.push(`stats ${stats.totalBets} / ${stats.last24h.bets}`)
        const perGame = Object.values(p?.games ?? {}).reduce((sum, g) => sum + g.bets, 0)
        if (p && (p.totalBets !== perGame || p.totalWagered !== Object.values(p.games).reduce((sum, g) => sum + g.wagered, 0n))) {
          torn.push(`player ${p.totalBets} / ${perGame}`)
        }
        if (history.bets.length !== history.total) torn.push(`history ${history.bets.length} / ${history.total}`)
        await new Promise(resolve => setImmediate(resolve))
      }
      await writes
      expect(torn).toEqual([])
      expect((await store.stats(NOW)).totalBets).toBe(150)
    })
  })
}
