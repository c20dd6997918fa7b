import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTokenService } from '../../src/auth/tokens'
import { type Casino, type CasinoServer, createCasino } from '../../src/casino'
import { makeBatch, makeRegister } from '../../src/testing/fixtures'
import { createRealtime, type Realtime } from '../../src/ws/realtime'
import { createWallet, outageKv } from '../http/_harness'
import { TestClient } from './_harness'

// End to end through createCasino: sign in over REST with a real keypair, then use that JWT on the socket.
// Through `casino.realtime` and `casino.listen()` once createCasino wires the stream; until then the test
// wires it the way casino.ts should.
let casino: Casino
let server: CasinoServer
const owner = createWallet()
let realtime: Realtime
let ownRealtime = false

beforeAll(async () => {
  casino = createCasino({
    name: 'Realtime Casino',
    ownerWallet: owner.address,
    auth: { jwtSecret: 'realtime-e2e-secret-of-at-least-32-bytes', domain: 'casino.test', uri: 'https://casino.test' },
    games: [{ id: 'coinflip', name: 'Coin flip', extraDataHash: 'coinflip-v1', qk: [[0.5, 1.98], [0.5, 0]] }],
    realtime: false,
  })
  await casino.ready
  const wired = (casino as { realtime?: Realtime | null }).realtime
  server = await casino.listen({ port: 0 })
  if (wired) {
    realtime = wired
    return
  }
  ownRealtime = true
  const tokens = createTokenService({
    secret: casino.config.auth.jwtSecret, issuer: casino.config.slug, audience: casino.config.auth.domain, ttl: casino.config.auth.tokenTtl, kv: casino.kv,
  })
  realtime = createRealtime({
    events: casino.events,
    store: casino.store,
    verifyToken: token => tokens.verify(token).then(claims => ({ wallet: claims.sub }), () => null),
  })
  server.server.on('upgrade', realtime.handleUpgrade)
  await realtime.ready
})

afterAll(async () => {
  if (ownRealtime) await realtime.close()
  await casino.close()
})

describe('realtime through createCasino', () => {
  it('streams a committed bet with the REST shape, and chat from a wallet signed in over REST', async () => {
    const wsUrl = `${server.url.replace('http', 'ws')}/ws`
    const player = createWallet()
    const token = await signIn(server.url, player)

    const watcher = await TestClient.connect(wsUrl)
    await watcher.take('connection.established')
    watcher.send({ type: 'subscribe', channels: ['bets', 'chat'] })
    await watcher.take('subscribed')

    const register = makeRegister({ player: player.address, wager: 2n ** 62n + 1n, extraDataHash: 'coinflip-v1', game: 'coinflip' })
    const result = await casino.store.applyBatch(makeBatch([register]))
    // What the indexer does after a commit.
    for (const bet of result.placed) casino.events.emit('bet.placed', bet)
    const live = await watcher.take('bet.placed')
    const rest = await (await fetch(`${server.url}/api/bets/${register.trialId}`)).json() as { bet: unknown }
    expect(live.data).toEqual(rest.bet)
    expect(live.data.wager).toBe((2n ** 62n + 1n).toString())

    const talker = await TestClient.connect(`${wsUrl}?token=${encodeURIComponent(token)}`)
    await talker.take('connection.established')
    expect((await talker.take('authenticated')).data.wallet).toBe(player.address)
    talker.send({ type: 'chat.send', message: 'gm from a signed-in wallet' })
    const chat = await watcher.take('chat.message')
    expect(chat.data).toMatchObject({ wallet: player.address, message: 'gm from a signed-in wallet' })
    expect((await casino.store.listChat({ limit: 5 }))[0]?.message).toBe('gm from a signed-in wallet')
    watcher.ws.terminate()
    talker.ws.terminate()
  })

  it('takes a message the owner deleted down on every socket, and in a replay after it', async () => {
    // Before, DELETE /api/chat/:id told no socket: connected clients kept showing the message, and one
    // recovering with `since` got it back, `recovered: true`.
    const wsUrl = `${server.url.replace('http', 'ws')}/ws`
    const player = createWallet()
    const [playerToken, ownerToken] = [await signIn(server.url, player), await signIn(server.url, owner)]
    const watcher = await TestClient.connect(wsUrl)
    const { epoch, offset } = (await watcher.take('connection.established')).data as { epoch: string, offset: number }
    watcher.send({ type: 'subscribe', channels: ['chat'] })
    await watcher.take('subscribed')
    const posted = await fetch(`${server.url}/api/chat`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'authorization': `Bearer ${playerToken}` }, body: JSON.stringify({ message: 'something to take down' }),
    })
    const { message } = await posted.json() as { message: { id: string } }
    expect((await watcher.take('chat.message')).data).toMatchObject({ id: message.id })
    const deleted = await fetch(`${server.url}/api/chat/${message.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ownerToken}` } })
    expect(deleted.status).toBe(200)
    const live = await watcher.take('chat.deleted')
    expect(live.data).toEqual({ id: message.id, deletedAt: expect.any(Number) })
    // A client recovering from before the message gets it and its deletion, in that order.
    const late = await TestClient.connect(wsUrl)
    await late.take('connection.established')
    late.send({ type: 'subscribe', channels: ['chat'], since: { epoch, offset } })
    expect((await late.take('subscribed')).data).toMatchObject({ recovered: true })
    const replayed = [await late.take(m => m.type.startsWith('chat.')), await late.take(m => m.type.startsWith('chat.'))]
    expect(replayed.map(m => [m.type, (m.data as { id: string }).id])).toEqual([['chat.message', message.id], ['chat.deleted', message.id]])
    const listed = await (await fetch(`${server.url}/api/chat`)).json() as { messages: { id: string }[] }
    expect(listed.messages.map(m => m.id)).not.toContain(message.id)
    watcher.ws.terminate()
    late.ws.terminate()
  })

  it('refuses a binary frame of invalid UTF-8 as INVALID_JSON, and takes a binary frame of valid UTF-8 as it is', async () => {
    // ws checks the UTF-8 of text frames only: a binary one decoded leniently stored `hi \uFFFD\uFFFD`.
    const token = await signIn(server.url, createWallet())
    const talker = await TestClient.connect(`${server.url.replace('http', 'ws')}/ws?token=${encodeURIComponent(token)}`)
    await talker.take('connection.established')
    await talker.take('authenticated')
    const frame = (text: string, tail: number[] = []) => Buffer.concat([Buffer.from(text), Buffer.from(tail), Buffer.from('"}')])
    talker.ws.send(frame('{"type":"chat.send","message":"binary hi ', [0xFF, 0xFE]), { binary: true })
    expect((await talker.take('error')).data).toMatchObject({ code: 'INVALID_JSON' })
    talker.ws.send(frame('{"type":"chat.send","message":"binary gm \u00e9 ', [0xC3, 0xA9]), { binary: true })
    await waitForChat(casino, 'binary gm é é')
    expect((await casino.store.listChat({ limit: 10 })).map(m => m.message).filter(m => m.startsWith('binary'))).toEqual(['binary gm é é'])
    talker.ws.terminate()
  })

  it('answers chat.send with NOT_READY, not INTERNAL, while the kv holding token revocations is down', async () => {
    const outage = outageKv()
    const { kv } = outage
    const own = createCasino({
      name: 'Kv Outage Casino', ownerWallet: owner.address, kv,
      auth: { jwtSecret: 'realtime-e2e-secret-of-at-least-32-bytes', domain: 'casino.test', uri: 'https://casino.test' },
    })
    const listening = await own.listen({ port: 0 })
    try {
      const token = await signIn(listening.url, createWallet())
      const talker = await TestClient.connect(`${listening.url.replace('http', 'ws')}/ws?token=${encodeURIComponent(token)}`)
      await talker.take('connection.established')
      await talker.take('authenticated')
      outage.down = true
      talker.send({ type: 'chat.send', message: 'while the kv is down' })
      expect((await talker.take('error')).data).toMatchObject({ code: 'NOT_READY' })
      outage.down = false
      talker.send({ type: 'chat.send', message: 'back up' })
      await waitForChat(own, 'back up')
      talker.ws.terminate()
    }
    finally {
      await own.close()
    }
  })
})

/** Waits until `casino`'s store lists a chat message `text`. */
async function waitForChat(casino: Casino, text: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await casino.store.listChat({ limit: 10 })).some(m => m.message === text)) return
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  throw new Error(`no chat message ${text}`)
}

/** Signs `wallet` in over REST at `baseUrl` (a real signature of the issued message) and returns its JWT. */
async function signIn(baseUrl: string, wallet: ReturnType<typeof createWallet>): Promise<string> {
  const issued = await (await fetch(`${baseUrl}/api/auth/message?walletAddress=${wallet.address}`)).json() as { message: string }
  const signin = await fetch(`${baseUrl}/api/auth/signin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ walletAddress: wallet.address, message: issued.message, signature: wallet.sign(issued.message) }),
  })
  expect(signin.status).toBe(200)
  return (await signin.json() as { token: string }).token
}
