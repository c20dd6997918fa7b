import type { Peer } from 'crossws'
import type { BetFilters, Channel } from './protocol'
import { bufferedAmountOf, channelsOf, filtersOf, type PeerState } from './peer-state'
import { matchesFilters, type RoutedEvent } from './route'

/** Close code for a slow consumer: 1013 "Try Again Later" (the client should reconnect with `since`). */
export const SLOW_CONSUMER_CLOSE = 1013

/** Send buffers' worth of live events a socket may have waiting behind its replay. */
const PENDING_BUFFERS = 16

/**
 * The sockets of this process and who listens to what: a channel -> sockets index, so that an event
 * costs one lookup per channel plus one send per interested socket, never a scan of every socket.
 */
export interface Fanout {
  /** Every open socket of this process, by its crossws peer. */
  readonly peers: Map<Peer, PeerState>
  add(state: PeerState): void
  remove(state: PeerState): void
  /** Adds channels (replacing their filters); false when it would pass `maxSubscriptions`, and then nothing changes. */
  subscribe(state: PeerState, channels: Channel[], filters: BetFilters | null): boolean
  unsubscribe(state: PeerState, channels: Channel[]): void
  /** Sends an event to every subscribed socket whose filters it passes, the same bytes to each. */
  deliver(event: RoutedEvent): void
  /**
   * Sends one event to one socket (replay), with the same filters and exactly-once rule as live delivery.
   * `paced`: the caller waits for the buffer to drain instead (a replay is more than one buffer's worth).
   */
  deliverTo(state: PeerState, event: RoutedEvent, paced?: boolean): void
  /**
   * Cuts the socket off as a slow consumer when its buffer is past the limit: after bytes the socket
   * queued by itself (ws answers every ping with a pong, whether the client reads or not).
   */
  check(state: PeerState): void
  /** Cuts the socket off as a slow consumer (1013), whatever its buffer holds now. */
  cutOff(state: PeerState): void
  /**
   * Sends a control message (a reply, an error, a notice: not an event) as JSON, under the same
   * slow-consumer rule as events: a client that sends frames without reading the answers fills its buffer
   * with them as surely as with events.
   */
  reply(state: PeerState, message: { type: string, data?: unknown }): void
}

/** Creates the fan-out. `onSlow` is called once for a socket whose buffer passed `maxBufferedBytes`. */
export function createFanout(options: { maxSubscriptions: number, maxBufferedBytes: number, onSlow: (state: PeerState) => void }): Fanout {
  const peers = new Map<Peer, PeerState>()
  const index = new Map<Channel, Set<PeerState>>()

  // Checked after each send: a consumer that cannot keep up is cut off instead of growing our memory
  // and delaying nobody else (each socket has its own buffer; we never wait for one).
  const cutOff = (state: PeerState) => {
    state.closed = true
    options.onSlow(state)
  }
  const checkBuffer = (state: PeerState) => {
    if (bufferedAmountOf(state) > options.maxBufferedBytes) cutOff(state)
  }

  const send = (state: PeerState, event: RoutedEvent, paced = false) => {
    state.lastOffset = event.offset
    try {
      if (state.raw) state.raw.send(event.bytes, { binary: false })
      else state.peer.send(event.frame)
    }
    catch {
      return
    }
    if (!paced) checkBuffer(state)
  }

  const offer = (state: PeerState, event: RoutedEvent, channel: Channel) => {
    if (state.closed) return
    if (event.bet && !matchesFilters(event, filtersOf(state, channel))) return
    if (state.pending) {
      state.pending.push(event)
      state.pendingBytes += event.bytes.byteLength
      // Live events a slow replay holds back are memory too: past the bound, a slow consumer.
      if (state.pendingBytes > options.maxBufferedBytes * PENDING_BUFFERS) cutOff(state)
      return
    }
    // One socket on `bets` and `player:<w>` hears a bet on both: the offset makes it one frame.
    if (event.offset <= state.lastOffset) return
    send(state, event)
  }

  return {
    peers,
    add(state) {
      peers.set(state.peer, state)
    },
    remove(state) {
      peers.delete(state.peer)
      for (const channel of channelsOf(state)) {
        const set = index.get(channel)
        set?.delete(state)
        if (set?.size === 0) index.delete(channel)
      }
      state.subscriptions = []
    },
    subscribe(state, channels, filters) {
      const kept = channelsOf(state).filter(c => !channels.includes(c))
      if (kept.length + channels.length > options.maxSubscriptions) return false
      // Rebuilt at its exact size: a later subscribe of the same channel replaces its filters.
      const next: PeerState['subscriptions'] = []
      for (const channel of kept) next.push(channel, filtersOf(state, channel)!)
      for (const channel of channels) {
        next.push(channel, filters)
        let set = index.get(channel)
        if (!set) index.set(channel, set = new Set())
        set.add(state)
      }
      state.subscriptions = next.slice()
      return true
    },
    unsubscribe(state, channels) {
      const next: PeerState['subscriptions'] = []
      for (const channel of channelsOf(state)) {
        if (!channels.includes(channel)) {
          next.push(channel, filtersOf(state, channel)!)
          continue
        }
        const set = index.get(channel)
        set?.delete(state)
        if (set?.size === 0) index.delete(channel)
      }
      state.subscriptions = next.slice()
    },
    deliver(event) {
      for (const channel of event.channels) {
        const set = index.get(channel)
        if (!set) continue
        for (const state of set) offer(state, event, channel)
      }
    },
    deliverTo(state, event, paced) {
      if (state.closed || event.offset <= state.lastOffset) return
      for (const channel of event.channels) {
        const filters = filtersOf(state, channel)
        if (filters === undefined) continue
        if (event.bet && !matchesFilters(event, filters)) continue
        send(state, event, paced)
        return
      }
    },
    check(state) {
      if (!state.closed) checkBuffer(state)
    },
    cutOff(state) {
      if (!state.closed) cutOff(state)
    },
    reply(state, message) {
      if (state.closed) return
      try {
        state.peer.send(JSON.stringify(message))
      }
      catch {
        // A socket that broke between the check and the send is cleaned up by its close hook.
        return
      }
      checkBuffer(state)
    },
  }
}
