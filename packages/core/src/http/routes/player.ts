import type { H3, H3Event } from 'h3'
import * as v from 'valibot'
import type { CasinoContext } from '../../casino'
import { CasinoError } from '../../errors'
import { toPlayerJSON } from '../../serialize'
import type { Player } from '../../store/types'
import { isReservedUsername } from '../../usernames'
import { requireAuth } from '../middleware/auth'
import { validBody, validParams, walletSchema } from '../validate'

const profileBody = v.object({
  username: v.nullable(v.pipe(
    v.string(),
    v.trim(),
    v.regex(/^[A-Za-z0-9_]{3,20}$/, 'must be 3 to 20 letters, digits or underscores'),
  )),
})
const walletParams = v.object({ wallet: walletSchema })

/** The signed-in player's profile and stats, and public player profiles. */
export function registerPlayerRoutes(app: H3, ctx: CasinoContext): void {
  /** The signed-in player, created on the fly (a token outlives a wiped dev store) and marked seen. */
  const me = async (event: H3Event): Promise<Player> => {
    const claims = await requireAuth(event, ctx.tokens)
    const { player, created } = await ctx.store.ensurePlayer(claims.sub, Date.now())
    if (created) ctx.events.emit('player.joined', player)
    return player
  }

  app.get('/api/player/profile', async event => ({ player: toPlayerJSON(await me(event)) }))

  app.patch('/api/player/profile', async (event) => {
    const player = await me(event)
    const { username } = await validBody(event, profileBody)
    if (username !== null && isReservedUsername(ctx.config.reservedUsernames, username, player, ctx.config.ownerWallet)) {
      throw new CasinoError('USERNAME_RESERVED', 'username is reserved')
    }
    const updated = await ctx.store.setUsername(player.wallet, username)
    // Leaderboard entries carry usernames: the cached ones are refreshed before they are served again.
    ctx.cache.clear()
    return { player: toPlayerJSON(updated) }
  })

  app.get('/api/player/stats', async (event) => {
    const p = toPlayerJSON(await me(event))
    return {
      stats: {
        totalBets: p.totalBets, totalWins: p.totalWins, totalLosses: p.totalLosses, totalWagered: p.totalWagered,
        totalPayout: p.totalPayout, profitLoss: p.profitLoss, winRate: p.winRate, games: p.games,
      },
    }
  })

  app.get('/api/players/:wallet', async (event) => {
    const { wallet } = await validParams(event, walletParams)
    const player = await ctx.store.getPlayer(wallet)
    if (!player) throw new CasinoError('NOT_FOUND', 'player not found')
    return { player: toPlayerJSON(player) }
  })
}
