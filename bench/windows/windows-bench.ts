/**
 * Windowed leaderboards (24h / 7d / 30d) on Redis while bets keep landing: the time of a leaderboard
 * read right after a batch, beside the baseline of summing every hour of the window (what the store did
 * until 2026-12-06, and still does for its first read of a window). A casino's API reads a leaderboard
 * at most once per batch per window (its response cache keeps it until the next bet event), so this is
 * the read a live casino pays.
 *
 * Seeds WINDOWS_BETS bets (default 200,000) of WINDOWS_PLAYERS players (20,000) settled at random times
 * of the last 30 days, under a fresh key prefix; then, per round (WINDOWS_ROUNDS, 15), a batch of 50 bets
 * lands in the current hour and each window is read once through the store and once by the baseline.
 * Command: pnpm vitest run -c bench/windows/vitest.config.ts
 */
import { cpus, loadavg } from 'node:os'
import { redisStore } from '@fare-casino/adapters/redis'
import { hourOf, rankLeaderboard, windowStartHour } from '@fare-casino/core/store'
import type { ChainEvent, LeaderboardQuery, Totals } from '@fare-casino/core/store'
import { createRng, makeBatch, makeRegister, makeResolve, randomWallet } from '@fare-casino/core/testing'
import { expect, it } from 'vitest'
import { deleteKeys, redisUrl, uniqueName } from '../../packages/adapters/test/_services'

const BETS = Number(process.env.WINDOWS_BETS ?? 200_000)
const PLAYERS = Number(process.env.WINDOWS_PLAYERS ?? 20_000)
const ROUNDS = Number(process.env.WINDOWS_ROUNDS ?? 15)
const periods = ['24h', '7d', '30d'] as const

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

it('windowed leaderboard reads after each batch, against summing every hour', async () => {
  const prefix = `${uniqueName('fare_windows_bench')}:`
  const store = redisStore({ url: redisUrl, prefix })
  const rng = createRng(11)
  const wallets = Array.from({ length: PLAYERS }, () => randomWallet(rng))
  const now = Date.now()
  const nowSec = Math.floor(now / 1000)
  let slot = 1
  const bet = (time: number): ChainEvent[] => {
    const reg = makeRegister({ player: wallets[Math.floor(rng() * PLAYERS)]!, blockTime: time - 1, slot: slot++, wager: BigInt(1 + Math.floor(rng() * 1e6)) * 1000n })
    return [reg, makeResolve(reg, { blockTime: time, slot: slot++, resultIndex: rng() < 0.5 ? 0 : 1 })]
  }
  /** The baseline: every hour's hash of the window read in one pipeline and summed, then ranked. */
  const plainSum = async (query: LeaderboardQuery) => {
    const start = windowStartHour(query.period, query.now)!
    const end = hourOf(Math.floor(query.now / 1000))
    const p = store.redis.pipeline()
    for (let h = start; h <= end; h++) p.hgetall(`${prefix}ph:${h}`)
    const rows = new Map<string, Totals>()
    for (const [error, value] of (await p.exec()) ?? []) {
      if (error) throw error
      for (const [wallet, v] of Object.entries(value as Record<string, string>)) {
        const [bets, wins, wagered, payout] = v.split(':')
        const was = rows.get(wallet)
        rows.set(wallet, was
          ? { bets: was.bets + Number(bets), wins: was.wins + Number(wins), wagered: was.wagered + BigInt(wagered!), payout: was.payout + BigInt(payout!) }
          : { bets: Number(bets), wins: Number(wins), wagered: BigInt(wagered!), payout: BigInt(payout!) })
      }
    }
    return rankLeaderboard(rows, query, () => null)
  }
  try {
    const seedStart = performance.now()
    // Oldest first, as an indexer writes them.
    const times = Array.from({ length: BETS }, () => nowSec - 60 - Math.floor(rng() * 30 * 24 * 3600)).sort((a, b) => a - b)
    for (let i = 0; i < BETS; i += 2_000) await store.applyBatch(makeBatch(times.slice(i, i + 2_000).flatMap(bet)))
    const seedMs = performance.now() - seedStart

    const first: Record<string, number> = {}
    const after: Record<string, number[]> = { '24h': [], '7d': [], '30d': [] }
    const baseline: Record<string, number[]> = { '24h': [], '7d': [], '30d': [] }
    for (const period of periods) {
      const t = performance.now()
      await store.leaderboard({ by: 'wagered', period, limit: 100, now })
      first[period] = performance.now() - t
    }
    for (let round = 0; round < ROUNDS; round++) {
      await store.applyBatch(makeBatch(Array.from({ length: 50 }, () => bet(nowSec - 30)).flat()))
      for (const period of periods) {
        const query = { by: 'profit' as const, period, limit: 100, now }
        let t = performance.now()
        const read = await store.leaderboard(query)
        after[period]!.push(performance.now() - t)
        t = performance.now()
        const expected = await plainSum(query)
        baseline[period]!.push(performance.now() - t)
        expect(read.map(e => [e.wallet, e.wagered, e.payout])).toEqual(expected.map(e => [e.wallet, e.wagered, e.payout]))
      }
    }
    const rows = periods.map(period => `| ${period} | ${median(baseline[period]!).toFixed(1)} | ${median(after[period]!).toFixed(1)} | ${(median(baseline[period]!) / median(after[period]!)).toFixed(0)}× | ${first[period]!.toFixed(1)} |`)
    console.log([
      `## Windowed leaderboards on Redis (${new Date().toISOString()})`,
      '',
      `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, load ${loadavg().map(l => l.toFixed(2)).join(', ')}. ${BETS.toLocaleString('en-US')} bets of ${PLAYERS.toLocaleString('en-US')} players over 30 days (seeded in ${(seedMs / 1000).toFixed(1)} s); ${ROUNDS} rounds of a 50-bet batch in the current hour, then one read per window; medians in ms.`,
      '',
      '| window | baseline: every hour summed | the store: read after a batch | faster | the store\'s first read |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...rows,
    ].join('\n'))
  }
  finally {
    await deleteKeys(store.redis, prefix)
    await store.close()
  }
})
