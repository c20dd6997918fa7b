import type { CasinoEvents } from '../events'
import type { BatchResult, CasinoStore } from '../store/types'

/**
 * Publishing what a committed batch changed. Called only after `applyBatch` resolved, so a listener
 * never sees a bet the store does not have. `stats.updated` is coalesced: at most one per `debounce`
 * ms however many batches commit (a trailing-edge throttle, so a steady stream still gets updates).
 */
export interface Publisher {
  publish(result: BatchResult): void
  /**
   * Publishes a pending stats update now instead of dropping it (the last commits before a stop would
   * otherwise leave clients with stale totals until the next bet); no stats update is scheduled after it.
   * A group committed later (a stop that did not wait for a slow store) still has its events published.
   */
  close(): Promise<void>
}

/** Creates the publisher of one indexer. */
export function createPublisher(store: CasinoStore, events: CasinoEvents, debounce: number, onError: (error: unknown) => void): Publisher {
  let timer: ReturnType<typeof setTimeout> | undefined
  let closed = false
  // Reads in the order they were asked: one that answers after a newer one would show older totals last.
  let asked = 0
  let shown = 0

  const publishStats = async (): Promise<void> => {
    timer = undefined
    const read = ++asked
    try {
      const stats = await store.stats(Date.now())
      if (read < shown) return
      shown = read
      events.emit('stats.updated', stats)
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
    async close() {
      if (closed) return
      closed = true
      if (!timer) return
      clearTimeout(timer)
      await publishStats()
    },
  }
}
