import type { H3Event } from 'h3'
import type { TokenClaims, TokenService } from '../../auth/tokens'
import { CasinoError } from '../../errors'

/** The bearer token of the request, or null. */
export function bearerToken(event: H3Event): string | null {
  const header = event.req.headers.get('authorization')
  if (!header) return null
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]{10,4096})$/i.exec(header.trim())
  return match ? match[1]! : null
}

/** The verified claims of the request's JWT; throws `UNAUTHORIZED` / `TOKEN_INVALID` (401). */
export async function requireAuth(event: H3Event, tokens: TokenService): Promise<TokenClaims> {
  const cached = event.context.casinoAuth as TokenClaims | undefined
  if (cached) return cached
  const token = bearerToken(event)
  if (!token) throw new CasinoError('UNAUTHORIZED', 'sign in first: Authorization: Bearer <token> is required')
  const claims = await tokens.verify(token)
  event.context.casinoAuth = claims
  return claims
}

/** Like {@link requireAuth}, and the wallet must be the casino owner's (403 otherwise). */
export async function requireOwner(event: H3Event, tokens: TokenService, ownerWallet: string): Promise<TokenClaims> {
  const claims = await requireAuth(event, tokens)
  if (claims.sub !== ownerWallet) throw new CasinoError('FORBIDDEN', 'only the casino owner may do this')
  return claims
}
