import type { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { HistoryStore } from '../../src/ws/history'
import { memoryHistory } from '../../src/ws/memory-history'
import { makeBet, startServer, TestClient } from './_harness'

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))
/** The client's TCP socket: pausing it makes the client stop reading, as a frozen or vanished one does. */
const tcpOf = (client: TestClient) => (client.ws as unknown as { _socket: Socket })._socket

/** A client that stops reading as soon as its upgrade is answered: it never sees the server's first frame. */
async function deafClient(url: string): Promise<TestClient> {
  const ws = new WebSocket(url)
  ws.once('upgrade', response => response.socket.pause())
  const client = new TestClient(ws)
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return client
}

describe('clients that stop reading', () => {
  it('do not hold close() for the 30 s ws waits for a closing handshake', async () => {
    const s = await startServer()
    const client = await TestClient.connect(s.url)
    await client.take('connection.established')
    tcpOf(client).pause()
    const t0 = Date.now()
    await s.realtime.close()
    // One grace period (1 s), not ws's 30 s closing timeout.
    expect(Date.now() - t0).toBeLessThan(3000)
    await expect.poll(() => s.realtime.clients(), { timeout: 500 }).toBe(0)
    tcpOf(client).destroy()
    await s.close()
  })

  it('are cut when refused by the per-IP cap and ignoring the close, so one IP cannot hold more', async () => {
    const s = await startServer({ maxConnectionsPerIp: 2 })
    const clients: TestClient[] = []
    for (let i = 0; i < 12; i++) clients.push(await deafClient(s.url))
    const connections = () => new Promise<number>((resolve, reject) => s.server.getConnections((error, n) => (error ? reject(error) : resolve(n))))
    expect(await connections()).toBe(12)
    // The two admitted stay; the ten refused are cut after the grace period (they held on for 30 s).
    await expect.poll(connections, { timeout: 3000 }).toBe(2)
    expect(s.realtime.clients()).toBe(2)
    for (const client of clients) tcpOf(client).destroy()
    await s.close()
  })

  it('are cut off as slow consumers when they flood pings without reading the pongs', async () => {
    const s = await startServer({ maxBufferedBytes: 64 * 1024 })
    const client = await TestClient.connect(s.url)
    await client.take('connection.established')
    tcpOf(client).pause()
    const payload = Buffer.alloc(125, 0x61)
    // Pings until the server cuts the socket, for up to 5 s (past the kernel's buffers, MBs on
    // localhost): before, it queued a pong for each, tens of MB for one socket, and kept it open.
    const t0 = Date.now()
    while (s.realtime.clients() > 0 && Date.now() - t0 < 5000 && !tcpOf(client).destroyed) {
      for (let i = 0; i < 1000; i++) client.ws.ping(payload)
      await sleep(1)
    }
    await expect.poll(() => s.realtime.clients(), { timeout: 2000 }).toBe(0)
    tcpOf(client).destroy()
    await s.close()
  })
})

describe('a recovery bigger than the buffer limit', () => {
  it('reaches a client that reads, whole and in order, and live events after it', async () => {
    const s = await startServer()
    for (let i = 0; i < 10_000; i++) s.events.emit('bet.placed', makeBet({ id: `replayed-${i}`, game: 'g'.repeat(60) }))
    await s.realtime.flush()
    const client = await TestClient.connect(s.url)
    await client.take('connection.established')
    client.send({ type: 'subscribe', channels: ['bets'], since: { epoch: s.realtime.position().epoch, offset: 0 } })
    expect((await client.take('subscribed')).data.recovered).toBe(true)
    s.events.emit('bet.placed', makeBet({ id: 'live-after' }))
    await expect.poll(() => client.events().length, { timeout: 15_000 }).toBe(10_001)
    const ids = client.events().map(e => e.data.id)
    expect(ids.slice(0, 3)).toEqual(['replayed-0', 'replayed-1', 'replayed-2'])
    expect(ids.at(-1)).toBe('live-after')
    expect(new Set(client.events().map(e => e.offset)).size).toBe(10_001)
    expect(s.realtime.clients()).toBe(1)
    client.close()
    await s.close()
  }, 30_000)
})

/** A memory history whose append of the event with id `BOOM` fails for good: the publisher then resets it. */
function historyFailingOn(id: string): HistoryStore {
  const inner = memoryHistory()
  return {
    head: () => inner.head(),
    append: async (head, timestamp, appendId) => {
      if (head.includes(`"${id}"`)) throw new Error('ECONNRESET')
      return inner.append(head, timestamp, appendId)
    },
    since: (epoch, after, now) => inner.since(epoch, after, now),
    reset: () => inner.reset!(),
    close: () => inner.close(),
  }
}

describe('a paced recovery to a client that reads slowly', () => {
  const big = 'g'.repeat(3000)

  /** A server holding `count` events of 3 KB, and a client that asked for all of them, then stopped reading. */
  async function stalledReplay(count: number, ...server: Parameters<typeof startServer>) {
    const s = await startServer(...server)
    for (let i = 0; i < count; i++) s.events.emit('bet.placed', makeBet({ id: `old-${i}`, game: big }))
    await s.realtime.flush()
    const client = await TestClient.connect(s.url)
    await client.take('connection.established')
    client.send({ type: 'subscribe', channels: ['bets'], since: { epoch: s.realtime.position().epoch, offset: 0 } })
    await client.take('subscribed')
    tcpOf(client).pause()
    return { s, client }
  }

  it('sends the live events that waited behind it, in order, and keeps the socket', async () => {
    const { s, client } = await stalledReplay(3000)
    // 9 MB of replay waits for the client; live events wait behind it (0.6 MB, under the bound).
    for (let i = 0; i < 200; i++) s.events.emit('bet.placed', makeBet({ id: `live-${i}`, game: big }))
    await s.realtime.flush()
    await sleep(300)
    tcpOf(client).resume()
    await expect.poll(() => client.events().length, { timeout: 15_000 }).toBe(3200)
    const ids = client.events().map(e => e.data.id)
    expect(ids).toEqual([...Array.from({ length: 3000 }, (_, i) => `old-${i}`), ...Array.from({ length: 200 }, (_, i) => `live-${i}`)])
    expect(s.realtime.clients()).toBe(1)
    client.close()
    await s.close()
  }, 30_000)

  it('cuts off a client as a slow consumer once the live events waiting behind its replay pass the bound', async () => {
    const { s, client } = await stalledReplay(1000, { maxBufferedBytes: 64 * 1024 })
    // 16 buffers' worth (1 MiB) may wait; 1.5 MB of live events is past it.
    for (let i = 0; i < 500; i++) s.events.emit('bet.placed', makeBet({ id: `live-${i}`, game: big }))
    await s.realtime.flush()
    await expect.poll(() => s.realtime.clients(), { timeout: 3000 }).toBe(0)
    tcpOf(client).destroy()
    await s.close()
  })

  it('lets one client IP have two replays in flight at once, so that it cannot take every other client\'s', async () => {
    const s = await startServer({ trustProxy: true })
    for (let i = 0; i < 3000; i++) s.events.emit('bet.placed', makeBet({ id: `old-${i}`, game: big }))
    await s.realtime.flush()
    const since = { epoch: s.realtime.position().epoch, offset: 0 }
    const resume = async (ip: string, stall: boolean) => {
      const client = await TestClient.connect(s.url, { headers: { 'x-forwarded-for': ip } })
      await client.take('connection.established')
      client.send({ type: 'subscribe', channels: ['bets'], since })
      const recovered = (await client.take('subscribed')).data.recovered as boolean
      if (stall) tcpOf(client).pause()
      return { client, recovered }
    }
    const first = await resume('203.0.113.7', true)
    const second = await resume('203.0.113.7', true)
    const third = await resume('203.0.113.7', false)
    const other = await resume('198.51.100.1', false)
    expect([first.recovered, second.recovered, third.recovered, other.recovered]).toEqual([true, true, false, true])
    await expect.poll(() => other.client.events().length, { timeout: 15_000 }).toBe(3000)
    for (const { client } of [first, second, third, other]) tcpOf(client).destroy()
    await s.close()
  }, 30_000)

  it('cuts a client closed for flooding frames while its replay waits, after the grace period', async () => {
    const { s, client } = await stalledReplay(3000, { maxBufferedBytes: 64 * 1024 })
    await sleep(300)
    // 70 frames behind the replay: past maxPendingFrames (64), closed with 1008, which it never reads.
    for (let i = 0; i < 70; i++) client.send({ type: 'ping' })
    // Cut after one grace period, well before the replay's own 10 s stall (ws alone held it 30 s).
    await expect.poll(() => s.realtime.clients(), { timeout: 4000 }).toBe(0)
    tcpOf(client).destroy()
    await s.close()
  })

  it('stops at an epoch change, tells it, and sends the new epoch\'s events after the notice', async () => {
    const { s, client } = await stalledReplay(3000, { maxBufferedBytes: 64 * 1024, publishRetries: 1, publishRetryDelay: 5 }, { history: historyFailingOn('BOOM') })
    const oldEpoch = s.realtime.position().epoch
    await sleep(200)
    // An append that fails for good resets the history: a new epoch, offsets from 1 again.
    s.events.emit('bet.placed', makeBet({ id: 'BOOM' }))
    for (const id of ['n1', 'n2', 'n3']) s.events.emit('bet.placed', makeBet({ id }))
    await s.realtime.flush()
    await sleep(200)
    expect(s.realtime.position().epoch).not.toBe(oldEpoch)
    tcpOf(client).resume()
    const changed = await client.take('epoch.changed', 15_000)
    s.events.emit('bet.placed', makeBet({ id: 'n4' }))
    await s.realtime.flush()
    await expect.poll(() => client.events().map(e => e.data.id).filter(id => id.startsWith('n'))).toEqual(['n1', 'n2', 'n3', 'n4'])
    // Everything after the notice is of the new epoch, in order; the old replay stopped before it.
    const notice = client.received.indexOf(changed)
    expect(client.received.slice(notice + 1).map(m => m.data.id)).toEqual(['n1', 'n2', 'n3', 'n4'])
    expect(client.received.slice(notice + 1).map(m => m.offset)).toEqual([1, 2, 3, 4])
    // A resume from the notice has nothing more to send: no duplicate.
    client.send({ type: 'subscribe', channels: ['bets'], since: { epoch: changed.data.epoch, offset: 4 } })
    expect((await client.take('subscribed')).data.recovered).toBe(true)
    await sleep(200)
    expect(client.events().filter(e => e.data.id === 'n1')).toHaveLength(1)
    client.close()
    await s.close()
  }, 30_000)
})
