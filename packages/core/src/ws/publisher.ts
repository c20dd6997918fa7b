import type { CasinoEventMap, CasinoEvents, CasinoEventType } from '../events'
import type { CasinoLogger } from '../logger'
import type { PubSub } from '../pubsub/types'
import { type HistoryStore, randomEpoch } from './history'
import { toEventHead } from './serialize-event'

/** Publishes the events of this process's bus to every process. */
export interface Publisher {
  /** Resolves when every event emitted so far is in the history and handed to the PubSub (or given up). */
  flush(): Promise<void>
  /** Stops listening, then flushes (retrying no longer waits). */
  close(): Promise<void>
}

/** How the publisher retries a failed history append. */
export interface PublisherRetry {
  /** Attempts after the first. @default 8 */
  retries: number
  /** Milliseconds before the first retry, doubled each time up to `maxDelay`. @default 100 */
  delay: number
  /** @default 5000 */
  maxDelay: number
  /** Events waiting to be appended; past it the oldest is given up (and the epoch bumped). @default 10_000 */
  maxQueue: number
}

interface Pending {
  type: CasinoEventType
  head: string
  timestamp: number
  /** Unique to this event across processes: an append sent twice (a lost reply) stores it once. */
  id: string
}

/**
 * Turns each event emitted on this process's `events` bus into one frame: serialised once, given the next
 * offset by the history, then published. Only events emitted HERE are published, and events that arrive
 * from the PubSub are never re-emitted on the bus, so each event is published exactly once: the indexer
 * runs (and emits) on one leader process, a chat message is emitted by the process that received it.
 *
 * Events wait in one bounded queue and are appended one at a time, so this process publishes in offset
 * order. An append that fails (a Redis blip) is retried with backoff while later events wait behind it.
 * An event that still cannot be appended is given up, and the history is moved to a new epoch before the
 * next append: the epoch, not a silent gap, then tells every client that `since` cannot recover it.
 */
export function createPublisher(ctx: {
  events: CasinoEvents
  history: HistoryStore
  pubsub: PubSub
  channel: string
  logger: CasinoLogger
  /** Adds process-local facts to a payload (presence in `stats.updated`). */
  decorate: <T extends CasinoEventType>(type: T, payload: CasinoEventMap[T]) => CasinoEventMap[T]
  retry?: Partial<PublisherRetry>
}): Publisher {
  const retry: PublisherRetry = { retries: 8, delay: 100, maxDelay: 5000, maxQueue: 10_000, ...ctx.retry }
  // Event ids: this publisher's random prefix and a counter.
  const publisherId = randomEpoch()
  let eventSeq = 0
  // A moving index over an array, compacted when half read: O(1) per event, order preserved.
  let queue: Pending[] = []
  let next = 0
  /** Events given up since the last epoch bump. */
  let lost = 0
  let running: Promise<void> | null = null
  let closing = false
  let wake: (() => void) | null = null

  const sleep = (ms: number) => new Promise<void>((resolve) => {
    if (closing) return resolve()
    const timer = setTimeout(() => {
      wake = null
      resolve()
    }, ms)
    wake = () => {
      clearTimeout(timer)
      wake = null
      resolve()
    }
  })

  /** Runs `fn` until it succeeds or the retries are spent (at once when closing); throws the last error. */
  const withRetry = async <T>(fn: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn()
      }
      catch (error) {
        if (attempt >= retry.retries || closing) throw error
        ctx.logger.warn('event history unavailable, retrying', { attempt: attempt + 1, error })
        await sleep(Math.min(retry.delay * 2 ** attempt, retry.maxDelay))
      }
    }
  }

  /** After a lost event: a new epoch before anything else is appended, so no `since` skips over it. */
  const bumpEpoch = async () => {
    if (!ctx.history.reset) {
      ctx.logger.error('events lost and the history cannot start a new epoch; clients resuming with since miss them', { lost })
      lost = 0
      return
    }
    const epoch = await withRetry(() => ctx.history.reset!())
    ctx.logger.warn('event history moved to a new epoch after lost events', { epoch, lost })
    lost = 0
  }

  const publishOne = async (item: Pending) => {
    const entry = await withRetry(() => ctx.history.append(item.head, item.timestamp, item.id))
    try {
      await ctx.pubsub.publish(ctx.channel, `${entry.epoch} ${entry.frame}`)
    }
    catch (error) {
      // Once in the history, a lost publish is recovered by every instance's gap fill on the next event.
      ctx.logger.warn('could not publish an event', { type: item.type, error })
    }
  }

  const drain = async () => {
    while (next < queue.length) {
      if (lost > 0) {
        try {
          await bumpEpoch()
        }
        catch (error) {
          // The history is down for good: give up what waits rather than append it into the old epoch.
          ctx.logger.error('could not start a new event epoch; dropping waiting events', { waiting: queue.length - next, error })
          lost += queue.length - next
          queue = []
          next = 0
          break
        }
      }
      const item = queue[next]!
      try {
        await publishOne(item)
      }
      catch (error) {
        lost++
        ctx.logger.error('event lost: the history refused it after retries', { type: item.type, error })
      }
      next++
      if (next === queue.length) {
        queue = []
        next = 0
      }
      else if (next > 1024 && next * 2 > queue.length) {
        queue = queue.slice(next)
        next = 0
      }
    }
  }

  const start = () => {
    running ??= drain().finally(() => {
      running = null
      // An event queued after the loop's last check.
      if (next < queue.length) start()
    })
  }

  const off = ctx.events.onAny((type, payload) => {
    const timestamp = Date.now()
    let head: string
    try {
      // Serialised now, synchronously: the frame shows the payload as it was when emitted.
      head = toEventHead(type, ctx.decorate(type, payload), timestamp)
    }
    catch (error) {
      ctx.logger.error('could not serialise an event', { type, error })
      return
    }
    if (queue.length - next >= retry.maxQueue) {
      // The history has been down long enough to fill the queue: the oldest waiting event is given up. The
      // one at `next` is being appended right now and stays where the loop expects it.
      const drop = next + 1
      if (drop < queue.length) {
        if (lost === 0) ctx.logger.error('event queue full while the history is down; dropping the oldest waiting events', { maxQueue: retry.maxQueue })
        queue.splice(drop, 1)
        lost++
      }
    }
    queue.push({ type, head, timestamp, id: `${publisherId}:${++eventSeq}` })
    start()
  })

  const flush = async () => {
    while (running) await running
  }
  return {
    flush,
    async close() {
      off()
      closing = true
      wake?.()
      await flush()
    },
  }
}
