import { afterEach, describe, expect, it } from 'vitest'
import { createBacklog } from '../../src/ws/backlog'
import type { HistoryStore } from '../../src/ws/history'
import { memoryHistory } from '../../src/ws/memory-history'
import { startServer, TestClient } from './_harness'

type Server = Awaited<ReturnType<typeof startServer>>
let server: Server | null = null
const clients: TestClient[] = []

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate()
  await server?.close()
  server = null
})

/** A memory history whose `since` waits until `release()`: a handler that awaits as long as the test wants. */
function gatedHistory() {
  const inner = memoryHistory()
  let release!: () => void
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  const history: HistoryStore = {
    head: () => inner.head(),
    append: (head, timestamp) => inner.append(head, timestamp),
    since: async (epoch, after, now) => {
      await gate
      return inner.since(epoch, after, now)
    },
    close: () => inner.close(),
  }
  return { history, release }
}

/** Connects and sends a `subscribe` with `since`, which holds the socket's handler until the gate opens. */
async function holdHandler(options: Parameters<typeof startServer>[0]) {
  const { history, release } = gatedHistory()
  server = await startServer(options, { history })
  const client = await TestClient.connect(server.url)
  clients.push(client)
  const hello = await client.take('connection.established')
  client.send({ type: 'subscribe', channels: ['bets'], since: { epoch: hello.data.epoch, offset: 0 } })
  return { client, release }
}

describe('pending frames of one socket', () => {
  it('closes a socket with 1008 when it floods more frames than maxPendingFrames while a handler awaits', async () => {
    const { client, release } = await holdHandler({ maxPendingFrames: 8 })
    for (let i = 0; i < 50; i++) client.send({ type: 'ping' })
    const closed = await client.closed
    release()
    expect(closed.code).toBe(1008)
    expect(client.received.filter(m => m.type === 'pong')).toEqual([])
  })

  it('closes a socket with 1008 when its waiting frames pass maxPendingBytes', async () => {
    const { client, release } = await holdHandler({ maxPendingBytes: 4096 })
    const padded = JSON.stringify({ type: 'ping', pad: 'x'.repeat(1000) })
    for (let i = 0; i < 6; i++) client.send(padded)
    const closed = await client.closed
    release()
    expect(closed.code).toBe(1008)
  })

  it('answers every frame, in order, when the backlog stays within the bounds', async () => {
    const { client, release } = await holdHandler({ maxPendingFrames: 8 })
    for (let i = 0; i < 8; i++) client.send({ type: i % 2 ? 'ping' : 'unsubscribe', channels: ['jackpots'] })
    // The frames are queued behind the held subscribe; only then does the handler finish.
    await new Promise(resolve => setTimeout(resolve, 50))
    release()
    expect((await client.take('subscribed')).data.recovered).toBe(true)
    for (let i = 0; i < 8; i++) await client.take(i % 2 ? 'pong' : 'unsubscribed')
    const order = client.received.filter(m => m.type === 'pong' || m.type === 'unsubscribed').map(m => m.type)
    expect(order).toEqual(Array.from({ length: 8 }, (_, i) => (i % 2 ? 'pong' : 'unsubscribed')))
    expect(client.ws.readyState).toBe(client.ws.OPEN)
  })
})

describe('createBacklog', () => {
  it('gives frames back in order across compactions, and refuses past either bound', () => {
    const backlog = createBacklog(4, 100)
    const out: string[] = []
    let n = 0
    for (let round = 0; round < 50; round++) {
      while (backlog.push(String(n), 10)) n++
      expect(backlog.size).toBe(4)
      out.push(backlog.take()!, backlog.take()!)
    }
    while (backlog.size) out.push(backlog.take()!)
    expect(out).toEqual(Array.from({ length: n }, (_, i) => String(i)))
    expect(backlog.take()).toBeUndefined()
    expect(backlog.bytes).toBe(0)
    expect(backlog.push('big', 101)).toBe(false)
    expect(backlog.push('fits', 100)).toBe(true)
    expect(backlog.push('one more byte', 1)).toBe(false)
  })
})
