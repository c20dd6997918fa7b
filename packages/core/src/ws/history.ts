/**
 * The recovery history: a bounded, ordered log of wire frames with increasing offsets, and an epoch that
 * names one lifetime of that log. A client that remembers `{ epoch, offset }` can ask for what it missed;
 * a different epoch (history lost, a new process without shared history) means the offsets are not comparable.
 *
 * With one process the in-memory history is enough. With many, every process must share one history
 * (e.g. Redis: `INCR` for offsets and a capped stream) so that a client reconnecting to ANOTHER instance
 * resumes without gap or duplicate.
 */
export interface HistoryStore {
  /** The current epoch and the last offset assigned (0 before the first event). */
  head(): Promise<HistoryHead>
  /**
   * Assigns the next offset, stores `head + offset + '}'` with the time of the event, prunes what is
   * beyond the size or age bound, and returns the stored frame. Offsets are consecutive integers.
   *
   * `id` names this event uniquely: an append repeated with the same id in the same epoch (its reply was
   * lost and the call sent again, by the publisher's retry or by the client's own resend) answers the
   * first one's entry instead of storing the event twice. Remembered for the last `size` appends at least.
   */
  append(head: string, timestamp: number, id?: string): Promise<HistoryEntry & { epoch: string }>
  /**
   * Frames with offset greater than `after`, oldest first, when the history still holds ALL of them
   * (and `epoch` is the current epoch); `null` otherwise, so the caller can tell the client it missed some.
   */
  since(epoch: string, after: number, now: number): Promise<HistoryEntry[] | null>
  /**
   * Starts a new epoch with no frames and offsets from 1, and returns it. The publisher calls it when an
   * event could not be appended at all: a new epoch makes every `since` from before answer
   * `recovered: false` (refetch over REST) instead of silently skipping the lost event. Optional so that
   * older implementations still fit; without it a lost event is only logged.
   */
  reset?(): Promise<string>
  /** Releases what the store holds (not a client the user passed in). */
  close(): Promise<void>
}

/** Where a history is: its epoch and last assigned offset. */
export interface HistoryHead {
  epoch: string
  offset: number
}

/** One stored frame. */
export interface HistoryEntry {
  offset: number
  /** The complete wire frame `{ type, data, timestamp, offset }`. */
  frame: string
}

/** A random epoch id: 16 hex characters. */
export function randomEpoch(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8))
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('')
}

/**
 * Why a `pubsub` without a `history` is refused (here and by createCasino's config): offsets and epochs
 * come from the history, and with one per process each instance sees the others' events under an epoch its
 * own history does not have, and drops them all, saying nothing.
 */
export const UNSHARED_HISTORY = 'a `pubsub` shared by instances needs a `history` they share too (e.g. redisHistory({ client })); without it every instance drops the others\' events'
