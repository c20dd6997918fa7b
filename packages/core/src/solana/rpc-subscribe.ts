/**
 * `logsSubscribe` over WebSocket, kept open: reconnects with backoff and resubscribes after a drop.
 * Uses the global `WebSocket` where the runtime has one (Node ≥ 22, Bun, Deno, workers) and otherwise
 * the `ws` package, imported only when needed so that core does not require it.
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

/** Subscribes to the logs of transactions that mention an address. */
export function subscribeLogs(options: SubscribeLogsOptions): LogsSubscription {
  const baseDelay = options.reconnectDelay ?? 500
  let delay = baseDelay
  let closed = false
  let active = false
  let socket: SocketLike | undefined
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
    /** A subscription refused or never confirmed: this socket is given up, and onclose tries a new one. */
    const giveUp = (error: Error): void => {
      options.onError?.(error)
      ws.close()
    }
    ws.onopen = () => {
      ws.send(JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'logsSubscribe',
        params: [{ mentions: [options.mentions] }, { commitment: options.commitment ?? 'confirmed' }],
      }))
      const ms = options.subscribeTimeout ?? 10_000
      confirmTimer = setTimeout(() => giveUp(new Error(`logsSubscribe not confirmed within ${ms} ms`)), ms)
    }
    ws.onmessage = (event) => {
      // Frames already on their way when the socket was closed (or replaced) belong to no subscription.
      if (closed || socket !== ws) return
      let message: { id?: number, result?: unknown, error?: { message: string }, method?: string, params?: { result?: { context?: { slot?: number }, value?: { signature?: string, err?: unknown, logs?: string[] } } } }
      try {
        message = JSON.parse(typeof event.data === 'string' ? event.data : String(event.data))
      }
      catch {
        return
      }
      if (message.id === 1) {
        clearTimeout(confirmTimer)
        if (message.error) {
          // Refused (too many subscriptions, a node starting): asked again on a new socket, after the backoff.
          giveUp(new Error(`logsSubscribe refused: ${message.error.message}`))
          return
        }
        active = true
        delay = baseDelay
        options.onSubscribed?.()
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
      clearTimeout(confirmTimer)
      active = false
      if (socket === ws) socket = undefined
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
      socket?.close()
      socket = undefined
    },
  }
}
