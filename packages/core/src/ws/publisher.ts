import type { CasinoEventMap, CasinoEvents, CasinoEventType } from '../events'
import type { CasinoLogger } from '../logger'
import type { PubSub } from '../pubsub/types'
import type { HistoryStore } from './history'
import { toEventHead } from './serialize-event'

/** Publishes the events of this process's bus to every process. */
export interface Publisher {
  /** Resolves when every event emitted so far is in the history and handed to the PubSub. */
  flush(): Promise<void>
  /** Stops listening, then flushes. */
  close(): Promise<void>
}

/**
 * Turns each event emitted on this process's `events` bus into one frame: serialised once, given the next
 * offset by the history, then published. Only events emitted HERE are published, and events that arrive
 * from the PubSub are never re-emitted on the bus, so each event is published exactly once: the indexer
 * runs (and emits) on one leader process, a chat message is emitted by the process that received it.
 *
 * Appends are chained so this process publishes in offset order.
 */
export function createPublisher(ctx: {
  events: CasinoEvents
  history: HistoryStore
  pubsub: PubSub
  channel: string
  logger: CasinoLogger
  /** Adds process-local facts to a payload (presence in `stats.updated`). */
  decorate: <T extends CasinoEventType>(type: T, payload: CasinoEventMap[T]) => CasinoEventMap[T]
}): Publisher {
  let chain = Promise.resolve()
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
    chain = chain
      .then(async () => {
        const entry = await ctx.history.append(head, timestamp)
        await ctx.pubsub.publish(ctx.channel, `${entry.epoch} ${entry.frame}`)
      })
      .catch((error: unknown) => {
        // Once in the history, a lost publish is recovered by every instance's gap fill on the next event.
        ctx.logger.warn('could not publish an event', { type, error })
      })
  })
  return {
    flush: () => chain,
    async close() {
      off()
      await chain
    },
  }
}
