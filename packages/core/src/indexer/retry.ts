import type { Cancellation } from './cancellation'

/**
 * Retrying with exponential backoff, then slowly forever: background work must not give up on a bet
 * because an RPC node had a bad minute, but it must say so. `onExhausted` fires once, when the fast
 * attempts are spent; the caller reports it (status, SystemEvent) and the retries go on.
 */

/** How {@link retryForever} retries. */
export interface RetryPolicy {
  /** Fast attempts (with doubling delays) before `onExhausted`. */
  retries: number
  /** First delay in ms. */
  retryDelay: number
  /** Delay between attempts after that, in ms. */
  slowRetryDelay: number
  /** False stops retrying (the indexer stopped): the last error is thrown. */
  shouldContinue: () => boolean
  /** True for errors worth another attempt; others are thrown at once. @default every error */
  isRetryable?: (error: unknown) => boolean
  /** Every failure, for counting and logging; `attempt` counts every call so far, from 1. */
  onError?: (error: unknown, attempt: number) => void
  /** Once, when the fast attempts are spent. */
  onExhausted?: (error: unknown) => void
  /**
   * False for a failure that spends no attempt (an answer fetched again because it arrived damaged,
   * which the caller bounds itself): it waits `retryDelay` doubled per such failure, up to
   * `slowRetryDelay`, and never counts toward `onExhausted`. @default every failure counts
   */
  counts?: (error: unknown) => boolean
  /** Fired when the work is cancelled (the indexer stopped): cuts the wait between attempts short. */
  cancellation?: Cancellation
}

/** The wait after failed attempt `attempt` (from 1): doubling from `retryDelay`, then `slowRetryDelay`. */
export function delayAfter(policy: Pick<RetryPolicy, 'retries' | 'retryDelay' | 'slowRetryDelay'>, attempt: number): number {
  return attempt < policy.retries ? policy.retryDelay * 2 ** (attempt - 1) : policy.slowRetryDelay
}

/** Calls `fn` until it resolves, following `policy`. */
export async function retryForever<T>(fn: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  let uncounted = 0
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    }
    catch (error) {
      policy.onError?.(error, attempt + uncounted)
      if (policy.isRetryable && !policy.isRetryable(error)) throw error
      if (!policy.shouldContinue()) throw error
      let delay: number
      if (policy.counts && !policy.counts(error)) {
        attempt--
        delay = Math.min(policy.retryDelay * 2 ** uncounted++, policy.slowRetryDelay)
      }
      else {
        if (attempt === policy.retries) policy.onExhausted?.(error)
        delay = delayAfter(policy, attempt)
      }
      await sleep(delay, policy.cancellation)
      if (!policy.shouldContinue()) throw error
    }
  }
}

/** Resolves after `ms`, or as soon as `cancellation` fires (never rejects). */
export function sleep(ms: number, cancellation?: Cancellation): Promise<void> {
  return new Promise((resolve) => {
    let off = (): void => {}
    const timer = setTimeout(() => {
      off()
      resolve()
    }, ms)
    off = cancellation?.onCancel(() => {
      clearTimeout(timer)
      resolve()
    }) ?? off
  })
}
