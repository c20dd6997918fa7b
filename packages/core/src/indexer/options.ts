import { CasinoError } from '../errors'
import { decodeBase58, isWalletAddress } from '../solana/address'
import { deriveWsUrl } from '../solana/rpc'
import { BATCH_REGROW_MS } from './batch-size'
import { FARE_VAULT_PROGRAM_ID } from '../solana/vault-events'
import type { CasinoStore } from '../store/types'
import type { IndexerOptions, ResolvedIndexerFilter, ResolvedIndexerOptions } from './types'

/**
 * Applies the defaults of {@link IndexerOptions}; throws `INVALID_CONFIG` on values that cannot work.
 * `store`: the store the indexer writes to, whose `preferredBatchTransactions` is the default commit size
 * and `preferredGroupWaitMs` the default `groupWaitMs`.
 */
export function resolveIndexerOptions(options: IndexerOptions, store?: Pick<CasinoStore, 'preferredBatchTransactions' | 'preferredGroupWaitMs'>): ResolvedIndexerOptions {
  if (!options.rpcUrl) throw new CasinoError('INVALID_CONFIG', 'indexer: rpcUrl is required')
  if (!options.ownerWallet) throw new CasinoError('INVALID_CONFIG', 'indexer: ownerWallet is required')
  const positive = (name: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback
    if (!(v > 0)) throw new CasinoError('INVALID_CONFIG', `indexer: ${name} must be positive`)
    return v
  }
  /** A count: a whole number of at least 1 (0.5 requests at a time, or per batch, would stall ingestion). */
  const count = (name: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback
    if (!(Number.isInteger(v) && v >= 1)) throw new CasinoError('INVALID_CONFIG', `indexer: ${name} must be a whole number of at least 1 (got ${JSON.stringify(v)})`)
    return v
  }
  const start = options.start ?? 'now'
  if (typeof start === 'object' && 'recent' in start && !(Number.isInteger(start.recent) && start.recent > 0)) {
    throw new CasinoError('INVALID_CONFIG', 'indexer: start.recent must be a positive integer')
  }
  // A node refuses a malformed signature on every call: the indexer would retry it forever, never starting.
  if (typeof start === 'object' && 'signature' in start && decodeBase58(String(start.signature))?.length !== 64) {
    throw new CasinoError('INVALID_CONFIG', `indexer: start.signature must be a transaction signature (64 bytes in base58), got ${JSON.stringify(start.signature)}`)
  }
  const resolved: ResolvedIndexerOptions = {
    rpcUrl: options.rpcUrl,
    wsUrl: options.wsUrl ?? deriveWsUrl(options.rpcUrl),
    programId: options.programId ?? FARE_VAULT_PROGRAM_ID,
    ownerWallet: options.ownerWallet,
    filter: resolveFilter(options),
    games: options.games ?? [],
    start,
    pollInterval: positive('pollInterval', options.pollInterval, 1000),
    concurrency: count('concurrency', options.concurrency, 16),
    rpcRateLimit: positive('rpcRateLimit', options.rpcRateLimit, 100),
    timeout: positive('timeout', options.timeout, 10_000),
    retries: count('retries', options.retries, 3),
    retryDelay: positive('retryDelay', options.retryDelay, 250),
    slowRetryDelay: positive('slowRetryDelay', options.slowRetryDelay, 5000),
    subscribe: options.subscribe ?? true,
    // 'processed' would index transactions of slots that may never be confirmed: bets that never were.
    commitment: oneOf('commitment', options.commitment, ['confirmed', 'finalized'] as const, 'confirmed'),
    maxBatchTransactions: count('maxBatchTransactions', options.maxBatchTransactions, store?.preferredBatchTransactions ?? 1000),
    fetchBatchSize: count('fetchBatchSize', options.fetchBatchSize, 50),
    fetchBatchRegrowMs: positive('fetchBatchRegrowMs', options.fetchBatchRegrowMs, BATCH_REGROW_MS),
    groupWaitMs: positive('groupWaitMs', options.groupWaitMs, store?.preferredGroupWaitMs ?? 25),
    backfillChunk: count('backfillChunk', options.backfillChunk, 10_000),
    statsDebounce: positive('statsDebounce', options.statsDebounce, 250),
    decodeThread: oneOf('decodeThread', options.decodeThread, [true, false, 'auto'] as const, 'auto'),
    fetch: options.fetch,
  }
  // A key no option has (a typo: `pollIntervall`) would otherwise be ignored, and its setting with it.
  for (const key of Object.keys(options)) {
    if (!(key in resolved)) throw new CasinoError('INVALID_CONFIG', `indexer: ${key} is not an option`)
  }
  return resolved
}

/**
 * `value` when it is one of `allowed`, `fallback` when unset; anything else (a typo, `'false'` from an
 * environment variable) is `INVALID_CONFIG` naming the values allowed.
 */
function oneOf<const T extends string | boolean>(name: string, value: T | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback
  if (allowed.includes(value)) return value
  const names = allowed.map(v => (typeof v === 'string' ? `'${v}'` : String(v)))
  throw new CasinoError('INVALID_CONFIG', `indexer: ${name} must be ${names.slice(0, -1).join(', ')} or ${names.at(-1)} (got ${JSON.stringify(value)})`)
}

/**
 * The filter, checked: a filter that matches nothing by mistake (a pool list given as one string, a typo
 * of a key, a host that is no address) would index nothing, silently, so it is `INVALID_CONFIG`.
 */
function resolveFilter(options: IndexerOptions): ResolvedIndexerFilter {
  const filter: unknown = options.filter
  const refuse = (why: string): never => {
    throw new CasinoError('INVALID_CONFIG', `indexer: filter${why.startsWith('.') ? '' : ' '}${why} (got ${JSON.stringify(filter)?.slice(0, 200)})`)
  }
  if (filter === 'all') return { kind: 'all' }
  if (filter === undefined) return { kind: 'host', host: checkedHost(options.ownerWallet) }
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) return refuse('must be \'all\', { host } or { pools }')
  const keys = Object.keys(filter)
  if (keys.length !== 1 || (keys[0] !== 'host' && keys[0] !== 'pools')) return refuse('must have exactly one key, host or pools')
  if ('pools' in filter) {
    const pools = filter.pools
    if (!Array.isArray(pools) || pools.length === 0) return refuse('.pools must be a non-empty array of pool addresses')
    const bad = pools.find(pool => !isWalletAddress(pool))
    if (bad !== undefined) return refuse(`.pools holds ${JSON.stringify(bad)}, which is no address`)
    return { kind: 'pools', pools: new Set(pools as string[]) }
  }
  const host = (filter as { host?: unknown }).host
  if (!isWalletAddress(host)) return refuse('.host must be a wallet address')
  return { kind: 'host', host }
}

/** The owner wallet as the default host filter: an address, or nothing would ever match. */
function checkedHost(wallet: string): string {
  if (!isWalletAddress(wallet)) throw new CasinoError('INVALID_CONFIG', `indexer: ownerWallet must be a wallet address (got ${JSON.stringify(wallet)})`)
  return wallet
}
