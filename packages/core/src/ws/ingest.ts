import type { CasinoLogger } from '../logger'
import type { Fanout } from './fanout'
import type { HistoryStore } from './history'
import { routeFrame } from './route'

/** This process's view of the shared event stream: the epoch and the last offset it delivered. */
export interface Ingest {
  readonly epoch: string
  readonly offset: number
  /** Loads the epoch and offset from the history; call before accepting sockets. */
  init(): Promise<void>
  /** Handles one PubSub message `<epoch> <frame>`. Never throws. */
  handle(message: string): void
}

/**
 * Delivers the events of the PubSub channel to this process's sockets in offset order, each once.
 *
 * PubSub gives no guarantee that two publishers' messages arrive in offset order, nor that none is lost
 * (a Redis reconnect drops messages). Since every event is in the history BEFORE it is published, a jump
 * in offsets is filled from the history, and an offset already delivered is ignored: every process
 * delivers the same gap-free sequence, which is what lets a client resume on any instance.
 */
export function createIngest(ctx: {
  history: HistoryStore
  fanout: Fanout
  logger: CasinoLogger
  /**
   * Told when the shared history moved to a new epoch while this process was delivering, before any of
   * its events: `offset` (0) is where a client resumes from in it.
   */
  onEpochChange?: (epoch: string, offset: number) => void
}): Ingest {
  let epoch = ''
  let last = 0
  let filling = false
  const held: string[] = []
  /** Epochs this process moved on from, or found not current (the last 16). */
  const left = new Set<string>()

  const process = (message: string) => {
    const space = message.indexOf(' ')
    const messageEpoch = message.slice(0, space)
    const event = routeFrame(message.slice(space + 1))
    if (space <= 0 || !event) {
      ctx.logger.warn('dropped a malformed event message', { length: message.length })
      return
    }
    if (messageEpoch !== epoch) {
      // A message of an epoch this process already left or found dead: in no history a client can resume from.
      if (left.has(messageEpoch)) return
      // Another epoch: the history was reset (e.g. Redis lost it), or this is a late message of an older
      // one (two publishers racing resets, or one from before this process read the head). The history's
      // head says which; messages wait meanwhile, as during a gap fill.
      held.push(message)
      void settleEpoch(messageEpoch)
      return
    }
    if (event.offset <= last) return
    if (event.offset > last + 1) {
      held.push(message)
      void fill(event.offset)
      return
    }
    last = event.offset
    ctx.fanout.deliver(event)
  }

  /** Moves to the history's current epoch when `candidate` may be it; `candidate` is dead otherwise. */
  const settleEpoch = async (candidate: string) => {
    filling = true
    let current = candidate
    try {
      current = (await ctx.history.head()).epoch
    }
    catch (error) {
      // Without the head, the message is believed: a reset is what an unknown epoch usually is.
      ctx.logger.warn('could not read the event history head; following the newest message', { error })
    }
    if (current !== candidate) forget(candidate)
    if (current !== epoch) {
      ctx.logger.info('event history epoch changed', { from: epoch, to: current })
      const changed = epoch !== ''
      forget(epoch)
      epoch = current
      // From the new epoch's start: events before the first one seen here are filled from the history,
      // like any other gap.
      last = 0
      for (const state of ctx.fanout.peers.values()) state.lastOffset = 0
      if (changed) ctx.onEpochChange?.(epoch, 0)
    }
    release()
  }

  /** Ends a wait (epoch or gap): the messages held meanwhile go through, until one starts another wait. */
  const release = () => {
    filling = false
    for (const message of held.splice(0)) {
      if (filling) held.push(message)
      else process(message)
    }
  }

  const forget = (dead: string) => {
    if (!dead) return
    left.add(dead)
    if (left.size > 16) left.delete(left.values().next().value!)
  }

  const fill = async (target: number) => {
    filling = true
    try {
      const entries = await ctx.history.since(epoch, last, Date.now())
      for (const entry of entries ?? []) {
        if (entry.offset <= last || entry.offset >= target) continue
        const event = routeFrame(entry.frame)
        last = entry.offset
        if (event) ctx.fanout.deliver(event)
      }
    }
    catch (error) {
      ctx.logger.warn('could not fill a gap in the event stream from history', { error })
    }
    if (last < target - 1) {
      ctx.logger.warn('events missed by this instance; clients can refetch them', { from: last + 1, to: target - 1 })
      last = target - 1
    }
    release()
  }

  return {
    get epoch() {
      return epoch
    },
    get offset() {
      return last
    },
    async init() {
      const head = await ctx.history.head()
      epoch = head.epoch
      last = head.offset
    },
    handle(message) {
      if (filling) {
        held.push(message)
        return
      }
      try {
        process(message)
      }
      catch (error) {
        ctx.logger.error('event delivery failed', { error })
      }
    },
  }
}
