/** Tuning and limits of the realtime stream. Every field is optional; defaults live in {@link resolveRealtimeOptions}. */
export interface RealtimeOptions {
  /** URL path the socket is served at. @default '/ws' */
  path?: string | undefined
  /** Events kept for recovery (`since`). @default 10_000 */
  historySize?: number | undefined
  /** Events older than this (ms) are not replayed. @default 600_000 (10 minutes) */
  historyMaxAge?: number | undefined
  /** Interval (ms) of the server's WebSocket ping. @default 30_000 */
  pingInterval?: number | undefined
  /** A peer that sent nothing (no message, no pong) for this long (ms) is dropped. @default 60_000 */
  idleTimeout?: number | undefined
  /** A peer whose unsent bytes pass this is closed with 1013 (slow consumer). @default 1_048_576 (1 MiB) */
  maxBufferedBytes?: number | undefined
  /** Open sockets per client IP; one more is closed with 1008. @default 50 */
  maxConnectionsPerIp?: number | undefined
  /** Channels one socket may subscribe to at once. @default 20 */
  maxSubscriptionsPerPeer?: number | undefined
  /**
   * Largest client frame (bytes) answered normally; a bigger one gets a `PAYLOAD_TOO_LARGE` error.
   * Frames over 4× this are refused by the WebSocket layer itself (close 1009). @default 16_384
   */
  maxFrameBytes?: number | undefined
  /**
   * Frames one socket may have waiting while one of its messages is handled (or before its hello is sent);
   * one more closes it with 1008 (policy violation). @default 64
   */
  maxPendingFrames?: number | undefined
  /** Bytes one socket may have waiting, as for `maxPendingFrames` (closed with 1008). @default 262_144 (256 KiB) */
  maxPendingBytes?: number | undefined
  /** Chat messages per wallet per window. @default { messages: 5, windowMs: 10_000 } */
  chatRateLimit?: { messages: number, windowMs: number } | undefined
  /**
   * Recoveries (`subscribe` with `since`) per client IP per window; past it the subscription is made live
   * and answered `recovered: false` (the client refetches over REST). A recovery may read the whole
   * history: without a bound, a few sockets asking again and again delayed every publish. Counted in each
   * process. @default { replays: 10, windowMs: 10_000 }
   */
  replayRateLimit?: { replays: number, windowMs: number } | undefined
  /**
   * Believe `Fly-Client-IP` (on a Fly.io Machine), else the rightmost `X-Forwarded-For` entry, for the client IP (behind a proxy you
   * trust). @default false here; the casino's `trustProxy` through `createCasino`
   */
  trustProxy?: boolean | undefined
  /**
   * Retries of an event whose history append failed (a Redis blip), with doubling delays from
   * `publishRetryDelay` up to 5 s; later events wait behind it. An event still refused is given up and the
   * history moves to a new epoch (clients resuming with `since` get `recovered: false`). @default 8
   */
  publishRetries?: number | undefined
  /** Milliseconds before the first retry of a failed append. @default 100 */
  publishRetryDelay?: number | undefined
  /** Events waiting for the history; past it the oldest waiting one is given up (new epoch). @default 10_000 */
  maxPublishQueue?: number | undefined
  /** PubSub channel the events travel on. @default 'fare:events' */
  channel?: string | undefined
}

/** {@link RealtimeOptions} with every default applied. */
export type ResolvedRealtimeOptions = Required<RealtimeOptions>

/** Applies the defaults of {@link RealtimeOptions}; throws a `TypeError` naming a field that is not an option or not a positive number. */
export function resolveRealtimeOptions(options: RealtimeOptions = {}): ResolvedRealtimeOptions {
  const resolved: ResolvedRealtimeOptions = {
    path: options.path ?? '/ws',
    historySize: options.historySize ?? 10_000,
    historyMaxAge: options.historyMaxAge ?? 10 * 60_000,
    pingInterval: options.pingInterval ?? 30_000,
    idleTimeout: options.idleTimeout ?? 60_000,
    maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
    maxConnectionsPerIp: options.maxConnectionsPerIp ?? 50,
    maxSubscriptionsPerPeer: options.maxSubscriptionsPerPeer ?? 20,
    maxFrameBytes: options.maxFrameBytes ?? 16 * 1024,
    maxPendingFrames: options.maxPendingFrames ?? 64,
    maxPendingBytes: options.maxPendingBytes ?? 256 * 1024,
    chatRateLimit: options.chatRateLimit ?? { messages: 5, windowMs: 10_000 },
    replayRateLimit: options.replayRateLimit ?? { replays: 10, windowMs: 10_000 },
    trustProxy: options.trustProxy ?? false,
    publishRetries: options.publishRetries ?? 8,
    publishRetryDelay: options.publishRetryDelay ?? 100,
    maxPublishQueue: options.maxPublishQueue ?? 10_000,
    channel: options.channel ?? 'fare:events',
  }
  // A key no option has (a typo: `pingIntervall`) would otherwise be ignored, and its setting with it.
  for (const key of Object.keys(options)) {
    if (!(key in resolved)) throw new TypeError(`realtime.${key} is not an option`)
  }
  if (!Number.isInteger(resolved.publishRetries) || resolved.publishRetries < 0) throw new TypeError('realtime.publishRetries must be a non-negative integer')
  for (const key of ['historySize', 'historyMaxAge', 'pingInterval', 'idleTimeout', 'maxBufferedBytes', 'maxConnectionsPerIp', 'maxSubscriptionsPerPeer', 'maxFrameBytes', 'maxPendingFrames', 'maxPendingBytes', 'publishRetryDelay', 'maxPublishQueue'] as const) {
    const value = resolved[key]
    if (!Number.isFinite(value) || value <= 0) throw new TypeError(`realtime.${key} must be a positive number`)
  }
  checkRateRule('chatRateLimit', resolved.chatRateLimit, 'messages')
  checkRateRule('replayRateLimit', resolved.replayRateLimit, 'replays')
  if (!resolved.path.startsWith('/')) throw new TypeError('realtime.path must start with /')
  return resolved
}

/**
 * Throws a `TypeError` naming `name` unless `rule` is `{ [count]: positive integer, windowMs: positive }`.
 * `{ max }` (the REST rate-limit rules' word) would leave the count undefined, and every action refused.
 */
function checkRateRule(name: string, rule: unknown, count: string): void {
  const r = rule as Record<string, unknown> | null
  if (typeof r !== 'object' || r === null) throw new TypeError(`realtime.${name} must be { ${count}, windowMs }`)
  if (!Number.isInteger(r[count]) || (r[count] as number) < 1) throw new TypeError(`realtime.${name}.${count} must be a positive integer`)
  if (!(Number.isFinite(r.windowMs) && (r.windowMs as number) > 0)) throw new TypeError(`realtime.${name}.windowMs must be a positive number`)
}
