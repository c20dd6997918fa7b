/**
 * A stop switch for one indexer run. An AbortSignal would do, but every queued request and every
 * retry wait would add a listener to the same signal (tens of thousands during a backfill; Node warns
 * past 10 and removes them in linear time); this keeps them in a Set.
 */
export interface Cancellation {
  readonly cancelled: boolean
  /** Runs `fn` once when cancelled (at once if already cancelled); returns its removal. */
  onCancel(fn: () => void): () => void
}

/** A {@link Cancellation} and the `cancel()` that fires it. */
export function createCancellation(): Cancellation & { cancel(): void } {
  const callbacks = new Set<() => void>()
  let cancelled = false
  return {
    get cancelled() {
      return cancelled
    },
    onCancel(fn) {
      if (cancelled) {
        fn()
        return () => {}
      }
      callbacks.add(fn)
      return () => callbacks.delete(fn)
    },
    cancel() {
      if (cancelled) return
      cancelled = true
      for (const fn of callbacks) fn()
      callbacks.clear()
    },
  }
}

/** The error calls reject with once the indexer stopped. */
export class IndexerStoppedError extends Error {
  override readonly name = 'IndexerStoppedError'
  constructor() {
    super('the indexer stopped')
  }
}
