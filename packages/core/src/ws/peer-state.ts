import type { Peer } from 'crossws'
import type { Backlog } from './backlog'
import type { BetFilters, Channel } from './protocol'
import type { RoutedEvent } from './route'

/** The part of the `ws` library's socket the fan-out uses directly. */
interface RawSocket {
  send(data: Uint8Array | string, options: { binary: boolean }): void
  readonly bufferedAmount: number
}

/** What the server keeps per connected socket. Kept small: there may be tens of thousands. */
export interface PeerState {
  readonly peer: Peer
  /** The `clientId` sent in `connection.established`: unique across processes. */
  readonly id: string
  /** The `ws` socket under crossws on Node, or null on other runtimes (then `peer.send` is used). */
  readonly raw: RawSocket | null
  readonly ip: string
  /** The authenticated wallet, or null. */
  wallet: string | null
  /** Unix seconds when the token that authenticated `wallet` expires; null when it did not say. */
  tokenExp: number | null
  /** The `jti` of that token, checked for revocation (logout) on every `chat.send`; null when it had none. */
  tokenJti: string | null
  /**
   * Subscribed channels, each followed by its bet filters: `[channel, filters, channel, filters, …]`.
   * A flat array of exact size (replaced, never grown, on subscribe) costs a fraction of a Map per socket.
   */
  subscriptions: (Channel | BetFilters | null)[]
  /** Highest offset sent: what makes delivery exactly-once across replay, live and several channels. */
  lastOffset: number
  /** While a replay is in flight, live events wait here instead of going out (null when live). */
  pending: RoutedEvent[] | null
  /** Bytes of the events in `pending`: past a bound the socket is a slow consumer. */
  pendingBytes: number
  /** How many times the history's epoch changed while this socket was open: a replay spanning one stops. */
  epochChanges: number
  /** Set once `connection.established` was sent: what precedes it is said by it. */
  greeted: boolean
  /**
   * The history's new epoch and where it resumes, when it changed during this socket's replay: told
   * once the replay answers (as `recovered: false`), after `subscribed`. Null otherwise.
   */
  epochNotice: { epoch: string, offset: number } | null
  /** Unix ms of the last frame or pong received, for the idle sweep. */
  lastSeen: number
  /** Set once the socket is being closed: nothing more is sent. */
  closed: boolean
  /** True while a message of this socket is being handled; later ones wait in `backlog`, in order. */
  busy: boolean
  /** Frames waiting for the one being handled, bounded (null when none: no allocation per idle socket). */
  backlog: Backlog | null
}

/**
 * The raw `ws` socket of a crossws Node peer. crossws exposes it only behind a Proxy (`peer.websocket`)
 * whose trap runs on every property access; the fan-out sends to thousands of sockets per event, so it
 * takes the socket itself, once per connection. Falls back to null (and `peer.send`) if the internals differ.
 */
export function rawSocketOf(peer: Peer): RawSocket | null {
  const ws = (peer as unknown as { _internal?: { ws?: unknown } })._internal?.ws as Partial<RawSocket> | undefined
  return ws && typeof ws.send === 'function' && 'bufferedAmount' in ws ? ws as RawSocket : null
}

/** Creates the state of a newly opened socket. */
export function createPeerState(peer: Peer, id: string, ip: string, now: number): PeerState {
  return {
    peer,
    id,
    raw: rawSocketOf(peer),
    ip,
    wallet: null,
    tokenExp: null,
    tokenJti: null,
    subscriptions: [],
    lastOffset: 0,
    pending: null,
    pendingBytes: 0,
    epochChanges: 0,
    greeted: false,
    epochNotice: null,
    lastSeen: now,
    closed: false,
    busy: false,
    backlog: null,
  }
}

/**
 * Lets go of the upgrade request once the socket is open. crossws keeps the Node `IncomingMessage` (a
 * stream with its headers, ~1.5 KB) and a Request proxy for the life of every peer, although after `open`
 * it only needs the address and the context; at tens of thousands of sockets that is most of the memory a
 * connection costs over bare `ws`. Replaced by a stub with the same two fields; a no-op on other runtimes.
 */
export function releaseUpgradeRequest(peer: Peer): void {
  const internal = (peer as unknown as { _internal?: { nodeReq?: { _context?: unknown }, request?: unknown } })._internal
  if (!internal?.nodeReq) return
  // One shared stub: `peer.remoteAddress` and `peer.context` read undefined afterwards (the IP is kept in
  // the state); nothing in crossws's Node adapter reads the request after `open`.
  internal.nodeReq = releasedRequest
  internal.request = undefined
}

const releasedRequest = Object.freeze({ socket: undefined, _context: undefined })

/** The filters of a subscribed channel; undefined when the socket is not subscribed to it. */
export function filtersOf(state: PeerState, channel: Channel): BetFilters | null | undefined {
  const subs = state.subscriptions
  for (let i = 0; i < subs.length; i += 2) if (subs[i] === channel) return subs[i + 1] as BetFilters | null
  return undefined
}

/** The channels a socket is subscribed to. */
export function channelsOf(state: PeerState): Channel[] {
  return state.subscriptions.filter((_, i) => i % 2 === 0) as Channel[]
}

/** The number of bytes queued for a socket and not yet written to the network. */
export function bufferedAmountOf(state: PeerState): number {
  return state.raw ? state.raw.bufferedAmount : state.peer.bufferedAmount
}

/**
 * Resolves true once the socket's queued bytes are down to `bytes`, false when `timeoutMs` passes
 * first or the socket closes. Polled: crossws peers have no drain event, and a replay checks rarely.
 */
export async function bufferBelow(state: PeerState, bytes: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!state.closed && bufferedAmountOf(state) > bytes) {
    if (Date.now() >= deadline) return false
    await new Promise(resolve => setTimeout(resolve, 10))
  }
  return !state.closed
}
