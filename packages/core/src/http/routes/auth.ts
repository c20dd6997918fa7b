import type { H3, H3Event } from 'h3'
import * as v from 'valibot'
import type { CasinoContext } from '../../casino'
import { issueSignIn, signIn } from '../../auth/sign-in'
import { CasinoError } from '../../errors'
import { childLogger } from '../../logger'
import { toCasinoJSON, toPlayerJSON } from '../../serialize'
import { bearerToken, requireAuth } from '../middleware/auth'
import { requestIp } from '../middleware/client-ip'
import { enforceRateLimit } from '../middleware/rate-limit'
import { noStore } from '../respond'
import { validBody, validQuery, walletSchema } from '../validate'

const messageQuery = v.object({ walletAddress: walletSchema })
const signInBody = v.object({
  walletAddress: walletSchema,
  message: v.pipe(v.string(), v.minLength(1), v.maxLength(2048)),
  signature: v.pipe(v.string(), v.regex(/^[1-9A-HJ-NP-Za-km-z]{64,100}$/, 'must be a base58 ed25519 signature')),
})

/** Sign In With Solana: issue a message, sign in with its signature, verify and revoke tokens. */
export function registerAuthRoutes(app: H3, ctx: CasinoContext): void {
  const log = childLogger(ctx.logger, 'auth')
  const limitAuth = async (event: H3Event) => {
    if (ctx.config.rateLimit) await enforceRateLimit(event, ctx.rateLimiter, 'auth', requestIp(event, ctx.config.trustProxy), ctx.config.rateLimit.auth, ctx.limiterOutage)
  }

  app.get('/api/auth/message', async (event) => {
    await limitAuth(event)
    const { walletAddress } = await validQuery(event, messageQuery)
    noStore(event)
    return issueSignIn(ctx, walletAddress)
  })

  app.post('/api/auth/signin', async (event) => {
    await limitAuth(event)
    const body = await validBody(event, signInBody)
    noStore(event)
    try {
      const { token, claims, player, created } = await signIn(ctx, body)
      log.info('player signed in', { wallet: player.wallet, created })
      return { token, expiresAt: claims.exp * 1000, player: toPlayerJSON(player), casino: toCasinoJSON(ctx.config) }
    }
    catch (error) {
      // The reason is enough to debug a wallet integration; the message and signature stay out of logs.
      log.info('sign-in refused', { wallet: body.walletAddress, reason: (error as { data?: { reason?: unknown } }).data?.reason })
      throw error
    }
  })

  app.get('/api/auth/verify', async (event) => {
    noStore(event)
    if (!bearerToken(event)) return { valid: false, user: null }
    try {
      const claims = await requireAuth(event, ctx.tokens)
      return {
        valid: true,
        user: { walletAddress: claims.sub, playerId: claims.playerId, casinoSlug: claims.casinoSlug, isOwner: claims.sub === ctx.config.ownerWallet, expiresAt: claims.exp * 1000 },
      }
    }
    catch {
      return { valid: false, user: null }
    }
  })

  app.post('/api/auth/logout', async (event) => {
    // A token logged out already is logged out again (the writes are idempotent): an earlier try that
    // reached the store but not the kv (503) is finished this way, and the client gets the same answer.
    const token = bearerToken(event)
    if (!token) throw new CasinoError('UNAUTHORIZED', 'sign in first: Authorization: Bearer <token> is required')
    await ctx.tokens.revoke(await ctx.tokens.claimsOf(token))
    noStore(event)
    return { success: true }
  })
}
