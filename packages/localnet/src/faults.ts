/**
 * Fault injection, deterministic for a seed: the n-th HTTP call of a run always gets the same
 * fate. Faults change how a call is answered, never the data a successful answer carries.
 */
import { Rng } from './rng'

/** The ways an HTTP call can fail. */
export type HttpFaultKind = 'http429' | 'http500' | 'hang' | 'reset'

/** Fault settings; all rates are fractions in [0, 1]. */
export interface FaultOptions {
  /** Fraction of HTTP calls answered with a fault instead of the result. @default 0 */
  errorRate?: number
  /** Which faults errorRate draws from (uniformly). @default all four */
  kinds?: HttpFaultKind[]
  /** Extra latency per HTTP call: fixed ms or a [min, max] range. @default 0 */
  latencyMs?: number | [number, number]
  /** How long a `hang` holds the socket before destroying it. @default 3000 */
  hangMs?: number
  /** Fraction of getSignaturesForAddress pages cut short (when more entries exist). @default 0 */
  shortPageRate?: number
  /**
   * The most calls a JSON-RPC batch may hold, as providers cap them (10, 100, 1,000): a larger batch is
   * answered with one error for the whole request, `-32600` "batch of N requests exceeds the limit of M".
   * @default no limit
   */
  maxBatchSize?: number
  /** Probability that sending a WebSocket notification closes the socket instead. @default 0 */
  wsDropRate?: number
  /** Close each WebSocket this many ms after it opened. */
  wsDropAfterMs?: number
  /** Close each WebSocket after this many notifications. */
  wsDropAfterMessages?: number
}

/** Counters of injected faults. */
export interface FaultStats {
  http429: number
  http500: number
  hang: number
  reset: number
  shortPages: number
  wsDrops: number
  /** Batches refused for holding more than `maxBatchSize` calls. */
  batchesRefused: number
}

const ALL_KINDS: HttpFaultKind[] = ['http429', 'http500', 'hang', 'reset']

/** Bodies an rpcpool proxy sends with HTTP 429 (note its non-standard spacing and code); `idJson`: the request's id as JSON. */
export function http429Body(idJson: string, perIp: boolean): string {
  const message = perIp
    ? 'Too many requests from your IP, contact your app developer or support@rpcpool.com.'
    : 'Too many requests for a specific RPC call, contact your app developer or support@rpcpool.com.'
  return `{"jsonrpc":"2.0","error":{"code": 429, "message":"${message}"}, "id": ${idJson} }`
}

/** The fault injector of one localnet. */
export class Faults {
  private opts: FaultOptions
  private readonly http: Rng
  private readonly pages: Rng
  private readonly ws: Rng
  readonly stats: FaultStats = { http429: 0, http500: 0, hang: 0, reset: 0, shortPages: 0, wsDrops: 0, batchesRefused: 0 }

  constructor(seed: number, opts: FaultOptions = {}) {
    this.opts = { ...opts }
    this.http = new Rng(seed, 'faults:http')
    this.pages = new Rng(seed, 'faults:pages')
    this.ws = new Rng(seed, 'faults:ws')
  }

  /** Current settings. */
  get options(): Readonly<FaultOptions> {
    return this.opts
  }

  /** Replaces the settings at runtime (the random streams continue). */
  set(opts: FaultOptions): void {
    this.opts = { ...opts }
  }

  /** Decides the fate of the next HTTP call: a fault kind or null, and the latency to add. */
  nextHttp(): { fault: HttpFaultKind | null; latencyMs: number; perIp: boolean } {
    // Always draw the same number of values so the sequence does not depend on the rates.
    const a = this.http.float()
    const b = this.http.float()
    const c = this.http.float()
    const kinds = this.opts.kinds?.length ? this.opts.kinds : ALL_KINDS
    const fault = a < (this.opts.errorRate ?? 0) ? kinds[Math.min(kinds.length - 1, Math.floor(b * kinds.length))]! : null
    if (fault) this.stats[fault]++
    const lat = this.opts.latencyMs
    const latencyMs = lat === undefined ? 0 : typeof lat === 'number' ? lat : Math.round(lat[0] + c * (lat[1] - lat[0]))
    return { fault, latencyMs, perIp: b * kinds.length - Math.floor(b * kinds.length) < 0.5 }
  }

  /** How long a hang lasts. */
  get hangMs(): number {
    return this.opts.hangMs ?? 3000
  }

  /** Page size for getSignaturesForAddress when more entries exist than `limit`. */
  pageSize(limit: number): number {
    const draw = this.pages.float()
    const size = this.pages.float()
    if (limit <= 1 || draw >= (this.opts.shortPageRate ?? 0)) return limit
    this.stats.shortPages++
    return 1 + Math.floor(size * (limit - 1))
  }

  /** The cap a batch of `calls` calls is over (counted as refused), or undefined when it is answered. */
  batchCapExceeded(calls: number): number | undefined {
    const max = this.opts.maxBatchSize
    if (max === undefined || calls <= max) return undefined
    this.stats.batchesRefused++
    return max
  }

  /** Whether to drop a WebSocket instead of sending the next notification. */
  dropWsNow(sentSoFar: number): boolean {
    const n = this.opts.wsDropAfterMessages
    const hit = (n !== undefined && sentSoFar >= n) || this.ws.chance(this.opts.wsDropRate ?? 0)
    if (hit) this.stats.wsDrops++
    return hit
  }
}
