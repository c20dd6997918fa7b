import { afterEach, describe, expect, it } from 'vitest'
import type WebSocket from 'ws'
import { createCasinoEvents } from '../../src/events'
import { memoryPubSub } from '../../src/pubsub/memory'
import { memoryStore } from '../../src/store/memory'
import { createRealtime } from '../../src/ws/realtime'
import { bigWager, makeBet, makeStats, type Received, startServer, TestClient, wallet } from './_harness'

type Server = Awaited<ReturnType<typeof startServer>>
let server: Server | null = null
const clients: TestClient[] = []

async function open(options: Parameters<typeof startServer>[0] = {}) {
  server = await startServer(options)
  return server
}
async function connect(url: string, options?: WebSocket.ClientOptions) {
  const client = await TestClient.connect(url, options)
  clients.push(client)
  await client.take('connection.established')
  return client
}
async function subscribe(client: TestClient, message: Record<string, unknown>) {
  client.send({ type: 'subscribe', ...message })
  return client.take(m => m.type === 'subscribed' || m.type === 'error')
}
/** Emits a stats event every test client listens to, then waits for it: what arrived before it is all there is. */
async function barrier(s: Server, ...cs: TestClient[]) {
  s.events.emit('stats.updated', makeStats())
  for (const c of cs) await c.take('stats.updated')
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate()
  await server?.close()
  server = null
})

describe('protocol basics', () => {
  it('announces the connection with epoch and offset, and answers ping', async () => {
    const s = await open()
    const client = await TestClient.connect(s.url)
    clients.push(client)
    const hello = await client.take('connection.established')
    expect(hello.data).toMatchObject({ clientId: expect.any(String), timestamp: expect.any(Number), epoch: expect.any(String), offset: 0 })
    client.send({ type: 'ping' })
    expect((await client.take('pong')).data.timestamp).toEqual(expect.any(Number))
  })

  it('routes each event to the channels that want it, once, with money as decimal strings', async () => {
    const s = await open()
    const [bets, jackpots, mine, everything] = await Promise.all([connect(s.url), connect(s.url), connect(s.url), connect(s.url)])
    const alice = wallet()
    const bob = wallet()
    expect((await subscribe(bets, { channels: ['bets', 'stats'] })).data.channels).toEqual(['bets', 'stats'])
    await subscribe(jackpots, { channels: ['jackpots', 'stats'] })
    await subscribe(mine, { channels: [`player:${alice}`, 'stats'] })
    await subscribe(everything, { channels: ['bets', 'jackpots', 'players', 'chat', 'stats', `player:${alice}`] })

    const aliceBet = makeBet({ player: alice })
    s.events.emit('bet.placed', aliceBet)
    s.events.emit('bet.settled', { ...aliceBet, status: 'settled', won: true, payout: bigWager * 2n, resultIndex: 0, multiplier: 2 })
    s.events.emit('bet.placed', makeBet({ player: bob }))
    s.events.emit('jackpot.won', { id: 'j1', pool: 'p', trialId: aliceBet.id, receiver: alice, amount: 2n ** 64n, signature: 's', slot: 1, blockTime: 1 })
    s.events.emit('player.joined', { wallet: bob, username: null, createdAt: 1, lastSeenAt: 1, totalBets: 0, totalWins: 0, totalLosses: 0, totalWagered: 0n, totalPayout: 0n, games: {} })
    await barrier(s, bets, jackpots, mine, everything)

    const types = (c: TestClient) => c.events().filter(e => e.type !== 'stats.updated').map(e => `${e.type}:${e.data.player ?? e.data.receiver ?? e.data.wallet}`)
    expect(types(bets)).toEqual([`bet.placed:${alice}`, `bet.settled:${alice}`, `bet.placed:${bob}`])
    expect(types(jackpots)).toEqual([`jackpot.won:${alice}`])
    expect(types(mine)).toEqual([`bet.placed:${alice}`, `bet.settled:${alice}`, `jackpot.won:${alice}`])
    // On `bets` and `player:alice` at once, alice's bets still arrive once each.
    expect(types(everything)).toEqual([`bet.placed:${alice}`, `bet.settled:${alice}`, `bet.placed:${bob}`, `jackpot.won:${alice}`, `player.joined:${bob}`])
    const offsets = everything.events().map(e => e.offset)
    expect(offsets).toEqual([1, 2, 3, 4, 5, 6])
    const settled = bets.events('bet.settled')[0]!
    expect(settled.data.wager).toBe(bigWager.toString())
    expect(settled.data.payout).toBe((bigWager * 2n).toString())
    expect(jackpots.events('jackpot.won')[0]!.data.amount).toBe('18446744073709551616')
    expect(settled.timestamp).toEqual(expect.any(Number))
  })

  it('applies bet filters: player, game, minWager compared as bigint, won', async () => {
    const s = await open()
    const alice = wallet()
    const [byPlayer, byGame, byWager, byWon] = await Promise.all([connect(s.url), connect(s.url), connect(s.url), connect(s.url)])
    await subscribe(byPlayer, { channels: ['bets', 'stats'], filters: { player: alice } })
    await subscribe(byGame, { channels: ['bets', 'stats'], filters: { game: 'dice' } })
    await subscribe(byWager, { channels: ['bets', 'stats'], filters: { minWager: (bigWager + 1n).toString() } })
    await subscribe(byWon, { channels: ['bets', 'stats'], filters: { won: false } })

    s.events.emit('bet.placed', makeBet({ id: 'a', player: alice }))
    s.events.emit('bet.placed', makeBet({ id: 'b', game: 'dice' }))
    s.events.emit('bet.placed', makeBet({ id: 'c', wager: bigWager + 1n }))
    s.events.emit('bet.settled', makeBet({ id: 'd', won: false, status: 'settled', payout: 0n }))
    s.events.emit('bet.settled', makeBet({ id: 'e', won: true, status: 'settled', payout: bigWager * 2n }))
    // Registered and resolved in one commit: placed already settled, then settled. `won` matches the settling only.
    s.events.emit('bet.placed', makeBet({ id: 'f', won: false, status: 'settled', payout: 0n }))
    s.events.emit('bet.settled', makeBet({ id: 'f', won: false, status: 'settled', payout: 0n }))
    await barrier(s, byPlayer, byGame, byWager, byWon)

    const ids = (c: TestClient) => c.events().filter(e => e.type.startsWith('bet.')).map(e => e.data.id)
    expect(ids(byPlayer)).toEqual(['a'])
    expect(ids(byGame)).toEqual(['b'])
    // bigWager + 1 differs from bigWager only beyond 2^53: a float comparison would let 'a', 'b', 'd', 'e' through.
    expect(ids(byWager)).toEqual(['c'])
    expect(ids(byWon)).toEqual(['d', 'f'])
  })

  it('stops delivering after unsubscribe', async () => {
    const s = await open()
    const client = await connect(s.url)
    await subscribe(client, { channels: ['bets', 'stats'] })
    s.events.emit('bet.placed', makeBet({ id: 'before' }))
    await barrier(s, client)
    client.send({ type: 'unsubscribe', channels: ['bets'] })
    expect((await client.take('unsubscribed')).data.channels).toEqual(['bets'])
    s.events.emit('bet.placed', makeBet({ id: 'after' }))
    await barrier(s, client)
    expect(client.events('bet.placed').map(e => e.data.id)).toEqual(['before'])
  })

  it('adds the number of connected clients to stats.updated', async () => {
    const s = await open()
    const [a] = await Promise.all([connect(s.url), connect(s.url), connect(s.url)])
    await subscribe(a!, { channels: ['stats'] })
    s.events.emit('stats.updated', makeStats())
    const stats = await a!.take('stats.updated')
    expect(stats.data.onlinePlayers).toBe(3)
    expect(stats.data.totalWagered).toBe(bigWager.toString())
  })
})

describe('recovery', () => {
  it('resumes with since: missed events, then live, no gap and no duplicate, while events keep coming', async () => {
    const s = await open()
    const first = await connect(s.url)
    const hello = first.received[0]!
    await subscribe(first, { channels: ['bets'] })
    let n = 0
    const emit = () => s.events.emit('bet.placed', makeBet({ id: `b${++n}` }))
    for (let i = 0; i < 5; i++) emit()
    await first.take(m => m.data?.id === 'b5')
    // Events keep being committed the whole time the client is away and while it resubscribes.
    const pump = setInterval(() => { for (let i = 0; i < 5; i++) emit() }, 1)
    try {
      first.ws.terminate()
      const seen = first.events().map(e => e.offset!)
      const last = seen[seen.length - 1]!
      const second = await connect(s.url)
      const subscribed = await subscribe(second, { channels: ['bets'], since: { epoch: hello.data.epoch, offset: last } })
      expect(subscribed.data).toEqual({ channels: ['bets'], recovered: true })
      await new Promise(resolve => setTimeout(resolve, 100))
      clearInterval(pump)
      const total = n
      await second.take(m => m.data?.id === `b${total}`)
      const resumed = second.events().map(e => e.offset!)
      const expected = Array.from({ length: total - last }, (_, i) => last + 1 + i)
      expect(resumed).toEqual(expected)
      expect(resumed.length).toBeGreaterThan(10)
    }
    finally {
      clearInterval(pump)
    }
  })

  it('answers recovered: false when the history no longer covers since, or the epoch is another', async () => {
    const s = await open({ historySize: 5 })
    const client = await connect(s.url)
    const { epoch } = client.received[0]!.data
    for (let i = 0; i < 20; i++) s.events.emit('bet.placed', makeBet())
    await s.realtime.flush()
    expect((await subscribe(client, { channels: ['bets'], since: { epoch, offset: 2 } })).data.recovered).toBe(false)
    expect(client.events()).toEqual([])
    const other = await connect(s.url)
    expect((await subscribe(other, { channels: ['bets'], since: { epoch: 'another', offset: 19 } })).data.recovered).toBe(false)
    const covered = await connect(s.url)
    expect((await subscribe(covered, { channels: ['bets'], since: { epoch, offset: 16 } })).data.recovered).toBe(true)
    await covered.take(m => m.offset === 20)
    expect(covered.events().map(e => e.offset)).toEqual([17, 18, 19, 20])
  })

  it('recovers at most replayRateLimit times per IP, then subscribes live with recovered: false', async () => {
    // A recovery from offset 0 reads the whole history: sockets asking again and again delayed every publish.
    const s = await open({ replayRateLimit: { replays: 2, windowMs: 60_000 } })
    const a = await connect(s.url)
    const { epoch } = a.received[0]!.data
    for (let i = 0; i < 3; i++) s.events.emit('bet.placed', makeBet({ id: `r${i}` }))
    await s.realtime.flush()
    expect((await subscribe(a, { channels: ['bets'], since: { epoch, offset: 0 } })).data.recovered).toBe(true)
    expect((await subscribe(a, { channels: ['stats'], since: { epoch, offset: 0 } })).data.recovered).toBe(true)
    // The budget is the IP's, whatever socket asks.
    const b = await connect(s.url)
    const refused = await subscribe(b, { channels: ['bets'], since: { epoch, offset: 0 } })
    expect(refused.data).toEqual({ channels: ['bets'], recovered: false })
    expect(b.events()).toEqual([])
    // Refused a recovery, the socket is still subscribed: live events reach it.
    s.events.emit('bet.placed', makeBet({ id: 'live' }))
    expect((await b.take(m => m.type === 'bet.placed')).data.id).toBe('live')
    // A plain subscribe is never counted.
    expect((await subscribe(b, { channels: ['jackpots'] })).type).toBe('subscribed')
  })
})

describe('configuration', () => {
  it('refuses a pubsub without a shared history: each instance would drop the others\' events', () => {
    // With a history per process, another instance's events carry an epoch this one's history does not
    // have: they were dropped, silently (two servers on one memoryPubSub: B's client got only B's events).
    expect(() => createRealtime({ events: createCasinoEvents(), store: memoryStore(), pubsub: memoryPubSub(), verifyToken: async () => null }))
      .toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringMatching(/^history: a `pubsub` shared by instances needs a `history`/) }))
  })
})

describe('slow consumers and limits', () => {
  it('cuts off a consumer that stops reading while the others receive everything', async () => {
    const s = await open({ maxBufferedBytes: 64 * 1024 })
    const slow = await connect(s.url)
    const fast = await connect(s.url)
    await subscribe(slow, { channels: ['bets'] })
    await subscribe(fast, { channels: ['bets'] })
    ;(slow.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    let sent = 0
    for (let round = 0; round < 40 && !s.logs.some(l => l.includes('slow websocket consumer')); round++) {
      for (let i = 0; i < 500; i++) s.events.emit('bet.placed', makeBet({ game: 'x'.repeat(60), id: `bet-${++sent}` }))
      await s.realtime.flush()
      await fast.take(m => m.data?.id === `bet-${sent}`, 10_000)
    }
    expect(s.logs.some(l => l.includes('slow websocket consumer'))).toBe(true)
    expect(fast.events().map(e => e.offset)).toEqual(Array.from({ length: sent }, (_, i) => i + 1))
    ;(slow.ws as unknown as { _socket: { resume(): void } })._socket.resume()
    const closed = await slow.closed
    expect(closed.code).toBe(1013)
    // What it got before the cut is a gap-free prefix, so `since` resumes it exactly.
    const got = slow.events().map(e => e.offset)
    expect(got.length).toBeLessThan(sent)
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => i + 1))
  })

  it('cuts off a client that keeps sending frames and never reads the answers', async () => {
    // Each frame is answered (here a 7-byte frame by an ~80-byte error): without the buffer check on
    // answers the server kept them all in memory for as long as the client kept sending. The kernel's
    // socket buffers take a few MB first.
    const s = await open({ maxBufferedBytes: 64 * 1024 })
    const greedy = await connect(s.url)
    const other = await connect(s.url)
    ;(greedy.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    for (let round = 0; round < 5000 && !s.logs.some(l => l.includes('slow websocket consumer')); round++) {
      // A few frames at a time, well under the per-socket queue (`maxPendingFrames`), as a paced client would.
      for (let i = 0; i < 50; i++) greedy.ws.send('1')
      other.send({ type: 'ping' })
      await other.take('pong')
    }
    expect(s.logs.some(l => l.includes('slow websocket consumer'))).toBe(true)
    ;(greedy.ws as unknown as { _socket: { resume(): void } })._socket.resume()
    expect((await greedy.closed).code).toBe(1013)
    other.send({ type: 'ping' })
    await other.take('pong')
  })

  it('closes connections over the per-IP limit with 1008 and keeps the others', async () => {
    const s = await open({ maxConnectionsPerIp: 2 })
    const a = await connect(s.url)
    await connect(s.url)
    const third = await TestClient.connect(s.url)
    clients.push(third)
    expect((await third.closed).code).toBe(1008)
    a.send({ type: 'ping' })
    await a.take('pong')
    expect(s.realtime.clients()).toBe(2)
  })

  it('limits subscriptions per socket', async () => {
    const s = await open({ maxSubscriptionsPerPeer: 2 })
    const client = await connect(s.url)
    expect((await subscribe(client, { channels: ['bets', 'jackpots'] })).type).toBe('subscribed')
    const refused = await subscribe(client, { channels: ['chat'] })
    expect(refused.data.code).toBe('TOO_MANY_SUBSCRIPTIONS')
  })

  it('pings and drops a peer that does not answer, keeps one that does', async () => {
    const s = await open({ pingInterval: 50, idleTimeout: 200 })
    const mute = await connect(s.url, { autoPong: false })
    const alive = await connect(s.url)
    expect((await mute.closed).code).toBe(1006)
    alive.send({ type: 'ping' })
    await alive.take('pong')
    expect(alive.ws.readyState).toBe(alive.ws.OPEN)
  })
})

describe('bad frames', () => {
  it('answers every bad frame with an error and keeps serving', async () => {
    const s = await open({ maxFrameBytes: 1024 })
    const client = await connect(s.url)
    const errorCode = async (frame: string | Buffer) => {
      client.ws.send(frame)
      return (await client.take('error')).data as { code: string, message: string }
    }
    expect(await errorCode('{not json')).toEqual({ code: 'INVALID_JSON', message: 'Invalid message format' })
    expect((await errorCode('[1,2]')).code).toBe('INVALID_JSON')
    expect((await errorCode(JSON.stringify({ type: 'dance' }))).code).toBe('UNKNOWN_TYPE')
    expect((await errorCode(JSON.stringify({ type: 'subscribe', channels: ['casino:all'] }))).code).toBe('INVALID_CHANNEL')
    expect((await errorCode(JSON.stringify({ type: 'subscribe', channels: ['player:0OIl'] }))).code).toBe('INVALID_CHANNEL')
    expect((await errorCode(JSON.stringify({ type: 'subscribe', channels: ['bets'], filters: { minWager: 1.5 } }))).code).toBe('INVALID_FILTER')
    expect((await errorCode(JSON.stringify({ type: 'subscribe', channels: ['bets'], filters: { color: 'red' } }))).code).toBe('INVALID_FILTER')
    expect((await errorCode(JSON.stringify({ type: 'subscribe', channels: ['bets'], since: { epoch: 1 } }))).code).toBe('VALIDATION_FAILED')
    expect((await errorCode(JSON.stringify({ type: 'ping', pad: 'x'.repeat(2000) }))).code).toBe('PAYLOAD_TOO_LARGE')
    expect((await errorCode(Buffer.from([0xff, 0x00, 0x13]))).code).toBe('INVALID_JSON')
    // Objects that String() cannot convert (a `toString` that is not a function) where a name belongs.
    expect(await errorCode('{"type":{"toString":1}}')).toEqual({ code: 'UNKNOWN_TYPE', message: 'Unknown message type: a value of type object' })
    expect(await errorCode('{"type":"subscribe","channels":[{"toString":1,"valueOf":2}]}')).toEqual({ code: 'INVALID_CHANNEL', message: 'Unknown channel: a value of type object' })
    expect((await errorCode(JSON.stringify({ type: 'subscribe', channels: [['bets']] }))).message).toBe('Unknown channel: an array')
    expect((await errorCode(JSON.stringify({ type: 42 }))).message).toBe('Unknown message type: 42')
    // Base58 of an address's length that is not 32 bytes is no wallet, in a channel or a filter.
    const notAddress = 'z'.repeat(44)
    expect((await errorCode(JSON.stringify({ type: 'subscribe', channels: [`player:${notAddress}`] }))).code).toBe('INVALID_CHANNEL')
    expect((await errorCode(JSON.stringify({ type: 'subscribe', channels: ['bets'], filters: { player: notAddress } }))).code).toBe('INVALID_FILTER')
    client.send({ type: 'ping' })
    await client.take('pong')
    // Far past the limit the WebSocket layer refuses the frame unread.
    client.ws.send('x'.repeat(8 * 1024))
    expect((await client.closed).code).toBe(1009)
    const next = await connect(s.url)
    next.send({ type: 'ping' })
    await next.take('pong')
  })
})

describe('bad upgrade requests', () => {
  /** Sends a raw upgrade request for `path` with `host` and reads the whole answer. */
  const upgradeWith = async (port: number, host: string, path = '/ws') => {
    const { connect: dial } = await import('node:net')
    const socket = dial(port, '127.0.0.1')
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`)
    let answer = ''
    socket.on('data', (chunk) => {
      answer += chunk
    })
    await new Promise(resolve => socket.on('close', resolve))
    return answer
  }

  it('answers a Host that makes no URL with a JSON 400, not a bare 500, and keeps serving', async () => {
    const s = await open()
    for (const host of ['a b', '[', '%%%', 'h:99999999']) {
      const answer = await upgradeWith(s.port, host)
      expect(answer.split('\r\n')[0], host).toBe('HTTP/1.1 400 Bad Request')
      expect(answer).toContain('application/json')
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'BAD_REQUEST', message: 'invalid Host header or request target' } })
    }
    expect(s.logs.filter(line => line.includes('upgrade failed'))).toEqual([])
    const client = await connect(s.url)
    client.send({ type: 'ping' })
    await client.take('pong')
  })
})

describe('auth and chat', () => {
  it('refuses chat without auth and a bad token, then stores and broadcasts an authenticated message', async () => {
    const s = await open()
    const { signToken } = await import('./_harness')
    const alice = wallet()
    const talker = await connect(s.url)
    const listener = await connect(s.url)
    await subscribe(listener, { channels: ['chat'] })
    talker.send({ type: 'chat.send', message: 'hello' })
    expect((await talker.take('error')).data).toEqual({ code: 'UNAUTHORIZED', message: 'Authentication required' })
    talker.send({ type: 'auth', token: 'not-a-jwt' })
    expect((await talker.take('error')).data.code).toBe('TOKEN_INVALID')
    talker.send({ type: 'auth', token: await signToken(alice) })
    expect((await talker.take('authenticated')).data).toEqual({ wallet: alice })
    talker.send({ type: 'chat.send', message: '  gm  ' })
    const heard = await listener.take('chat.message')
    expect(heard.data).toMatchObject({ wallet: alice, message: 'gm' })
    // Offset 1 is the player.joined of alice's first chat (the `chat` channel does not carry it).
    expect(heard.offset).toBe(2)
    expect((await s.store.listChat({ limit: 10 })).map(m => m.message)).toEqual(['gm'])
    talker.send({ type: 'chat.send', message: 'x'.repeat(501) })
    expect((await talker.take('error')).data.code).toBe('VALIDATION_FAILED')
    talker.send({ type: 'chat.send', message: '' })
    expect((await talker.take('error')).data.code).toBe('VALIDATION_FAILED')
    // The same rule as POST /api/chat: what no store can keep as sent is refused.
    talker.send({ type: 'chat.send', message: 'a\u0000b' })
    expect((await talker.take('error')).data).toEqual({ code: 'VALIDATION_FAILED', message: 'message must not contain control characters (tab and line breaks are allowed)' })
    talker.send({ type: 'chat.send', message: 'half \ud83d' })
    expect((await talker.take('error')).data.code).toBe('VALIDATION_FAILED')
    expect((await s.store.listChat({ limit: 10 })).map(m => m.message)).toEqual(['gm'])
  })

  it('makes a wallet that only chats over the socket a player, announced with player.joined, as REST does', async () => {
    const s = await open()
    const { signToken } = await import('./_harness')
    const carol = wallet()
    const talker = await connect(s.url)
    const listener = await connect(s.url)
    await subscribe(listener, { channels: ['players', 'chat'] })
    talker.send({ type: 'auth', token: await signToken(carol) })
    await talker.take('authenticated')
    talker.send({ type: 'chat.send', message: 'first words' })
    talker.send({ type: 'chat.send', message: 'second words' })
    await listener.take(m => m.type === 'chat.message' && m.data.message === 'second words')
    expect(listener.events().map(e => e.type)).toEqual(['player.joined', 'chat.message', 'chat.message'])
    expect(listener.events('player.joined')[0]!.data).toMatchObject({ wallet: carol, totalBets: 0, totalWagered: '0' })
    expect(await s.store.getPlayer(carol)).toMatchObject({ wallet: carol })
  })

  it('authenticates from ?token= and rate limits chat per wallet', async () => {
    const s = await open({ chatRateLimit: { messages: 2, windowMs: 60_000 } })
    const { signToken } = await import('./_harness')
    const bob = wallet()
    const client = await TestClient.connect(`${s.url}?token=${await signToken(bob)}`)
    clients.push(client)
    await client.take('connection.established')
    expect((await client.take('authenticated')).data.wallet).toBe(bob)
    await subscribe(client, { channels: ['chat'] })
    for (const text of ['one', 'two', 'three']) client.send({ type: 'chat.send', message: text })
    expect((await client.take('error')).data.code).toBe('RATE_LIMITED')
    await client.take(m => m.type === 'chat.message' && m.data.message === 'two')
    expect(client.events('chat.message').map((m: Received) => m.data.message)).toEqual(['one', 'two'])
  })
})
