import type { H3 } from 'h3'
import * as v from 'valibot'
import type { CasinoContext } from '../../casino'
import { CasinoError } from '../../errors'
import { toBetJSON } from '../../serialize'
import { requireAuth } from '../middleware/auth'
import { queryBool, queryInt, validParams, validQuery, walletSchema } from '../validate'

const listQuery = v.object({
  player: v.optional(walletSchema),
  game: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a game id'))),
  status: v.optional(v.picklist(['pending', 'settled'])),
  won: queryBool,
  cursor: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9+/_-]{1,64}$/, 'must be a cursor from nextCursor'))),
  limit: queryInt(1, 100, 20),
})
const recentQuery = v.object({ limit: queryInt(1, 100, 20) })
const historyQuery = v.object({ limit: queryInt(1, 100, 20), offset: queryInt(0, 1_000_000, 0) })
/** A trial id (32-byte address) or a transaction signature (64 bytes), base58. */
const idParams = v.object({ id: v.pipe(v.string(), v.regex(/^[1-9A-HJ-NP-Za-km-z]{32,90}$/, 'must be a trial id or a signature')) })

/** Bets: keyset-paginated search, recent bets, one bet, and the signed-in player's history. */
export function registerBetRoutes(app: H3, ctx: CasinoContext): void {
  app.get('/api/bets', async (event) => {
    const { player, game, status, won, cursor, limit } = await validQuery(event, listQuery)
    const page = await ctx.store.listBets({ player, game, status, won, cursor, limit })
    return { bets: page.bets.map(toBetJSON), nextCursor: page.nextCursor }
  })

  app.get('/api/bets/recent', async (event) => {
    const { limit } = await validQuery(event, recentQuery)
    const page = await ctx.store.listBets({ limit })
    return { bets: page.bets.map(toBetJSON) }
  })

  app.get('/api/bets/player/history', async (event) => {
    const claims = await requireAuth(event, ctx.tokens)
    const { limit, offset } = await validQuery(event, historyQuery)
    const { bets, total } = await ctx.store.playerBetHistory(claims.sub, { limit, offset })
    return { bets: bets.map(toBetJSON), pagination: { total, limit, offset, hasMore: offset + bets.length < total } }
  })

  app.get('/api/bets/:id', async (event) => {
    const { id } = await validParams(event, idParams)
    const bet = await ctx.store.getBet(id)
    if (!bet) throw new CasinoError('NOT_FOUND', 'bet not found')
    return { bet: toBetJSON(bet) }
  })
}
