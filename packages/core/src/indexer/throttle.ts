import type PQueue from 'p-queue'
import type { BatchAnswer, RpcClient } from '../solana/rpc'
import { isRpcError, type RpcError } from '../solana/rpc-errors'

/**
 * Backing off as a whole when the RPC node rate-limits. A provider's limit is per key or per IP, so a
 * 429 means every request is over it, not just the one refused: if each call only retried on its own,
 * the sixteen in flight would keep the node refusing (and some providers ban a client that ignores
 * 429s). On a 429 the whole RPC queue pauses, for the node's `Retry-After` when it sends one, else for
 * a delay doubling from `retryDelay` up to `slowRetryDelay` while 429s go on. After a pause a single
 * request goes first; the queue's full concurrency comes back with its first answer that is not a 429,
 * so a node still over its limit refuses one probe, not a burst. Only the answers of requests sent
 * after the latest pause began say how the node is now: an older request answering late neither
 * extends the doubling nor ends the probe.
 */

/** How {@link createThrottle} paces the queue. */
export interface ThrottleOptions {
  /** The queue every RPC call of the run goes through. */
  queue: PQueue
  /** Its concurrency when the node is not rate-limiting. */
  concurrency: number
  /** The first pause without a `Retry-After`, in ms; doubled for each 429 in a row. */
  baseMs: number
  /** The longest pause without a `Retry-After`, in ms. */
  maxMs: number
  /** Called when a pause starts (not when one is extended), for the log. */
  onPause?: (ms: number, retryAfter: boolean) => void
}

/** The longest `Retry-After` obeyed, in ms: a node asking for more still gets a probe each minute. */
export const MAX_RETRY_AFTER_MS = 60_000

/** A run's rate-limit pacing. */
export interface Throttle {
  /** Taken when a queued call sends its request, and handed back to {@link Throttle.observe} with its outcome. */
  stamp(): number
  /**
   * Every outcome of a queued call, with the {@link Throttle.stamp} of its sending: `undefined` for a
   * result, else its error. A 429 pauses the queue; the first result after it (or JSON-RPC error of the
   * node's own) of a request sent since brings back full concurrency.
   */
  observe(stamp: number, error?: unknown): void
  /** Epoch ms until which the queue is paused, or null. */
  readonly pausedUntil: number | null
  /** Clears the pending resume and ignores every later outcome (the run stopped). */
  close(): void
}

/** True for a node's "too many requests": HTTP 429, or a JSON-RPC error 429 (rpcpool writes it in the body). */
export function isRateLimited(error: unknown): error is RpcError {
  return isRpcError(error) && error.code === 429
}

/**
 * One request of the indexer, run through its queue. `refused` tells the pacing that the node refused
 * part of an answer that is otherwise good (a 429 for some of a batch's calls): the request then counts
 * as a 429, not as an answer, though its good parts are used. Given undefined, it does nothing.
 */
export type RpcTask<T> = (rpc: RpcClient, refused: (error: RpcError | undefined) => void) => Promise<T>

/** The first "too many requests" among the answers of a batch, or undefined. */
export function rateLimitedAmong(answers: readonly BatchAnswer<unknown>[]): RpcError | undefined {
  for (const answer of answers) if (!answer.ok && isRateLimited(answer.error)) return answer.error
  return undefined
}

/** Creates the pacing of one run's queue. */
export function createThrottle(options: ThrottleOptions): Throttle {
  const { queue } = options
  let streak = 0
  let until: number | null = null
  let timer: ReturnType<typeof setTimeout> | undefined
  let probing = false
  let closed = false
  // Pauses begun so far: a request stamped with an older count was sent before the latest pause.
  let pauses = 0

  const resume = (): void => {
    timer = undefined
    until = null
    queue.start()
  }

  return {
    stamp() {
      return pauses
    },
    observe(stamp, error) {
      if (closed) return
      const sentSincePause = stamp === pauses
      if (!isRateLimited(error)) {
        // A result, or the node's own JSON-RPC error: it took the request, so its limit has lifted.
        // A timeout or another HTTP error says nothing either way.
        if (sentSincePause && (error === undefined || (isRpcError(error) && error.kind === 'jsonrpc'))) {
          streak = 0
          if (probing && until === null) {
            probing = false
            queue.concurrency = options.concurrency
          }
        }
        return
      }
      // Sent before the latest pause, which is over: that pause was for this refusal. Starting another
      // would hold the queue again and leave the probe's answer (now of an older pause) unheard.
      if (!sentSincePause && until === null) return
      // The 429s of requests already in flight when a pause began are the same refusal: one step.
      if (sentSincePause) streak++
      const retryAfter = isRpcError(error) ? error.retryAfterMs : null
      // A `Retry-After` of 0 or of a past date still gets the shortest pause (the node did refuse); none
      // is longer than a minute, whatever `retryDelay` says.
      const ms = retryAfter !== null
        ? Math.min(Math.max(options.baseMs, retryAfter), MAX_RETRY_AFTER_MS)
        : Math.min(options.baseMs * 2 ** (Math.max(streak, 1) - 1), options.maxMs)
      const end = Date.now() + ms
      // Several 429s of one burst arrive together: the pause is the longest they ask for, not their sum.
      if (until !== null && end <= until) return
      if (until === null) {
        pauses++
        options.onPause?.(ms, retryAfter !== null)
      }
      until = end
      probing = true
      queue.concurrency = 1
      queue.pause()
      if (timer) clearTimeout(timer)
      // Not unref'd: an indexer paused before anything else holds the event loop (its first listing)
      // must not let the process exit; close() clears it.
      timer = setTimeout(resume, ms)
    },
    get pausedUntil() {
      return until
    },
    close() {
      closed = true
      if (timer) clearTimeout(timer)
      timer = undefined
      until = null
    },
  }
}
