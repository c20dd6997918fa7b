import type { H3, H3Event } from 'h3'
import type { CasinoContext } from '../../casino'
import type { CasinoIndexerStatus } from '../../leader'
import { childLogger } from '../../logger'
import { bearerToken } from '../middleware/auth'

/** How long a readiness dependency may take before it counts as down. */
const PROBE_TIMEOUT_MS = 2000
/**
 * How long probe results are reused. A load balancer (or anyone: the route is public and not rate limited)
 * may ask many times a second; the store, the kv and the paid RPC are asked at most once per this period.
 */
const PROBE_CACHE_MS = 2000

interface Check {
  ok: boolean
  error?: string
  [key: string]: unknown
}

/**
 * Liveness (`/health`) and readiness (`/health/ready`), also under `/api/health` for FarePlay.
 *
 * Readiness answers 503 (`not_ready`) only when this instance cannot serve: not started, or its store, kv or
 * indexer is down. An unhealthy RPC is `degraded` with 200: every instance shares the RPC, and dropping them
 * all from the load balancer would stop reads that the store can still answer.
 */
export function registerHealthRoutes(app: H3, ctx: CasinoContext): void {
  const log = childLogger(ctx.logger, 'health')
  const live = () => ({ status: 'ok', timestamp: new Date().toISOString(), casino: ctx.config.slug, network: ctx.config.network })

  const probe = async (name: string, fn: () => Promise<Record<string, unknown> | void>): Promise<[string, Check]> => {
    try {
      const extra = await withTimeout(fn(), PROBE_TIMEOUT_MS)
      return [name, { ok: true, ...extra }]
    }
    catch (error) {
      log.warn('readiness check failed', { check: name, error })
      return [name, { ok: false, error: error instanceof TimeoutError ? 'timeout' : 'unavailable' }]
    }
  }
  // The node the indexer reads (`indexer.rpcUrl` may name one without a top-level `rpcUrl`).
  const rpcUrl = ctx.config.indexer?.rpcUrl ?? ctx.config.rpcUrl
  const runProbes = async (): Promise<Record<string, Check>> => Object.fromEntries(await Promise.all([
    probe('store', () => ctx.store.ping()),
    probe('kv', async () => {
      await ctx.kv.getItem('health:probe')
    }),
    ...(rpcUrl ? [probe('rpc', () => rpcHealth(rpcUrl))] : []),
  ]))

  // One probe at a time, its result reused for PROBE_CACHE_MS: concurrent requests share the one in flight.
  let cached: { at: number, checks: Record<string, Check> } | null = null
  let inflight: Promise<Record<string, Check>> | null = null
  const probes = (): Promise<Record<string, Check>> => {
    if (cached && Date.now() - cached.at < PROBE_CACHE_MS) return Promise.resolve(cached.checks)
    return inflight ??= runProbes().then((checks) => {
      cached = { at: Date.now(), checks }
      return checks
    }).finally(() => {
      inflight = null
    })
  }

  const ready = async (event: H3Event) => {
    event.res.headers.set('cache-control', 'no-store')
    const checks: Record<string, Check> = {
      startup: ctx.state.ready
        ? { ok: true }
        : { ok: false, error: ctx.state.error ? 'failed' : ctx.state.closed ? 'closed' : 'starting' },
      ...(await probes()),
    }
    if (ctx.indexer) {
      const status = safeStatus(ctx.indexer)
      // The indexer's errors and internals name RPC hosts and transactions: for the owner only.
      checks.indexer = { ok: status.ok, status: await isOwner(event, ctx) ? status : publicStatus(status) }
    }
    const failed = Object.entries(checks).filter(([, check]) => !check.ok).map(([name]) => name)
    const status = failed.length === 0 ? 'ready' : failed.every(name => name === 'rpc') ? 'degraded' : 'not_ready'
    event.res.status = status === 'not_ready' ? 503 : 200
    return { status, timestamp: new Date().toISOString(), checks }
  }

  app.get('/health', live)
  app.get('/api/health', live)
  app.get('/health/ready', ready)
  app.get('/api/health/ready', ready)
}

/** What anyone may see of the indexer: whether it works and how far behind it is. */
function publicStatus(status: CasinoIndexerStatus): Partial<CasinoIndexerStatus> {
  const { ok, role, running, live, stalled, lagSlots, lagSeconds } = status
  return { ok, role, running, live, stalled, lagSlots, lagSeconds }
}

/** True when the request carries a valid JWT of the casino owner; never throws (the probe stays public). */
async function isOwner(event: H3Event, ctx: CasinoContext): Promise<boolean> {
  const token = bearerToken(event)
  if (!token) return false
  try {
    return (await ctx.tokens.verify(token)).sub === ctx.config.ownerWallet
  }
  catch {
    return false
  }
}

class TimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError('timeout')), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

async function rpcHealth(url: string): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getHealth' }),
    signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
  })
  const body = await response.json() as { result?: unknown, error?: unknown }
  if (!response.ok || body.result !== 'ok') throw new Error(`rpc unhealthy: ${response.status}`)
}

function safeStatus(indexer: NonNullable<CasinoContext['indexer']>): CasinoIndexerStatus {
  try {
    return indexer.status()
  }
  catch {
    return { ok: false, problem: 'status unavailable', role: 'single', fencingToken: null, stalled: false, running: false, live: false, lagSlots: null, lagSeconds: null, lastError: null, detail: null }
  }
}
