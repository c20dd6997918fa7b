import type { H3, H3Event } from 'h3'
import type { CasinoContext } from '../../casino'
import { childLogger } from '../../logger'

/** How long a readiness dependency may take before it counts as down. */
const PROBE_TIMEOUT_MS = 2000

interface Check {
  ok: boolean
  error?: string
  [key: string]: unknown
}

/** Liveness (`/health`) and readiness (`/health/ready`), also under `/api/health` for FarePlay. */
export function registerHealthRoutes(app: H3, ctx: CasinoContext): void {
  const log = childLogger(ctx.logger, 'health')
  const live = () => ({ status: 'ok', timestamp: new Date().toISOString(), casino: ctx.config.slug, network: ctx.config.network })

  const ready = async (event: H3Event) => {
    const checks: Record<string, Check> = {}
    checks.startup = ctx.state.ready
      ? { ok: true }
      : { ok: false, error: ctx.state.error ? 'failed' : ctx.state.closed ? 'closed' : 'starting' }
    const probe = async (name: string, fn: () => Promise<Record<string, unknown> | void>) => {
      try {
        const extra = await withTimeout(fn(), PROBE_TIMEOUT_MS)
        checks[name] = { ok: true, ...extra }
      }
      catch (error) {
        log.warn('readiness check failed', { check: name, error })
        checks[name] = { ok: false, error: error instanceof TimeoutError ? 'timeout' : 'unavailable' }
      }
    }
    await Promise.all([
      probe('store', () => ctx.store.ping()),
      probe('kv', async () => {
        await ctx.kv.getItem('health:probe')
      }),
      ctx.config.rpcUrl ? probe('rpc', () => rpcHealth(ctx.config.rpcUrl!)) : undefined,
    ])
    if (ctx.indexer) {
      const status = safeStatus(ctx.indexer)
      const healthy = typeof status === 'object' && status !== null
        && (status as { ok?: unknown }).ok !== false && (status as { healthy?: unknown }).healthy !== false
      checks.indexer = { ok: healthy, status }
    }
    const ok = Object.values(checks).every(c => c.ok)
    event.res.status = ok ? 200 : 503
    event.res.headers.set('cache-control', 'no-store')
    return { status: ok ? 'ready' : 'not_ready', timestamp: new Date().toISOString(), checks }
  }

  app.get('/health', live)
  app.get('/api/health', live)
  app.get('/health/ready', ready)
  app.get('/api/health/ready', ready)
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

function safeStatus(indexer: NonNullable<CasinoContext['indexer']>): unknown {
  try {
    return indexer.status()
  }
  catch {
    return { ok: false }
  }
}
