import type { H3 } from 'h3'
import * as v from 'valibot'
import type { CasinoContext } from '../../casino'
import { toBetJSON, toCasinoJSON, toGameJSON, toLeaderboardEntryJSON, toStatsJSON } from '../../serialize'
import { sendJsonText } from '../respond'
import { queryInt, validQuery } from '../validate'

const activityQuery = v.object({ limit: queryInt(1, 100, 20) })
const leaderboardQuery = v.object({
  by: v.optional(v.picklist(['wagered', 'profit', 'wins', 'bets']), 'wagered'),
  period: v.optional(v.picklist(['24h', '7d', '30d', 'all']), 'all'),
  limit: queryInt(1, 100, 10),
})

/** Public casino information, statistics, activity, leaderboards and games. */
export function registerCasinoRoutes(app: H3, ctx: CasinoContext): void {
  const info = JSON.stringify(toCasinoJSON(ctx.config))
  const games = JSON.stringify({ games: ctx.config.games.map(toGameJSON) })

  app.get('/api/casino/info', event => sendJsonText(event, info))
  app.get('/api/casino/games', event => sendJsonText(event, games))

  app.get('/api/casino/stats', async (event) => {
    const text = await ctx.cache.get('stats', async () => {
      const now = Date.now()
      return JSON.stringify(toStatsJSON(await ctx.store.stats(now), now))
    })
    return sendJsonText(event, text)
  })

  app.get('/api/casino/activity', async (event) => {
    const { limit } = await validQuery(event, activityQuery)
    const page = await ctx.store.listBets({ limit })
    return { bets: page.bets.map(toBetJSON) }
  })

  app.get('/api/casino/leaderboard', async (event) => {
    const { by, period, limit } = await validQuery(event, leaderboardQuery)
    const text = await ctx.cache.get(`leaderboard:${by}:${period}:${limit}`, async () => {
      const rows = await ctx.store.leaderboard({ by, period, limit, now: Date.now() })
      return JSON.stringify({ by, period, leaderboard: rows.map(toLeaderboardEntryJSON) })
    })
    return sendJsonText(event, text)
  })
}
