import { createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { type LogsSubscription, subscribeLogs, type SubscribeLogsOptions, type WebSocketConstructor } from '../../src/solana/rpc-subscribe'
import { waitFor } from '../indexer/helpers'

/** A logsSubscribe endpoint that accepts every subscription and sends one notification. */
function logsServer(port: number): Promise<WebSocketServer> {
  return new Promise((resolve, reject) => {
    const server: WebSocketServer = new WebSocketServer({ port, host: '127.0.0.1' }, () => resolve(server))
    server.on('error', reject)
    server.on('connection', (socket: WebSocket) => {
      socket.on('message', (data: unknown) => {
        const request = JSON.parse(String(data)) as { id: number }
        socket.send(JSON.stringify({ jsonrpc: '2.0', id: request.id, result: 7 }))
        socket.send(JSON.stringify({
          jsonrpc: '2.0', method: 'logsNotification',
          params: { subscription: 7, result: { context: { slot: 42 }, value: { signature: 'sig', err: null, logs: [] } } },
        }))
      })
    })
  })
}

/** A port nothing listens on (taken, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resolve(port))
    })
  })
}

const open: { close(): void }[] = []
afterEach(() => {
  for (const c of open.splice(0)) c.close()
})

/**
 * A logsSubscribe endpoint whose first `refusals` subscriptions are refused (-32005, as a node out of
 * subscription slots answers) and the next `silences` never answered; then it accepts. `connections()`
 * counts the sockets it was given.
 */
function moodyServer(port: number, refusals: number, silences: number) {
  let connections = 0
  let asked = 0
  const server = new WebSocketServer({ port, host: '127.0.0.1' })
  server.on('connection', (socket: WebSocket) => {
    connections++
    socket.on('message', (data: unknown) => {
      const request = JSON.parse(String(data)) as { id: number }
      asked++
      if (asked <= refusals) socket.send(JSON.stringify({ jsonrpc: '2.0', id: request.id, error: { code: -32005, message: 'Node is behind' } }))
      else if (asked > refusals + silences) socket.send(JSON.stringify({ jsonrpc: '2.0', id: request.id, result: 7 }))
    })
  })
  return { server, connections: () => connections }
}

function track(options: Partial<SubscribeLogsOptions> & { wsUrl: string }) {
  const seen = { subscribed: 0, notifications: [] as string[], errors: [] as unknown[] }
  const subscription: LogsSubscription = subscribeLogs({
    mentions: 'Vault111111111111111111111111111111111111111',
    reconnectDelay: 10,
    onSubscribed: () => seen.subscribed++,
    onNotification: n => seen.notifications.push(n.signature),
    onError: error => seen.errors.push(error),
    wsUrl: options.wsUrl,
    ...(options.loadWebSocket ? { loadWebSocket: options.loadWebSocket } : {}),
    ...(options.subscribeTimeout ? { subscribeTimeout: options.subscribeTimeout } : {}),
    ...(options.idleTimeout ? { idleTimeout: options.idleTimeout } : {}),
  })
  open.push(subscription)
  return { subscription, seen }
}

describe('subscribeLogs', () => {
  it('keeps retrying an unreachable wsUrl and subscribes once it is reachable', async () => {
    const port = await freePort()
    const { subscription, seen } = track({ wsUrl: `ws://127.0.0.1:${port}` })
    await waitFor(() => seen.errors.length >= 2, 10_000, 'failed attempts')
    expect(subscription.active).toBe(false)
    const server = await logsServer(port)
    open.push(server)
    await waitFor(() => subscription.active, 10_000, 'the subscription')
    expect(seen.subscribed).toBe(1)
  })

  it('retries when loading the WebSocket class fails, then subscribes', async () => {
    const port = await freePort()
    const server = await logsServer(port)
    open.push(server)
    let loads = 0
    const { subscription, seen } = track({
      wsUrl: `ws://127.0.0.1:${port}`,
      loadWebSocket: async () => {
        if (++loads <= 2) throw new Error('Cannot find package \'ws\' (injected)')
        return WebSocket as unknown as WebSocketConstructor
      },
    })
    await waitFor(() => subscription.active, 10_000, 'the subscription')
    expect(loads).toBe(3)
    expect(seen.errors).toHaveLength(2)
    await waitFor(() => seen.notifications.length > 0, 10_000, 'a notification')
  })

  it('retries when the WebSocket constructor throws synchronously, without an unhandled rejection', async () => {
    const port = await freePort()
    const server = await logsServer(port)
    open.push(server)
    let constructed = 0
    // Like `new WebSocket('not a url')`: a SyntaxError thrown by the constructor itself.
    const Flaky = function (this: unknown, url: string) {
      if (++constructed === 1) throw new SyntaxError(`Invalid URL: ${url} (injected)`)
      return new WebSocket(url)
    } as unknown as WebSocketConstructor
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason)
    }
    process.on('unhandledRejection', onUnhandled)
    try {
      const { subscription, seen } = track({ wsUrl: `ws://127.0.0.1:${port}`, loadWebSocket: async () => Flaky })
      await waitFor(() => subscription.active, 10_000, 'the subscription')
      expect(constructed).toBe(2)
      expect(seen.errors).toEqual([expect.any(SyntaxError)])
      expect(unhandled).toEqual([])
    }
    finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  it('tries again on a new socket when the subscription is refused or never confirmed', async () => {
    // Before, the socket stayed open unsubscribed for good: no live notification, `subscribed` false.
    const port = await freePort()
    const moody = moodyServer(port, 1, 1)
    try {
      const { subscription, seen } = track({ wsUrl: `ws://127.0.0.1:${port}`, subscribeTimeout: 200 })
      await waitFor(() => subscription.active, 10_000, 'a subscription')
      expect(moody.connections()).toBe(3)
      expect(seen.errors.map(e => (e as Error).message)).toEqual(['logsSubscribe refused: Node is behind', 'logsSubscribe not confirmed within 200 ms'])
      expect(seen.subscribed).toBe(1)
    }
    finally {
      moody.server.close()
    }
  })

  it('hears nothing once closed, not even frames already on their way', async () => {
    const port = await freePort()
    const server = new WebSocketServer({ port, host: '127.0.0.1' })
    let socket: WebSocket | undefined
    server.on('connection', (s: WebSocket) => {
      socket = s
      s.on('message', (data: unknown) => s.send(JSON.stringify({ jsonrpc: '2.0', id: (JSON.parse(String(data)) as { id: number }).id, result: 7 })))
    })
    try {
      const { subscription, seen } = track({ wsUrl: `ws://127.0.0.1:${port}` })
      await waitFor(() => subscription.active, 10_000, 'a subscription')
      const notification = (signature: string) => JSON.stringify({
        jsonrpc: '2.0', method: 'logsNotification',
        params: { subscription: 7, result: { context: { slot: 42 }, value: { signature, err: null, logs: [] } } },
      })
      socket!.send(notification('before'))
      await waitFor(() => seen.notifications.length === 1, 5000, 'the first notification')
      // Sent, then the subscription closed before they arrive: a stopped indexer must not act on them.
      for (let i = 0; i < 5; i++) socket!.send(notification(`late-${i}`))
      subscription.close()
      await new Promise(resolve => setTimeout(resolve, 200))
      expect(seen.notifications).toEqual(['before'])
    }
    finally {
      server.close()
    }
  })

  it('reports a malformed wsUrl (ws throws in its constructor) and keeps trying until closed', async () => {
    const { subscription, seen } = track({ wsUrl: 'not a url' })
    await waitFor(() => seen.errors.length >= 3, 10_000, 'repeated attempts')
    subscription.close()
    expect(subscription.active).toBe(false)
  })
})

/**
 * A node that confirms both subscriptions, then, per `mode`: sends a slot notification every 30 ms
 * (`'slots'`), or goes silent and stops reading its socket, as a peer behind a connection a NAT forgot
 * (`'silent'`), or refuses slotSubscribe (`'no-slots'`). Counts the sockets it was given.
 */
function heartbeatServer(port: number, mode: 'slots' | 'silent' | 'no-slots') {
  let connections = 0
  const asked: string[] = []
  const timers: ReturnType<typeof setInterval>[] = []
  const server = new WebSocketServer({ port, host: '127.0.0.1' })
  server.on('connection', (socket: WebSocket) => {
    const index = ++connections
    socket.on('message', (data: unknown) => {
      const request = JSON.parse(String(data)) as { id: number, method: string }
      asked.push(`${index}:${request.method}`)
      if (request.method === 'slotSubscribe' && mode === 'no-slots') {
        socket.send(JSON.stringify({ jsonrpc: '2.0', id: request.id, error: { code: -32601, message: 'Method not found' } }))
        return
      }
      socket.send(JSON.stringify({ jsonrpc: '2.0', id: request.id, result: index }))
      if (request.method !== 'slotSubscribe') return
      if (mode === 'slots') {
        let slot = 1
        timers.push(setInterval(() => socket.send(JSON.stringify({ jsonrpc: '2.0', method: 'slotNotification', params: { result: { slot: ++slot, parent: slot - 1, root: slot - 2 }, subscription: index } })), 30))
      }
      // Only the first connection dies: the next one must be subscribed for good.
      if (mode === 'silent' && index === 1) (socket as unknown as { _socket: { pause(): void } })._socket.pause()
    })
  })
  return {
    connections: () => connections,
    asked,
    close() {
      for (const t of timers) clearInterval(t)
      for (const client of server.clients) client.terminate()
      server.close()
    },
  }
}

describe('subscribeLogs on a connection that dies without closing', () => {
  it('takes a socket silent for idleTimeout for dead and subscribes on a new one at once', async () => {
    // Before, a confirmed subscription whose connection went silent was kept for good: `active` stayed
    // true, and no notification ever came again.
    const port = await freePort()
    const node = heartbeatServer(port, 'silent')
    try {
      const { subscription, seen } = track({ wsUrl: `ws://127.0.0.1:${port}`, idleTimeout: 300 })
      await waitFor(() => seen.subscribed === 2, 5_000, 'a second subscription')
      expect(node.connections()).toBe(2)
      expect(subscription.active).toBe(true)
      expect(seen.errors.map(e => (e as Error).message)).toEqual(['no message for 300 ms: the connection is taken for dead'])
      expect(node.asked).toEqual(['1:logsSubscribe', '1:slotSubscribe', '2:logsSubscribe', '2:slotSubscribe'])
    }
    finally {
      node.close()
    }
  })

  it('keeps a socket whose slot notifications keep coming, however quiet the program', async () => {
    const port = await freePort()
    const node = heartbeatServer(port, 'slots')
    try {
      const { subscription, seen } = track({ wsUrl: `ws://127.0.0.1:${port}`, idleTimeout: 200 })
      await waitFor(() => subscription.active, 5_000, 'a subscription')
      await new Promise(resolve => setTimeout(resolve, 1_000))
      expect(node.connections()).toBe(1)
      expect(seen.subscribed).toBe(1)
      expect(seen.errors).toEqual([])
    }
    finally {
      node.close()
    }
  })

  it('does not watch for silence on a node that refuses slotSubscribe, and says so', async () => {
    const port = await freePort()
    const node = heartbeatServer(port, 'no-slots')
    try {
      const { subscription, seen } = track({ wsUrl: `ws://127.0.0.1:${port}`, idleTimeout: 200 })
      await waitFor(() => seen.errors.length === 1, 5_000, 'the refusal reported')
      await new Promise(resolve => setTimeout(resolve, 800))
      expect(node.connections()).toBe(1)
      expect(subscription.active).toBe(true)
      expect(seen.errors.map(e => (e as Error).message)).toEqual(['slotSubscribe refused (Method not found): a silent connection will not be noticed'])
    }
    finally {
      node.close()
    }
  })
})
