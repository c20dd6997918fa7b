import { afterEach, describe, expect, it } from 'vitest'
import type { HistoryStore } from '../../src/ws/history'
import { memoryHistory } from '../../src/ws/memory-history'
import { makeBet, startServer, TestClient } from './_harness'

type Server = Awaited<ReturnType<typeof startServer>>
let server: Server | null = null
const clients: TestClient[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate()
  await server?.close()
  server = null
})

/** A memory history whose append fails while `failing(head)` says so (a Redis blip, or an outage). */
function flakyHistory(failing: (head: string) => boolean) {
  const inner = memoryHistory()
  let failures = 0
  const history: HistoryStore = {
    head: () => inner.head(),
    append: async (head, timestamp) => {
      if (failing(head)) {
        failures++
        throw new Error('ECONNRESET')
      }
      return inner.append(head, timestamp)
    },
    since: (epoch, after, now) => inner.since(epoch, after, now),
    reset: () => inner.reset!(),
    close: () => inner.close(),
  }
  return { history, failures: () => failures }
}

/**
 * A memory history that loses the reply of the append of a head `losing(head)` picks, once: the event
 * is stored, and the caller hears an error, as when the connection to Redis drops before the answer.
 */
function lossyHistory(losing: (head: string) => boolean) {
  const inner = memoryHistory()
  const lost = new Set<string>()
  const history: HistoryStore = {
    ...inner,
    append: async (head, timestamp, id) => {
      const entry = await inner.append(head, timestamp, id)
      if (losing(head) && !lost.has(head)) {
        lost.add(head)
        throw new Error('Connection is closed.')
      }
      return entry
    },
  }
  return history
}

async function connect(url: string) {
  const client = await TestClient.connect(url)
  clients.push(client)
  const hello = await client.take('connection.established')
  return { client, hello: hello.data as { epoch: string, offset: number } }
}

describe('publishing when the history fails', () => {
  it('retries a transiently failing append and keeps the order: nothing is lost, live or on recovery', async () => {
    let blips = 3
    const flaky = flakyHistory(head => head.includes('"b2"') && blips-- > 0)
    server = await startServer({ publishRetryDelay: 5 }, { history: flaky.history })
    const { client, hello } = await connect(server.url)
    client.send({ type: 'subscribe', channels: ['bets'] })
    await client.take('subscribed')
    for (const id of ['b1', 'b2', 'b3', 'b4']) server.events.emit('bet.placed', makeBet({ id }))
    await server.realtime.flush()
    await client.take(m => m.data?.id === 'b4')
    expect(flaky.failures()).toBe(3)
    expect(client.events().map(e => [e.data.id, e.offset])).toEqual([['b1', 1], ['b2', 2], ['b3', 3], ['b4', 4]])

    const late = await connect(server.url)
    late.client.send({ type: 'subscribe', channels: ['bets'], since: { epoch: hello.epoch, offset: 0 } })
    expect((await late.client.take('subscribed')).data.recovered).toBe(true)
    await late.client.take(m => m.data?.id === 'b4')
    expect(late.client.events().map(e => e.data.id)).toEqual(['b1', 'b2', 'b3', 'b4'])
  })

  it('stores an event whose append reply was lost once: the retry names it by its id', async () => {
    // The append ran; its answer never came, so the publisher sent it again. Stored twice, the event took
    // two offsets and every client received it twice.
    server = await startServer({ publishRetryDelay: 5 }, { history: lossyHistory(head => head.includes('"l2"')) })
    const { client, hello } = await connect(server.url)
    client.send({ type: 'subscribe', channels: ['bets'] })
    await client.take('subscribed')
    for (const id of ['l1', 'l2', 'l3']) server.events.emit('bet.placed', makeBet({ id }))
    await server.realtime.flush()
    await client.take(m => m.data?.id === 'l3')
    expect(client.events().map(e => [e.data.id, e.offset])).toEqual([['l1', 1], ['l2', 2], ['l3', 3]])
    const late = await connect(server.url)
    late.client.send({ type: 'subscribe', channels: ['bets'], since: { epoch: hello.epoch, offset: 0 } })
    expect((await late.client.take('subscribed')).data.recovered).toBe(true)
    await late.client.take(m => m.data?.id === 'l3')
    expect(late.client.events().map(e => e.data.id)).toEqual(['l1', 'l2', 'l3'])
  })

  it('moves to a new epoch when an append keeps failing, so a client resuming past it is told recovered: false', async () => {
    const flaky = flakyHistory(head => head.includes('"b2"'))
    server = await startServer({ publishRetries: 2, publishRetryDelay: 5 }, { history: flaky.history })
    const { client, hello } = await connect(server.url)
    client.send({ type: 'subscribe', channels: ['bets'] })
    await client.take('subscribed')
    for (const id of ['b1', 'b2', 'b3']) server.events.emit('bet.placed', makeBet({ id }))
    await server.realtime.flush()
    // Live delivery goes on in the new epoch, announced first: the socket learns where it now resumes from.
    const changed = await client.take('epoch.changed')
    const b3 = await client.take(m => m.data?.id === 'b3')
    expect(flaky.failures()).toBe(3)
    expect(server.realtime.position().epoch).not.toBe(hello.epoch)
    expect(changed.data).toEqual({ epoch: server.realtime.position().epoch, offset: 0 })
    expect(b3.offset).toBe(1)
    expect(server.logs.some(l => l.includes('new epoch'))).toBe(true)
    const resumed = await connect(server.url)
    resumed.client.send({ type: 'subscribe', channels: ['bets'], since: { epoch: changed.data.epoch, offset: b3.offset } })
    expect((await resumed.client.take('subscribed')).data.recovered).toBe(true)

    // A client that saw b1 (offset 1) and reconnects must not be told it has everything.
    const back = await connect(server.url)
    back.client.send({ type: 'subscribe', channels: ['bets'], since: { epoch: hello.epoch, offset: 1 } })
    expect((await back.client.take('subscribed')).data.recovered).toBe(false)
  })

  it('answers a replay that an epoch change overtook with recovered: false, then the change, then only the new epoch', async () => {
    const flaky = flakyHistory(head => head.includes('"c2"'))
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let reading!: () => void
    const read = new Promise<void>((resolve) => {
      reading = resolve
    })
    // The replay's read of the history waits until the test lets it go.
    const history: HistoryStore = {
      ...flaky.history,
      since: async (epoch, after, now) => {
        reading()
        await gate
        return flaky.history.since(epoch, after, now)
      },
    }
    server = await startServer({ publishRetries: 2, publishRetryDelay: 5 }, { history })
    const { client, hello } = await connect(server.url)
    server.events.emit('bet.placed', makeBet({ id: 'c1' }))
    await server.realtime.flush()
    client.send({ type: 'subscribe', channels: ['bets'], since: { epoch: hello.epoch, offset: 0 } })
    await read
    // While the replay reads: c2 is given up (a new epoch), c3 is the new epoch's first event.
    for (const id of ['c2', 'c3']) server.events.emit('bet.placed', makeBet({ id }))
    await server.realtime.flush()
    expect(server.realtime.position().epoch).not.toBe(hello.epoch)
    release()
    expect((await client.take('subscribed')).data.recovered).toBe(false)
    const changed = await client.take('epoch.changed')
    expect(changed.data).toEqual({ epoch: server.realtime.position().epoch, offset: 0 })
    const c3 = await client.take(m => m.data?.id === 'c3')
    expect(c3.offset).toBe(1)
    // Nothing of the old epoch after the change, and the messages in this order.
    expect(client.events().map(e => e.data.id)).toEqual(['c3'])
    const order = client.received.map(m => m.type)
    expect(order.slice(order.indexOf('subscribed'))).toEqual(['subscribed', 'epoch.changed', 'bet.placed'])
  })

  it('answers recovered: false to a since in an epoch this instance has not reached yet', async () => {
    const history = memoryHistory()
    server = await startServer({}, { history })
    const { client, hello } = await connect(server.url)
    // Another instance reset the history and appended to it; no message of it reached this one yet.
    const next = await history.reset!()
    await history.append('{"type":"chat.message","data":{"id":"1","wallet":"w","message":"x"},"timestamp":1,"offset":', Date.now())
    expect(server.realtime.position().epoch).toBe(hello.epoch)
    client.send({ type: 'subscribe', channels: ['bets'], since: { epoch: next, offset: 1 } })
    expect((await client.take('subscribed')).data.recovered).toBe(false)
  })
})
