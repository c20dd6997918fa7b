import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTokenService } from '../../src/auth/tokens'
import { type Casino, type CasinoServer, createCasino } from '../../src/casino'
import { makeBatch, makeRegister } from '../../src/testing/fixtures'
import { createRealtime, type Realtime } from '../../src/ws/realtime'
import { createWallet } from '../http/_harness'
import { TestClient } from './_harness'

// End to end through createCasino: sign in over REST with a real keypair, then use that JWT on the socket.
// Through `casino.realtime` and `casino.listen()` once createCasino wires the stream; until then the test
// wires it the way casino.ts should.
let casino: Casino
let server: CasinoServer
let realtime: Realtime
let ownRealtime = false

beforeAll(async () => {
  casino = createCasino({
    name: 'Realtime Casino',
    ownerWallet: createWallet().address,
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
    const issued = await (await fetch(`${server.url}/api/auth/message?walletAddress=${player.address}`)).json() as { message: string }
    const signin = await fetch(`${server.url}/api/auth/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ walletAddress: player.address, message: issued.message, signature: player.sign(issued.message) }),
    })
    expect(signin.status).toBe(200)
    const { token } = await signin.json() as { token: string }

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
})
