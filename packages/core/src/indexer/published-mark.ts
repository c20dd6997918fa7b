import type { CasinoStore } from '../store/types'

/** A transaction's place in the chain. */
export interface ChainPosition {
  signature: string
  slot: number
}

/**
 * The indexer's record, kept in the store beside the cursor, of the last transaction whose changes it
 * has published (`Batch.published`). Events are published after their commit, so a crash in between
 * leaves bets that are stored but were never announced; the next run reads the mark with the cursor
 * and publishes what lies between (see the pipeline's `replayThrough`).
 *
 * The mark costs no write of its own while batches commit: each batch carries the mark as it stands
 * when the batch is sent (one or two groups behind, since a group is published after its commit). Once
 * the indexer has been idle for `idleMs`, one empty batch brings it level, so that a restart after a
 * quiet spell announces nothing twice; so does `flush()` on stop.
 */
export interface PublishedMark {
  /** The last transaction published: what the next batch carries (null: none known yet). */
  current(): ChainPosition | null
  /** A group up to `position` was published. */
  advance(position: ChainPosition): void
  /** Writes the mark if the store may be behind it. Never throws (the next batch carries it anyway). */
  flush(): Promise<void>
  /** Cancels the idle write. */
  close(): void
}

/** What {@link createPublishedMark} needs. */
export interface PublishedMarkOptions {
  store: CasinoStore
  /** Where the mark starts: the stored one, or the cursor when none is stored. */
  start: ChainPosition | null
  /** Quiet time after the last group published before the mark is written on its own. */
  idleMs: number
  /** True when no group waits to be committed (a write then cannot race a commit of the indexer's). */
  isIdle: () => boolean
  /** Told when an idle write fails. */
  onError: (error: unknown) => void
}

/** Creates the published mark of one indexer run. */
export function createPublishedMark(options: PublishedMarkOptions): PublishedMark {
  let mark = options.start
  /** The mark as last written on its own, or as it started (read from the store). */
  let written = options.start
  let timer: ReturnType<typeof setTimeout> | undefined
  let closed = false

  const flush = async (): Promise<void> => {
    const position = mark
    if (!position || position.signature === written?.signature) return
    try {
      await options.store.applyBatch({ events: [], published: position })
      written = position
    }
    catch (error) {
      options.onError(error)
    }
  }

  return {
    current: () => mark,
    advance(position) {
      mark = position
      if (closed) return
      // Debounced: a steady stream of commits carries the mark itself.
      if (timer) clearTimeout(timer)
      timer = setTimeout(() => {
        timer = undefined
        if (!closed && options.isIdle()) void flush()
      }, options.idleMs)
      timer.unref?.()
    },
    flush,
    close() {
      closed = true
      if (timer) clearTimeout(timer)
      timer = undefined
    },
  }
}
