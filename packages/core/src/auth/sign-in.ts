import type { Storage } from 'unstorage'
import type { ResolvedCasinoConfig } from '../config'
import { CasinoError } from '../errors'
import type { CasinoEvents } from '../events'
import { getExpiring, setExpiring } from '../kv/storage'
import { whileKvReachable } from '../kv/unreachable'
import { createNonce, formatSiwsMessage, parseSiwsMessage, siwsChainId, type SiwsMessage } from '../solana/siws'
import { verifySiwsSignature } from '../solana/siws-verify'
import type { CasinoStore, Player } from '../store/types'
import type { TokenClaims, TokenService } from './tokens'

/** What sign-in needs from the casino. */
export interface SignInContext {
  config: Pick<ResolvedCasinoConfig, 'auth' | 'network'>
  kv: Storage
  store: CasinoStore
  events: CasinoEvents
  tokens: TokenService
}

/** A sign-in message issued to a wallet. */
export interface IssuedSignIn {
  message: string
  nonce: string
  /** ISO-8601, the message's Expiration Time. */
  expiresAt: string
}

/** How old a message may be, whatever `nonceTtl` says: FarePlay's five minutes. */
const MAX_AGE_MS = 5 * 60 * 1000
/** Clock skew tolerated between the server that issued and the one that verifies. */
const SKEW_MS = 30 * 1000

interface NonceRecord {
  wallet: string
  issuedAt: string
  expirationTime: string
}

const nonceKey = (nonce: string) => `auth:nonce:${nonce}`

/** Issues a SIWS message for `wallet` and remembers its nonce, bound to that wallet, in the kv. */
export async function issueSignIn(ctx: SignInContext, wallet: string, now = Date.now()): Promise<IssuedSignIn> {
  const { auth, network } = ctx.config
  const fields: SiwsMessage = {
    domain: auth.domain,
    address: wallet,
    statement: auth.statement,
    uri: auth.uri,
    version: '1',
    chainId: siwsChainId(network),
    nonce: createNonce(),
    issuedAt: new Date(now).toISOString(),
    expirationTime: new Date(now + auth.nonceTtl * 1000).toISOString(),
  }
  const record: NonceRecord = { wallet, issuedAt: fields.issuedAt, expirationTime: fields.expirationTime }
  // Kept a minute past expiry so that a late try reports MESSAGE_EXPIRED rather than an unknown nonce.
  await whileKvReachable(() => setExpiring(ctx.kv, nonceKey(fields.nonce), record, auth.nonceTtl + 60, now))
  return { message: formatSiwsMessage(fields), nonce: fields.nonce, expiresAt: fields.expirationTime }
}

/** The result of a successful sign-in. */
export interface SignInResult {
  token: string
  claims: TokenClaims
  player: Player
  created: boolean
}

const refuse = (code: 'INVALID_MESSAGE' | 'NONCE_USED' | 'MESSAGE_EXPIRED' | 'INVALID_SIGNATURE', message: string, reason: string) =>
  new CasinoError(code, message, { data: { reason } })

/**
 * Verifies a signed SIWS message against what this server issued, then gets or creates the player
 * and issues a JWT. The order matters: everything that needs no secret is checked first, then the
 * nonce is burnt atomically in the store (so a failed signature still spends it, and two racing
 * requests cannot both use it), and only then is the signature verified.
 */
export async function signIn(
  ctx: SignInContext,
  input: { walletAddress: string, message: string, signature: string },
  now = Date.now(),
): Promise<SignInResult> {
  const { auth, network } = ctx.config
  const m = parseSiwsMessage(input.message)
  if (!m) throw refuse('INVALID_MESSAGE', 'message is not a sign-in message issued by this casino', 'format')
  if (m.domain !== auth.domain) throw refuse('INVALID_MESSAGE', 'message was issued for another domain', 'domain')
  if (m.uri !== auth.uri) throw refuse('INVALID_MESSAGE', 'message was issued for another URI', 'uri')
  if (m.chainId !== siwsChainId(network)) throw refuse('INVALID_MESSAGE', 'message was issued for another chain', 'chain')
  if (m.statement !== auth.statement) throw refuse('INVALID_MESSAGE', 'message statement differs', 'statement')
  if (m.address !== input.walletAddress) throw refuse('INVALID_MESSAGE', 'message was issued for another wallet', 'address')

  const record = await whileKvReachable(() => getExpiring<NonceRecord>(ctx.kv, nonceKey(m.nonce), now))
  if (!record) throw refuse('NONCE_USED', 'nonce is unknown, used or expired', 'nonce')
  if (record.wallet !== input.walletAddress || record.issuedAt !== m.issuedAt || record.expirationTime !== m.expirationTime) {
    throw refuse('INVALID_MESSAGE', 'message does not match the one issued', 'mismatch')
  }
  const expiresAt = Date.parse(m.expirationTime)
  if (!(await ctx.store.useNonce(m.nonce, expiresAt + 60_000))) throw refuse('NONCE_USED', 'nonce already used', 'nonce')
  // The store already spent the nonce: a kv that fails here only keeps a dead record until it expires.
  await ctx.kv.removeItem(nonceKey(m.nonce)).catch(() => {})

  const issuedAt = Date.parse(m.issuedAt)
  if (issuedAt > now + SKEW_MS || now - issuedAt > MAX_AGE_MS || expiresAt <= now) {
    throw refuse('MESSAGE_EXPIRED', 'sign-in message expired, request a new one', 'expired')
  }
  if (!verifySiwsSignature(input.message, input.signature, input.walletAddress)) {
    throw refuse('INVALID_SIGNATURE', 'signature does not match the wallet', 'signature')
  }

  const { player, created } = await ctx.store.ensurePlayer(input.walletAddress, now)
  if (created) ctx.events.emit('player.joined', player)
  const { token, claims } = await ctx.tokens.issue(input.walletAddress, now)
  return { token, claims, player, created }
}
