/**
 * `logsSubscribe` over WebSocket, kept open: reconnects with backoff and resubscribes after a drop.
 * Uses the global `WebSocket` where the runtime has one (Node ≥ 22, Bun, Deno, workers) and otherwise
 * the `ws` package, imported only when needed so that core does not require it.
 *
 * A connection can die without closing: a NAT or load balancer that forgets it, a node that hangs. No
 * frame arrives then, and a program with no transaction for a while looks the same. So once subscribed,
 * the socket also takes `slotSubscribe`, whose notification a node sends every slot (~400 ms): a socket
 * silent for `idleTimeout` is taken for dead and replaced. The WebSocket API has no ping a browser-style
 * client can send, and a slot notification is what every Solana node serves.
 */

/** One `logsNotification`. */
export interface LogsNotification {
  signature: string
  err: unknown
  logs: string[]
  slot: number
}

/** Options of {@link subscribeLogs}. */
export interface SubscribeLogsOptions {
  wsUrl: string
  /** The `mentions` filter: one base58 address. */
  mentions: string
  /** @default 'confirmed' */
  commitment?: 'confirmed' | 'finalized' | 'processed'
  onNotification: (notification: LogsNotification) => void
  /** Each time the subscription is (re)established, e.g. to catch up on what a drop missed. */
  onSubscribed?: () => void
  /** Connection problems, for logging; the subscription keeps retrying. */
  onError?: (error: unknown) => void
  /** First reconnect delay in ms, doubled up to 30 s. @default 500 */
  reconnectDelay?: number
  /**
   * How long the node may take to confirm the subscription, in ms; past it, or on a refusal, the socket is
   * closed and the subscription tried again on a new one (with the reconnect backoff). @default 10000
   */
  subscribeTimeout?: number
  /**
   * How long a subscribed socket may stay silent, in ms, before it is taken for dead and replaced (its
   * slot notifications keep it talking; see the module's comment). A node that refuses `slotSubscribe`
   * is not watched (reported through `onError`). @default 15000
   */
  idleTimeout?: number
  /** Where the WebSocket class comes from (tests). @default {@link loadWebSocket} */
  loadWebSocket?: () => Promise<WebSocketConstructor>
}

/** A live subscription. */
export interface LogsSubscription {
  /** True while subscribed. */
  readonly active: boolean
  close(): void
}

/** The subset of the WebSocket API used here, common to the global one and `ws`. */
export interface SocketLike {
  readyState: number
  send(data: string): void
  close(): void
  /** Ends the connection at once, without the closing handshake a dead peer never answers (`ws` has it). */
  terminate?(): void
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: unknown) => void) | null
  onerror: ((event: unknown) => void) | null
}

/** A WebSocket class: the global one, `ws`'s, or any with the same shape. */
export type WebSocketConstructor = new (url: string) => SocketLike

let socketConstructor: Promise<WebSocketConstructor> | undefined

/** The global WebSocket, or `ws`'s. */
export function loadWebSocket(): Promise<WebSocketConstructor> {
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
  if (global) return Promise.resolve(global)
  // A variable specifier keeps bundlers from inlining `ws` into builds that never need it.
  const name = 'ws'
  return socketConstructor ??= import(/* @vite-ignore */ name).then((m: { default?: WebSocketConstructor, WebSocket?: WebSocketConstructor }) => {
    const ctor = m.WebSocket ?? m.default
    if (!ctor) throw new Error('no WebSocket: install the `ws` package or run on a runtime with a global WebSocket')
    return ctor
  }).catch((error: unknown) => {
    socketConstructor = undefined // not cached: the next attempt tries again
    throw error
  })
}

/** The request ids of this module's two subscriptions on a socket. */
const LOGS_REQUEST = 1
const SLOTS_REQUEST = 2

/** Subscribes to the logs of transactions that mention an address. */
export function subscribeLogs(options: SubscribeLogsOptions): LogsSubscription {
  const baseDelay = options.reconnectDelay ?? 500
  const idleMs = options.idleTimeout ?? 15_000
  let delay = baseDelay
  let closed = false
  let active = false
  let socket: SocketLike | undefined
  /** Clears the current socket's confirmation and silence timers. */
  let stopSocketTimers = (): void => {}
  let timer: ReturnType<typeof setTimeout> | undefined

  const load = options.loadWebSocket ?? loadWebSocket

  /** The next attempt, after a delay that doubles up to 30 s. */
  const reconnect = (): void => {
    if (closed) return
    timer = setTimeout(() => void connect(), delay)
    delay = Math.min(delay * 2, 30_000)
  }

  /** One attempt. Never rejects: a failure to load `ws` or to construct the socket is retried like a drop. */
  const connect = async (): Promise<void> => {
    let ws: SocketLike
    try {
      const Ctor = await load()
      if (closed) return
      ws = new Ctor(options.wsUrl) // throws synchronously on a malformed URL
    }
    catch (error) {
      options.onError?.(error)
      reconnect()
      return
    }
    socket = ws
    let confirmTimer: ReturnType<typeof setTimeout> | undefined
    let idleTimer: ReturnType<typeof setTimeout> | undefined
    let watched = false
    const stopTimers = (): void => {
      clearTimeout(confirmTimer)
      clearTimeout(idleTimer)
    }
    stopSocketTimers = stopTimers
    /**
     * This socket is done: forgotten at once and the next attempt scheduled (once: its `onclose`, which
     * a dead peer may delay by the closing handshake's timeout, does nothing more).
     */
    const drop = (error: Error): void => {
      if (socket !== ws) return
      options.onError?.(error)
      stopTimers()
      socket = undefined
      active = false
      reconnect()
      if (ws.terminate) ws.terminate()
      else ws.close()
    }
    /** Restarts the silence countdown (every frame does, once the slot notifications are on). */
    const heard = (): void => {
      if (!watched) return
      clearTimeout(idleTimer)
      idleTimer = setTimeout(() => drop(new Error(`no message for ${idleMs} ms: the connection is taken for dead`)), idleMs)
    }
    ws.onopen = () => {
      ws.send(JSON.stringify({
        jsonrpc: '2.0',
        id: LOGS_REQUEST,
        method: 'logsSubscribe',
        params: [{ mentions: [options.mentions] }, { commitment: options.commitment ?? 'confirmed' }],
      }))
      const ms = options.subscribeTimeout ?? 10_000
      confirmTimer = setTimeout(() => drop(new Error(`logsSubscribe not confirmed within ${ms} ms`)), ms)
    }
    ws.onmessage = (event) => {
      // Frames already on their way when the socket was closed (or replaced) belong to no subscription.
      if (closed || socket !== ws) return
      heard()
      let message: { id?: number, result?: unknown, error?: { message: string }, method?: string, params?: { result?: { context?: { slot?: number }, value?: { signature?: string, err?: unknown, logs?: string[] } } } }
      try {
        message = JSON.parse(typeof event.data === 'string' ? event.data : String(event.data))
      }
      catch {
        return
      }
      if (message.id === LOGS_REQUEST) {
        clearTimeout(confirmTimer)
        if (message.error) {
          // Refused (too many subscriptions, a node starting): asked again on a new socket, after the backoff.
          drop(new Error(`logsSubscribe refused: ${message.error.message}`))
          return
        }
        active = true
        delay = baseDelay
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: SLOTS_REQUEST, method: 'slotSubscribe' }))
        // Watched from now on: the answer to slotSubscribe is due within the same window as any frame.
        watched = true
        heard()
        options.onSubscribed?.()
        return
      }
      if (message.id === SLOTS_REQUEST && message.error) {
        // Without slot notifications silence says nothing: a quiet program would be taken for a dead socket.
        watched = false
        clearTimeout(idleTimer)
        options.onError?.(new Error(`slotSubscribe refused (${message.error.message}): a silent connection will not be noticed`))
        return
      }
      const value = message.params?.result?.value
      if (message.method === 'logsNotification' && value?.signature) {
        options.onNotification({
          signature: value.signature,
          err: value.err ?? null,
          logs: value.logs ?? [],
          slot: message.params?.result?.context?.slot ?? 0,
        })
      }
    }
    ws.onerror = (event) => {
      options.onError?.((event as { error?: unknown })?.error ?? new Error('WebSocket error'))
    }
    ws.onclose = () => {
      stopTimers()
      // A socket already dropped has its next attempt scheduled.
      if (socket !== ws) return
      socket = undefined
      active = false
      reconnect()
    }
  }

  void connect()
  return {
    get active() {
      return active
    },
    close() {
      closed = true
      active = false
      if (timer) clearTimeout(timer)
      stopSocketTimers()
      const last = socket
      socket = undefined
      last?.close()
    },
  }
}
