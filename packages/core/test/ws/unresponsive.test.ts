import type { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
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
