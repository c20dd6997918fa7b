import { toEventFrame } from './serialize-event'
import { type HistoryEntry, type HistoryStore, randomEpoch } from './history'

/** Bounds of a {@link memoryHistory}. */
export interface MemoryHistoryOptions {
  /** Frames kept. @default 10_000 */
  size?: number
  /** Age (ms) past which frames are dropped. @default 600_000 */
  maxAge?: number
}

/**
 * A {@link HistoryStore} in this process: a ring of frames. Its epoch is random per instance, so a client
 * whose `since` comes from another process (or before a restart) is told it was not recovered.
 */
export function memoryHistory(options: MemoryHistoryOptions = {}): HistoryStore {
  const size = options.size ?? 10_000
  const maxAge = options.maxAge ?? 10 * 60_000
  let epoch = randomEpoch()
  // Parallel arrays in a ring would be faster; a plain array with a moving start keeps the code obvious
  // and compacts only when half of it is dead, so appends stay amortised O(1).
  let entries: (HistoryEntry & { time: number })[] = []
  let start = 0
  let last = 0
  /** The entries of the last `size` appends that named an id (see HistoryStore.append), oldest first. */
  let appended = new Map<string, HistoryEntry>()

  const prune = (now: number) => {
    while (entries.length - start > size) start++
    while (start < entries.length && entries[start]!.time < now - maxAge) start++
    if (start > 1024 && start * 2 > entries.length) {
      entries = entries.slice(start)
      start = 0
    }
  }

  return {
    async head() {
      return { epoch, offset: last }
    },
    async append(head, timestamp, id) {
      const known = id === undefined ? undefined : appended.get(id)
      if (known) return { epoch, ...known }
      const offset = ++last
      const frame = toEventFrame(head, offset)
      entries.push({ offset, frame, time: timestamp })
      prune(timestamp)
      if (id !== undefined) {
        appended.set(id, { offset, frame })
        if (appended.size > size) appended.delete(appended.keys().next().value!)
      }
      return { epoch, offset, frame }
    },
    async since(askedEpoch, after, now) {
      if (askedEpoch !== epoch || !Number.isInteger(after) || after < 0 || after > last) return null
      prune(now)
      if (after === last) return []
      const first = entries[start]
      // Offsets are consecutive, so the first kept offset tells whether anything after `after` was dropped.
      if (!first || first.offset > after + 1) return null
      const from = start + (after + 1 - first.offset)
      return entries.slice(from).map(({ offset, frame }) => ({ offset, frame }))
    },
    async reset() {
      epoch = randomEpoch()
      entries = []
      start = 0
      last = 0
      appended = new Map()
      return epoch
    },
    async close() {
      entries = []
      start = 0
    },
  }
}
