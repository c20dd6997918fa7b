import type { ConsolaInstance } from 'consola'
import type { Storage } from 'unstorage'
import * as v from 'valibot'
import { CasinoError } from './errors'
import type { GameDefinition } from './games/registry'
import { resolveIndexerOptions } from './indexer/options'
import { deriveWsUrl } from './solana/rpc'
import type { IndexerOptions } from './indexer/types'
import type { Leader } from './leader'
import { createLogger, type CasinoLogger } from './logger'
import type { PubSub } from './pubsub/types'
import { isWalletAddress } from './solana/address'
import { SIWS_FIELD_PATTERNS } from './solana/siws'
import type { CasinoStore } from './store/types'
import { reservedUsernamesOf } from './usernames'
import { type HistoryStore, UNSHARED_HISTORY } from './ws/history'
import { type RealtimeOptions, type ResolvedRealtimeOptions, resolveRealtimeOptions } from './ws/options'

/** The Fare Vault program id on every cluster. */
export const FARE_VAULT_PROGRAM_ID = 'FAREvmepkHArRWwLjHmwPQGL9Byg8iKF3hu1vewxTSXe'

/** The Solana cluster a casino runs on. */
export type CasinoNetwork = 'mainnet-beta' | 'devnet' | 'localnet'

/** Sign In With Solana and JWT settings. */
export interface AuthOptions {
  /** HS256 secret, at least 32 bytes. Required in production; generated per process (with a warning) otherwise. */
  jwtSecret?: string | undefined
  /**
   * The host (RFC 3986 authority) sign-in messages are issued for, i.e. the frontend's. Required when
   * `NODE_ENV=production`. @default 'localhost' (outside production)
   */
  domain?: string | undefined
  /** The URI sign-in messages name. Required when `NODE_ENV=production`. @default `https://${domain}` (`http://` for localhost) */
  uri?: string | undefined
  /** Token lifetime in seconds. @default 604800 (7 days) */
  tokenTtl?: number | undefined
  /** How long an issued sign-in message stays valid, in seconds (at most 300). @default 300 */
  nonceTtl?: number | undefined
  /** The human statement in the message. @default `Sign in to ${name}` */
  statement?: string | undefined
}

/** Cross-origin settings. */
export interface CorsConfig {
  /** `true` reflects any origin, `false` sends no CORS headers, a string or list allows those origins. @default true */
  origin?: string | string[] | boolean | undefined
  /** Send `Access-Control-Allow-Credentials`. @default false */
  credentials?: boolean | undefined
}

/** One fixed-window limit. */
export interface RateLimitRule {
  /** Window length in milliseconds. */
  windowMs?: number | undefined
  /** Requests allowed per window. */
  max?: number | undefined
}

/**
 * Rate limits, kept in the kv so that several processes share them. `windowMs` and `max` are the
 * per-IP limit of every request. @default { windowMs: 60000, max: 300 }
 */
export interface RateLimitConfig extends RateLimitRule {
  /** Per-IP limit of the sign-in endpoints. @default { windowMs: 60000, max: 20 } */
  auth?: RateLimitRule | undefined
  /** Per-wallet limit of chat posts. @default { windowMs: 10000, max: 5 } */
  chat?: RateLimitRule | undefined
}

/** What `createCasino()` accepts. Every field but `name` and `ownerWallet` has a default. */
export interface CasinoConfig {
  /** Display name. */
  name: string
  /** URL-safe id, also the JWT issuer. @default name lower-cased with dashes */
  slug?: string | undefined
  /** The casino owner's wallet (base58): its JWT unlocks the admin routes. */
  ownerWallet: string
  /** @default 'devnet' */
  network?: CasinoNetwork | undefined
  /** Solana JSON-RPC endpoint; /health/ready checks it when set. @default none */
  rpcUrl?: string | undefined
  /** Solana WebSocket endpoint, for the indexer. @default derived from `rpcUrl` (ws/wss, port + 1 when a port is given) */
  wsUrl?: string | undefined
  /** @default the Fare Vault id, FAREvmepkHArRWwLjHmwPQGL9Byg8iKF3hu1vewxTSXe */
  programId?: string | undefined
  /** @default memoryStore() */
  store?: CasinoStore | undefined
  /** unstorage instance for sign-in nonces, rate-limit counters and token revocations. @default memory driver */
  kv?: Storage | undefined
  auth?: AuthOptions | undefined
  /** `false` disables CORS headers. */
  cors?: CorsConfig | false | undefined
  /** `false` disables rate limiting (benchmarks, or a proxy that does it). */
  rateLimit?: RateLimitConfig | false | undefined
  /** Trust `Fly-Client-IP` / `X-Forwarded-For` for the client IP. Only behind a proxy you control. @default false */
  trustProxy?: boolean | undefined
  /** Largest request body in bytes. @default 65536 */
  bodyLimit?: number | undefined
  /** A consola instance; the casino logs under the tag `fare`. @default the global consola */
  logger?: ConsolaInstance | undefined
  /** The games this casino offers. @default [] */
  games?: GameDefinition[] | undefined
  /**
   * Usernames no player may take (`409 USERNAME_RESERVED`), compared by their letters without case:
   * `Admin_1` is `admin`. A player who holds one already keeps it, and the owner's wallet takes any. A
   * list replaces the default names, the slug staying reserved with it (`[...DEFAULT_RESERVED_USERNAMES,
   * 'vip']` extends the default); `[]` reserves none.
   * @default DEFAULT_RESERVED_USERNAMES (staff and system names) and the casino's slug
   */
  reservedUsernames?: string[] | undefined
  /** How long aggregate responses (stats, leaderboard) are cached, in milliseconds; bet events invalidate them. @default 2000 */
  cacheTtlMs?: number | undefined
  /**
   * Indexer tuning (see `IndexerOptions`: `start`, `pollInterval` ms, `concurrency`, `rpcRateLimit` per s,
   * `timeout` ms, `retries`, `filter`, …). An indexer runs whenever `rpcUrl` (here or in this object) is set,
   * unless this is `false`.
   * `rpcUrl`, `wsUrl`, `programId`, `ownerWallet` and `games` come from the casino config unless given here.
   * @default {} (the indexer's own defaults; `start: 'now'` for a store with no cursor)
   */
  indexer?: Partial<IndexerOptions> | false | undefined
  /**
   * Leader election among instances sharing one store: only the leader indexes. `postgresLeader()` or
   * `redisLeader()` from the adapters. Without it, this instance indexes (one instance only!).
   * `casino.close()` releases it and calls its `close()` if it has one.
   * @default none
   */
  leader?: Leader | undefined
  /** Milliseconds between attempts to become the leader while another instance leads. @default 2000 */
  leaderRetryMs?: number | undefined
  /**
   * Milliseconds without a commit while transactions wait, after which `/health/ready` reports the
   * indexer stuck (503). @default 60000
   */
  indexerStallMs?: number | undefined
  /**
   * The live event stream at `/ws` (channels, filters, recovery, chat). `false` turns it off.
   * @default {} (see `RealtimeOptions`: path '/ws', historySize 10000, pingInterval 30000 ms, …)
   */
  realtime?: RealtimeOptions | false | undefined
  /** Carries live events between instances, e.g. `redisPubSub({ url })`. @default memoryPubSub() (one process) */
  pubsub?: PubSub | undefined
  /** Recovery history shared by instances, e.g. `redisHistory({ client })`; required with `pubsub`. @default memoryHistory() */
  history?: HistoryStore | undefined
}

/** The normalised config every module reads: defaults applied, all fields present. */
export interface ResolvedCasinoConfig {
  name: string
  slug: string
  ownerWallet: string
  network: CasinoNetwork
  rpcUrl: string | null
  wsUrl: string | null
  programId: string
  auth: Required<AuthOptions>
  cors: { origin: string | string[] | boolean, credentials: boolean } | false
  rateLimit: { global: Required<RateLimitRule>, auth: Required<RateLimitRule>, chat: Required<RateLimitRule> } | false
  trustProxy: boolean
  bodyLimit: number
  logger: CasinoLogger
  games: GameDefinition[]
  /** Reserved usernames, as `usernameKey` writes them. */
  reservedUsernames: ReadonlySet<string>
  cacheTtlMs: number
  /** The complete indexer input; null when no indexer runs (no `rpcUrl`, or `indexer: false`). */
  indexer: IndexerOptions | null
  leaderRetryMs: number
  indexerStallMs: number
  /** Null when the live stream is off. */
  realtime: ResolvedRealtimeOptions | null
}

const wallet = (what: string) => v.pipe(v.string(), v.check((s: string) => isWalletAddress(s), `${what} must be a base58 Solana address (32 bytes)`))
const seconds = v.pipe(v.number(), v.integer(), v.minValue(1))
const positive = v.pipe(v.number(), v.check(n => Number.isFinite(n) && n > 0, 'must be a positive number'))
const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1))
const rule = v.optional(v.strictObject({ windowMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))), max: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))) }))
const httpUrl = v.pipe(v.string(), v.url(), v.regex(/^https?:\/\//i, 'must be an http(s) URL'))
/** A node's WebSocket endpoint: ws(s), or the http(s) form of it, which the ws client takes too. */
const wsUrl = v.pipe(v.string(), v.url(), v.regex(/^(wss?|https?):\/\//i, 'must be a ws(s) or http(s) URL'))
const hasMethods = (...names: string[]) => v.custom<object>(
  value => typeof value === 'object' && value !== null && names.every(n => typeof (value as Record<string, unknown>)[n] === 'function'),
  `must have ${names.join(', ')}`,
)

const configSchema = v.strictObject({
  name: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(100)),
  slug: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes'))),
  ownerWallet: wallet('ownerWallet'),
  network: v.optional(v.picklist(['mainnet-beta', 'devnet', 'localnet'])),
  rpcUrl: v.optional(httpUrl),
  wsUrl: v.optional(wsUrl),
  programId: v.optional(wallet('programId')),
  store: v.optional(hasMethods('migrate', 'applyBatch', 'close')),
  kv: v.optional(hasMethods('getItem', 'setItem', 'removeItem')),
  auth: v.optional(v.strictObject({
    jwtSecret: v.optional(v.string()),
    domain: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be a host, e.g. casino.example.com'))),
    uri: v.optional(v.pipe(v.string(), v.url())),
    tokenTtl: v.optional(seconds),
    nonceTtl: v.optional(v.pipe(seconds, v.maxValue(300, 'must be at most 300 seconds'))),
    statement: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(200), v.check(s => !s.includes('\n'), 'must be one line'))),
  })),
  cors: v.optional(v.union([v.literal(false), v.strictObject({
    origin: v.optional(v.union([v.boolean(), v.string(), v.array(v.string())])),
    credentials: v.optional(v.boolean()),
  })])),
  rateLimit: v.optional(v.union([v.literal(false), v.strictObject({
    windowMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
    max: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
    auth: rule,
    chat: rule,
  })])),
  trustProxy: v.optional(v.boolean()),
  bodyLimit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(256))),
  logger: v.optional(hasMethods('withTag', 'warn', 'error')),
  games: v.optional(v.array(v.strictObject({
    id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -')),
    name: v.pipe(v.string(), v.minLength(1)),
    extraDataHash: v.optional(v.string()),
    qk: v.optional(v.array(v.tuple([v.number(), v.number()]))),
    description: v.optional(v.string()),
  }))),
  reservedUsernames: v.optional(v.array(v.pipe(v.string(), v.maxLength(100)))),
  cacheTtlMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  indexer: v.optional(v.union([v.literal(false), v.looseObject({
    rpcUrl: v.optional(httpUrl),
    wsUrl: v.optional(wsUrl),
    programId: v.optional(wallet('programId')),
    ownerWallet: v.optional(wallet('ownerWallet')),
    pollInterval: v.optional(positive),
    concurrency: v.optional(positiveInt),
    rpcRateLimit: v.optional(positive),
    timeout: v.optional(positive),
    retries: v.optional(positiveInt),
    retryDelay: v.optional(positive),
    slowRetryDelay: v.optional(positive),
    maxBatchTransactions: v.optional(positiveInt),
    fetchBatchSize: v.optional(positiveInt),
    backfillChunk: v.optional(positiveInt),
    fetchBatchRegrowMs: v.optional(positive),
    statsDebounce: v.optional(positive),
    subscribe: v.optional(v.boolean()),
    // A check, not a picklist: inside the union a picklist's miss would be reported as the union's.
    commitment: v.optional(v.pipe(v.string(), v.check(c => c === 'confirmed' || c === 'finalized', "must be 'confirmed' or 'finalized'"))),
  })])),
  leader: v.optional(hasMethods('acquire', 'release', 'onLost')),
  leaderRetryMs: v.optional(positiveInt),
  indexerStallMs: v.optional(positiveInt),
  realtime: v.optional(v.union([v.literal(false), v.looseObject({})])),
  pubsub: v.optional(hasMethods('publish', 'subscribe', 'close')),
  history: v.optional(hasMethods('head', 'append', 'since', 'close')),
})

/**
 * The issue that names the field: a union (`false` or an object) reports that its input matched no
 * option, while the object's own issue, deeper in it, says which key is wrong and why.
 */
function deepest(issue: v.GenericIssue): { issue: v.GenericIssue, path: string } {
  let found = issue
  // An issue inside a union has its path from the union's input on.
  const path = [v.getDotPath(issue)]
  while (found.type === 'union' && found.issues?.length) {
    found = found.issues.reduce((a, b) => ((b.path?.length ?? 0) > (a.path?.length ?? 0) ? b : a))
    path.push(v.getDotPath(found))
  }
  return { issue: found, path: path.filter(Boolean).join('.') }
}

/** Bytes of a strong HS256 secret. */
const MIN_SECRET_BYTES = 32
/** Different characters a secret needs at least: 32 random base64 bytes have about 30, hex about 16. */
const MIN_SECRET_DISTINCT = 10

/**
 * Validates a {@link CasinoConfig} and applies every default: the one place defaults live.
 * Throws `CasinoError('INVALID_CONFIG')` whose message names the field, e.g. `config.ownerWallet: …`.
 */
export function resolveConfig(input: CasinoConfig): ResolvedCasinoConfig {
  const result = v.safeParse(configSchema, input)
  if (!result.success) {
    const { issue, path } = deepest(result.issues[0])
    // A key no option has (a typo: `bodylimit`) would otherwise be dropped, and its setting with it.
    const message = issue.type === 'strict_object' && issue.expected === 'never' ? 'is not an option' : issue.message
    throw new CasinoError('INVALID_CONFIG', `config${path ? `.${path}` : ''}: ${message}`, { data: { field: path } })
  }
  const c = result.output
  if (c.pubsub && !c.history && c.realtime !== false) throw new CasinoError('INVALID_CONFIG', `config.history: ${UNSHARED_HISTORY}`, { data: { field: 'history' } })
  const logger = createLogger(input.logger)
  const ids = new Set<string>()
  const hashes = new Set<string>()
  for (const [i, game] of (c.games ?? []).entries()) {
    if (ids.has(game.id)) throw new CasinoError('INVALID_CONFIG', `config.games.${i}.id: duplicate game id ${game.id}`)
    if (game.extraDataHash && hashes.has(game.extraDataHash)) throw new CasinoError('INVALID_CONFIG', `config.games.${i}.extraDataHash: used by two games`)
    ids.add(game.id)
    if (game.extraDataHash) hashes.add(game.extraDataHash)
  }
  const jwtSecret = resolveSecret(c.auth?.jwtSecret, logger)
  requireInProduction(c.auth?.domain, 'auth.domain', 'the host sign-in messages are issued for, e.g. casino.example.com')
  requireInProduction(c.auth?.uri, 'auth.uri', 'the URI sign-in messages name, e.g. https://casino.example.com')
  const domain = c.auth?.domain ?? 'localhost'
  const local = /^(localhost|127\.0\.0\.1)(:\d+)?$/.test(domain)
  const uri = c.auth?.uri ?? `${local ? 'http' : 'https'}://${domain}`
  const statement = c.auth?.statement ?? `Sign in to ${c.name}`
  checkSignInMessage({ domain, uri, statement, statementFrom: c.auth?.statement === undefined ? 'name' : 'auth.statement' })
  const rl = c.rateLimit
  const slug = c.slug ?? slugify(c.name)
  return {
    name: c.name,
    slug,
    ownerWallet: c.ownerWallet,
    network: c.network ?? 'devnet',
    rpcUrl: c.rpcUrl ?? null,
    wsUrl: c.wsUrl ?? (c.rpcUrl ? deriveWsUrl(c.rpcUrl) : null),
    programId: c.programId ?? FARE_VAULT_PROGRAM_ID,
    auth: {
      jwtSecret,
      domain,
      uri,
      tokenTtl: c.auth?.tokenTtl ?? 7 * 24 * 3600,
      nonceTtl: c.auth?.nonceTtl ?? 300,
      statement,
    },
    cors: c.cors === false ? false : { origin: c.cors?.origin ?? true, credentials: c.cors?.credentials ?? false },
    rateLimit: rl === false
      ? false
      : {
          global: { windowMs: rl?.windowMs ?? 60_000, max: rl?.max ?? 300 },
          auth: { windowMs: rl?.auth?.windowMs ?? 60_000, max: rl?.auth?.max ?? 20 },
          chat: { windowMs: rl?.chat?.windowMs ?? 10_000, max: rl?.chat?.max ?? 5 },
        },
    trustProxy: c.trustProxy ?? false,
    bodyLimit: c.bodyLimit ?? 64 * 1024,
    logger,
    games: (c.games ?? []).map(g => ({ ...g })),
    reservedUsernames: reservedUsernamesOf(c.reservedUsernames, slug),
    cacheTtlMs: c.cacheTtlMs ?? 2000,
    indexer: resolveIndexer(input, c.ownerWallet),
    leaderRetryMs: c.leaderRetryMs ?? 2000,
    indexerStallMs: c.indexerStallMs ?? 60_000,
    realtime: resolveRealtime(input.realtime, c.trustProxy ?? false),
  }
}

/**
 * Every sign-in message this casino issues must parse back (`parseSiwsMessage` is strict): a domain, URI
 * or statement it cannot hold (a name with a line break, a URI with a space) let the casino start and
 * then refused every sign-in with `INVALID_MESSAGE`. Checked once here, against the parser's own
 * patterns, naming the setting to change.
 */
function checkSignInMessage(m: { domain: string, uri: string, statement: string, statementFrom: 'name' | 'auth.statement' }): void {
  const carries = (field: keyof typeof SIWS_FIELD_PATTERNS, value: string) => new RegExp(`^(?:${SIWS_FIELD_PATTERNS[field]})$`).test(value)
  const refuse = (field: string, why: string): never => {
    throw new CasinoError('INVALID_CONFIG', `config.${field}: ${why}`, { data: { field } })
  }
  if (!carries('domain', m.domain)) refuse('auth.domain', 'must be a host name (letters, digits, dots and hyphens) with an optional port, as sign-in messages carry it')
  if (!carries('uri', m.uri)) refuse('auth.uri', 'must have no whitespace and at most 512 characters, as sign-in messages carry it')
  if (!carries('statement', m.statement)) {
    refuse(m.statementFrom, m.statementFrom === 'name'
      ? `the sign-in statement made of it ("Sign in to <name>") must be one line of at most 200 characters: shorten it, or set auth.statement`
      : 'must be one line of at most 200 characters')
  }
}

/**
 * The indexer's input from the casino config: its chain settings and games, then the user's overrides.
 * An override given as `undefined` (`pollInterval: process.env.POLL` unset) is no override. Without an
 * `rpcUrl` no indexer runs, but its settings are still checked: a typo would otherwise pass silently, and
 * be dropped the day an `rpcUrl` is added.
 */
function resolveIndexer(input: CasinoConfig, ownerWallet: string): IndexerOptions | null {
  if (input.indexer === false) return null
  const overrides = Object.fromEntries(Object.entries(input.indexer ?? {}).filter(([, value]) => value !== undefined)) as Partial<IndexerOptions>
  const rpcUrl = overrides.rpcUrl ?? input.rpcUrl
  const games = (input.games ?? []).flatMap(g => (g.extraDataHash ? [{ id: g.id, extraDataHash: g.extraDataHash }] : []))
  const options: IndexerOptions = {
    ...(input.wsUrl ? { wsUrl: input.wsUrl } : {}),
    programId: input.programId ?? FARE_VAULT_PROGRAM_ID,
    games,
    ...overrides,
    // Checked with a stand-in when none is set (see above); the result is then dropped.
    rpcUrl: rpcUrl || 'http://127.0.0.1:8899',
    ownerWallet: overrides.ownerWallet ?? ownerWallet,
  }
  try {
    // Fails now, naming the field, rather than when the indexer starts.
    resolveIndexerOptions(options)
  }
  catch (error) {
    // `indexer: pollInterval must be …` as `config.indexer.pollInterval: must be …`, as the schema's own.
    throw new CasinoError('INVALID_CONFIG', `config.${(error as Error).message.replace(/^indexer: (\S+) /, 'indexer.$1: ')}`, { cause: error })
  }
  return rpcUrl ? options : null
}

function resolveRealtime(options: RealtimeOptions | false | undefined, trustProxy: boolean): ResolvedRealtimeOptions | null {
  if (options === false) return null
  try {
    // One proxy setting for the whole casino: the stream sees the same client IPs as the REST API.
    return resolveRealtimeOptions({ ...options, trustProxy: options?.trustProxy ?? trustProxy })
  }
  catch (error) {
    throw new CasinoError('INVALID_CONFIG', `config.${(error as Error).message.replace(/^(realtime\.\S+) /, '$1: ')}`, { cause: error })
  }
}

/**
 * Throws `INVALID_CONFIG` naming `field` when it is missing under `NODE_ENV=production`: a default of
 * `localhost` there would issue sign-in messages for a host no wallet should sign for.
 */
function requireInProduction(value: string | undefined, field: string, what: string): void {
  if (value === undefined && globalThis.process?.env?.NODE_ENV === 'production') {
    throw new CasinoError('INVALID_CONFIG', `config.${field}: required in production (${what})`, { data: { field } })
  }
}

function resolveSecret(secret: string | undefined, logger: CasinoLogger): string {
  const production = globalThis.process?.env?.NODE_ENV === 'production'
  const bytes = secret === undefined ? 0 : new TextEncoder().encode(secret).length
  // Length alone lets `changeme` written four times through: a random secret (base64, hex) has far
  // more different characters than the few of a repeated word or a run of one key.
  const distinct = new Set(secret ?? '').size
  if (bytes >= MIN_SECRET_BYTES && distinct < MIN_SECRET_DISTINCT) {
    throw new CasinoError('INVALID_CONFIG', `config.auth.jwtSecret: too guessable (${distinct} different characters), use random bytes (\`openssl rand -base64 32\`)`)
  }
  if (bytes >= MIN_SECRET_BYTES) return secret!
  // A short secret is refused whatever NODE_ENV says (often unset in a container): anyone who signs in
  // holds a token signed with it, and can try `changeme` against it offline, then sign as the owner.
  if (secret !== undefined) {
    throw new CasinoError('INVALID_CONFIG', `config.auth.jwtSecret: too weak (${bytes} bytes), use at least ${MIN_SECRET_BYTES} random bytes (\`openssl rand -base64 32\`), or leave it out in development`)
  }
  if (production) throw new CasinoError('INVALID_CONFIG', 'config.auth.jwtSecret: required in production (at least 32 bytes)')
  // A per-process secret: tokens die with the process, which is what a dev casino wants.
  logger.warn('no jwt secret configured, generated one for this process', { hint: 'set auth.jwtSecret' })
  const random = crypto.getRandomValues(new Uint8Array(32))
  return btoa(String.fromCharCode(...random))
}

function slugify(name: string): string {
  const slug = name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63)
  return slug || 'casino'
}
