import type { CasinoEvents } from '../events'
import type { BatchResult, CasinoStore } from '../store/types'

/**
 * Publishing what a committed batch changed. Called only after `applyBatch` resolved, so a listener
 * never sees a bet the store does not have. `stats.updated` is coalesced: at most one per `debounce`
 * ms however many batches commit (a trailing-edge throttle, so a steady stream still gets updates).
 */
export interface Publisher {
  publish(result: BatchResult): void
  /** Cancels a pending stats update. */
  close(): void
}

/** Creates the publisher of one indexer. */
export function createPublisher(store: CasinoStore, events: CasinoEvents, debounce: number, onError: (error: unknown) => void): Publisher {
  let timer: ReturnType<typeof setTimeout> | undefined
  let closed = false

  const publishStats = async (): Promise<void> => {
    timer = undefined
    try {
      const stats = await store.stats(Date.now())
      if (!closed) events.emit('stats.updated', stats)
    }
    catch (error) {
      onError(error)
    }
  }

  return {
    publish(result) {
      // Players first: a client that sees a bet can already look its player up.
      for (const player of result.joined) events.emit('player.joined', player)
      for (const bet of result.placed) events.emit('bet.placed', bet)
      for (const bet of result.settled) events.emit('bet.settled', bet)
      for (const jackpot of result.jackpots) events.emit('jackpot.won', jackpot)
      // Events found already applied may have been written by an attempt whose reply was lost (read back
      // or not): the totals may have changed unannounced. One more (coalesced) update costs nothing.
      const changed = result.applied > 0 || result.duplicates > 0 || result.placed.length > 0 || result.jackpots.length > 0
      if (changed && !timer && !closed) timer = setTimeout(() => void publishStats(), debounce)
    },
    close() {
      closed = true
      if (timer) clearTimeout(timer)
      timer = undefined
    },
  }
}
