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

  it('reports a malformed wsUrl (ws throws in its constructor) and keeps trying until closed', async () => {
    const { subscription, seen } = track({ wsUrl: 'not a url' })
    await waitFor(() => seen.errors.length >= 3, 10_000, 'repeated attempts')
    subscription.close()
    expect(subscription.active).toBe(false)
  })
})
