import { errors as joseErrors, jwtVerify, SignJWT } from 'jose'
import type { Storage } from 'unstorage'
import { CasinoError } from '../errors'
import { getExpiring, REVOCATION_PREFIX, setExpiring } from '../kv/storage'
import { isWalletAddress } from '../solana/address'
import { createNonce } from '../solana/siws'

/** What a casino JWT asserts. `playerId` is the wallet (FarePlay's claim name kept). */
export interface TokenClaims {
  sub: string
  walletAddress: string
  playerId: string
  casinoSlug: string
  jti: string
  /** Unix seconds. */
  iat: number
  /** Unix seconds. */
  exp: number
}

/** Issues, verifies and revokes the casino's JWTs. */
export interface TokenService {
  issue(wallet: string, now?: number): Promise<{ token: string, claims: TokenClaims }>
  /** Throws `CasinoError('TOKEN_INVALID')` for a bad, expired, foreign or revoked token. */
  verify(token: string): Promise<TokenClaims>
  /** Denies the token's `jti` until it would have expired anyway. */
  revoke(claims: TokenClaims): Promise<void>
  /** True when the token with this `jti` was revoked (logged out); for sessions that outlive one request. */
  isRevoked(jti: string): Promise<boolean>
}

/** Options of {@link createTokenService}. */
export interface TokenServiceOptions {
  secret: string
  /** The casino slug. */
  issuer: string
  /** The sign-in domain. */
  audience: string
  /** Seconds. */
  ttl: number
  kv: Storage
}

const ALG = 'HS256'

/** HS256 JWTs with the algorithm pinned on verify, so a `none` or RS/HS-confusion token never passes. */
export function createTokenService(options: TokenServiceOptions): TokenService {
  const key = new TextEncoder().encode(options.secret)
  const revokedKey = (jti: string) => `${REVOCATION_PREFIX}${jti}`
  /**
   * Whether `jti` was revoked. A kv that cannot be reached (a Redis outage) is `NOT_READY` (503): the
   * token can be neither trusted nor refused until it answers, and it was an unexplained 500.
   */
  const revoked = async (jti: string): Promise<boolean> => {
    try {
      return (await getExpiring<true>(options.kv, revokedKey(jti))) === true
    }
    catch (error) {
      throw new CasinoError('NOT_READY', 'the session store cannot be reached', { cause: error })
    }
  }
  return {
    async issue(wallet, now = Date.now()) {
      const iat = Math.floor(now / 1000)
      const claims: TokenClaims = {
        sub: wallet, walletAddress: wallet, playerId: wallet, casinoSlug: options.issuer, jti: createNonce(), iat, exp: iat + options.ttl,
      }
      const token = await new SignJWT({ walletAddress: wallet, playerId: wallet, casinoSlug: options.issuer })
        .setProtectedHeader({ alg: ALG, typ: 'JWT' })
        .setSubject(wallet)
        .setJti(claims.jti)
        .setIssuedAt(iat)
        .setExpirationTime(claims.exp)
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .sign(key)
      return { token, claims }
    },
    async verify(token) {
      let payload: Record<string, unknown>
      try {
        ({ payload } = await jwtVerify(token, key, { algorithms: [ALG], issuer: options.issuer, audience: options.audience }))
      }
      catch (error) {
        const expired = error instanceof joseErrors.JWTExpired
        throw new CasinoError('TOKEN_INVALID', expired ? 'token expired' : 'token is not valid')
      }
      const { sub, jti, iat, exp, walletAddress, casinoSlug } = payload
      // A subject that is no wallet address never comes from `issue`: it would reach the stores as a wallet.
      if (typeof sub !== 'string' || !isWalletAddress(sub) || typeof jti !== 'string' || typeof exp !== 'number' || typeof iat !== 'number'
        || walletAddress !== sub || casinoSlug !== options.issuer) {
        throw new CasinoError('TOKEN_INVALID', 'token is not valid')
      }
      if (await revoked(jti)) throw new CasinoError('TOKEN_INVALID', 'token revoked')
      return { sub, walletAddress: sub, playerId: sub, casinoSlug, jti, iat, exp }
    },
    isRevoked: revoked,
    async revoke(claims) {
      const ttl = claims.exp - Math.floor(Date.now() / 1000)
      if (ttl > 0) await setExpiring(options.kv, revokedKey(claims.jti), true, ttl)
    },
  }
}
