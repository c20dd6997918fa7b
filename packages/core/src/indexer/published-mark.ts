import type { CasinoStore, ChainPosition } from '../store/types'

/**
 * The mark of a casino that has published nothing yet and started at the beginning of the program's
 * history (`'now'` on an empty chain, the N most recent of a shorter one): a restart after a crash lists
 * the chain again from its start. An empty signature, since no real one is.
 */
export const chainStart: ChainPosition = { signature: '', slot: 0 }

/**
 * The indexer's record, kept in the store beside the cursor, of the last transaction whose changes it
 * has published (`Batch.published`). Events are published after their commit, so a crash in between
 * leaves bets that are stored but were never announced; the next run reads the mark with the cursor
 * and publishes what lies between (see the pipeline's `replayThrough`).
 *
 * The mark costs no write of its own while batches commit: each batch carries the mark as it stands
 * when the batch is sent (one or two groups behind, since a group is published after its commit). Once
 * the indexer has been idle for `idleMs`, one empty batch brings it level, so that a restart after a
 * quiet spell announces nothing twice; so does `flush()` on stop. That write expects the store's cursor
 * to be the last one this run committed: after another instance has committed (a deposed leader), this
 * run's mark says nothing about that instance's bets, and it is not written.
 */
export interface PublishedMark {
  /** Where the run starts: the mark read from the store (or its stand-in), and the store's cursor. */
  begin(start: ChainPosition | null, cursor: string | null): void
  /** The last transaction published: what the next batch carries (null: none known yet). */
  current(): ChainPosition | null
  /** This run's commit moved the store's cursor to `signature` (what the mark's own write expects). */
  committed(signature: string): void
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
  /** Quiet time after the last group published before the mark is written on its own. */
  idleMs: number
  /** True when no group waits to be committed (a write then cannot race a commit of the indexer's). */
  isIdle: () => boolean
  /** Told when an idle write fails or is refused. */
  onError: (error: unknown) => void
}

/** Creates the published mark of one indexer run. */
export function createPublishedMark(options: PublishedMarkOptions): PublishedMark {
  let mark: ChainPosition | null = null
  /** The mark the store holds as far as this run knows: as read, or as last written on its own. */
  let written: ChainPosition | null = null
  let cursor: string | null = null
  let timer: ReturnType<typeof setTimeout> | undefined
  let closed = false

  const flush = async (): Promise<void> => {
    const position = mark
    if (!position || position.signature === written?.signature) return
    try {
      await options.store.applyBatch({ events: [], published: position, ...(cursor === null ? {} : { expectCursor: cursor }) })
      written = position
    }
    catch (error) {
      options.onError(error)
    }
  }

  return {
    begin(start, storeCursor) {
      mark = written = start
      cursor = storeCursor
    },
    current: () => mark,
    committed(signature) {
      cursor = signature
    },
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
