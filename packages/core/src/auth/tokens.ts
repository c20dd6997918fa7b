import { errors as joseErrors, jwtVerify, SignJWT } from 'jose'
import type { Storage } from 'unstorage'
import { CasinoError } from '../errors'
import { getExpiring, REVOCATION_PREFIX, setExpiring } from '../kv/storage'
import { whileKvReachable } from '../kv/unreachable'
import { isWalletAddress } from '../solana/address'
import { createNonce } from '../solana/siws'
import type { CasinoStore } from '../store/types'

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
  /**
   * Like {@link TokenService.verify}, revoked or not: for a logout, which writes a revocation again
   * when an earlier try reached the store but not the kv (another instance would still take the token).
   */
  claimsOf(token: string): Promise<TokenClaims>
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
  /**
   * Where revocations are also kept: the store (`useNonce` / `isNonceUsed`). The kv alone may forget
   * them: the default in-memory one is empty after a restart, a Redis without persistence after its own,
   * and either would bring a logged-out token back until it expires.
   */
  ledger?: RevocationLedger | undefined
}

/** A durable record of revoked token ids (see {@link TokenServiceOptions.ledger}). */
export interface RevocationLedger {
  record(key: string, expiresAt: number): Promise<unknown>
  has(key: string): Promise<boolean>
}

/**
 * The store as a {@link RevocationLedger}: a revocation is a used nonce (its key prefixed, so that it
 * never meets a sign-in nonce) that expires with its token. Undefined for a store without `isNonceUsed`.
 */
export function storeLedger(store: Pick<CasinoStore, 'useNonce' | 'isNonceUsed'>): RevocationLedger | undefined {
  if (!store.isNonceUsed) return undefined
  return { record: (key, expiresAt) => store.useNonce(key, expiresAt), has: key => store.isNonceUsed!(key) }
}

/**
 * How long this process takes a token the ledger did not hold as still unrevoked without asking it
 * again. A logout reaches the kv at once, so this bounds only how long a revocation the kv lost (a Redis
 * restarted without persistence, an eviction), or one made where this process's kv does not reach, can
 * go unseen: the ledger costs one read per token and this period, not one per request.
 */
const LEDGER_RECHECK_MS = 30_000
/** Entries of that memory at most: an id forgotten early is only asked again. */
const LEDGER_CHECKED_MAX = 100_000

const ALG = 'HS256'

/** HS256 JWTs with the algorithm pinned on verify, so a `none` or RS/HS-confusion token never passes. */
export function createTokenService(options: TokenServiceOptions): TokenService {
  const key = new TextEncoder().encode(options.secret)
  const revokedKey = (jti: string) => `${REVOCATION_PREFIX}${jti}`
  const ledger = options.ledger
  /** Token id -> when the ledger last said it was not revoked (insertion order: oldest first). */
  const ledgerChecked = new Map<string, number>()
  /**
   * Token ids known revoked, through this process or by the ledger's answer: for good (a revocation is
   * never lifted, and the token's own `exp` refuses it once it would have expired), so that a logged-out
   * token sent again and again after a restart costs one store read, not one per request.
   */
  const ledgerRevoked = new Set<string>()
  /** Token ids whose revocation is being written: a check that read the ledger before it is stale. */
  const revoking = new Set<string>()
  /** Remembers `jti` as revoked for good, and no longer as checked. */
  const knownRevoked = (jti: string): void => {
    ledgerChecked.delete(jti)
    if (ledgerRevoked.size >= LEDGER_CHECKED_MAX) ledgerRevoked.delete(ledgerRevoked.values().next().value!)
    ledgerRevoked.add(jti)
  }
  /** Whether the kv holds `jti`'s revocation. */
  const inKv = async (jti: string): Promise<boolean> => (await getExpiring<true>(options.kv, revokedKey(jti))) === true
  /** Whether the ledger holds `jti`, asked again once LEDGER_RECHECK_MS passed since it last said no. */
  const inLedger = async (jti: string): Promise<boolean> => {
    if (ledgerRevoked.has(jti)) return true
    if (!ledger) return false
    const now = Date.now()
    const checkedAt = ledgerChecked.get(jti)
    if (checkedAt !== undefined && now - checkedAt < LEDGER_RECHECK_MS) return false
    if (await ledger.has(revokedKey(jti))) {
      knownRevoked(jti)
      return true
    }
    // Revoked here while the ledger was read: what it said is already old.
    if (ledgerRevoked.has(jti) || revoking.has(jti)) return true
    ledgerChecked.delete(jti) // re-added last: the map stays ordered by time
    if (ledgerChecked.size >= LEDGER_CHECKED_MAX) ledgerChecked.delete(ledgerChecked.keys().next().value!)
    ledgerChecked.set(jti, now)
    return false
  }
  /**
   * Whether `jti` was revoked. A kv or store that cannot be reached (a Redis outage) is `NOT_READY`
   * (503): the token can be neither trusted nor refused until it answers, and it was an unexplained 500.
   */
  const revoked = (jti: string): Promise<boolean> => whileKvReachable(async () => await inKv(jti) || await inLedger(jti))
  const claimsOf = async (token: string): Promise<TokenClaims> => {
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
    return { sub, walletAddress: sub, playerId: sub, casinoSlug, jti, iat, exp }
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
      const claims = await claimsOf(token)
      if (await revoked(claims.jti)) throw new CasinoError('TOKEN_INVALID', 'token revoked')
      return claims
    },
    claimsOf,
    isRevoked: revoked,
    async revoke(claims) {
      const ttl = claims.exp - Math.floor(Date.now() / 1000)
      if (ttl <= 0) return
      // Logged out through this process before, and the kv still holds it: nothing is missing (a logout
      // sent again and again was a store write each). Only what a failed try left out is written again.
      if (ledgerRevoked.has(claims.jti) && await whileKvReachable(() => inKv(claims.jti))) return
      // The store first: a logout that fails half way (503) and is tried again must not end with the kv
      // alone holding it, which a restart forgets. Once written, this process refuses the token even if a
      // verify already reading the store comes back with "not revoked"; a failed write leaves it as it
      // was, so that the client's next try writes it again.
      ledgerChecked.delete(claims.jti)
      revoking.add(claims.jti)
      try {
        await whileKvReachable(async () => {
          await ledger?.record(revokedKey(claims.jti), claims.exp * 1000)
          await setExpiring(options.kv, revokedKey(claims.jti), true, ttl)
        })
        knownRevoked(claims.jti)
      }
      finally {
        revoking.delete(claims.jti)
      }
    },
  }
}
