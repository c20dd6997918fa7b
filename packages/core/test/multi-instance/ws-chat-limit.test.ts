import { createStorage, type Storage } from 'unstorage'
import redisDriver from 'unstorage/drivers/redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisAvailable, redisUrl, uniqueName } from '../../../adapters/test/_services'
import { type Casino, type CasinoServer, createCasino } from '../../src/casino'
import { createWallet } from '../http/_harness'
import { TestClient } from '../ws/_harness'

// Two instances sharing a Redis kv, as docs/deployment.md describes: a wallet's sockets on both share one
// chat budget. Counted in each process, the budget was per instance: N instances, N times the messages.
const up = await redisAvailable()

describe.skipIf(!up)('chat.send limits across two instances (Redis kv)', () => {
  const base = uniqueName('fare_ws_chat_kv')
  const kvs: Storage[] = []
  const casinos: Casino[] = []
  const clients: TestClient[] = []
  let a: CasinoServer
  let b: CasinoServer

  const instance = async () => {
    const kv = createStorage({ driver: redisDriver({ url: redisUrl, base }) })
    kvs.push(kv)
    const casino = createCasino({
      name: 'Shared Casino',
      ownerWallet: createWallet().address,
      kv,
      auth: { jwtSecret: 'shared-secret-of-two-instances-32-bytes!', domain: 'casino.test', uri: 'https://casino.test' },
      realtime: { chatRateLimit: { messages: 3, windowMs: 60_000 } },
    })
    casinos.push(casino)
    await casino.ready
    return casino.listen({ port: 0 })
  }

  beforeAll(async () => {
    a = await instance()
    b = await instance()
  })

  afterAll(async () => {
    for (const c of clients) c.ws.terminate()
    await Promise.all(casinos.map(c => c.close()))
    for (const kv of kvs) {
      await kv.clear()
      await kv.dispose()
    }
  })

  const signIn = async (server: CasinoServer, wallet: ReturnType<typeof createWallet>) => {
    const { message } = await (await fetch(`${server.url}/api/auth/message?walletAddress=${wallet.address}`)).json() as { message: string }
    const res = await fetch(`${server.url}/api/auth/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ walletAddress: wallet.address, message, signature: wallet.sign(message) }),
    })
    return (await res.json() as { token: string }).token
  }

  const socket = async (server: CasinoServer, token: string) => {
    const client = await TestClient.connect(`${server.url.replace('http', 'ws')}/ws`)
    clients.push(client)
    await client.take('connection.established')
    client.send({ type: 'subscribe', channels: ['chat'] })
    await client.take('subscribed')
    client.send({ type: 'auth', token })
    await client.take('authenticated')
    return client
  }

  /** What answered a chat.send: its own broadcast, or an error. */
  const chat = async (client: TestClient, text: string) => {
    client.send({ type: 'chat.send', message: text })
    const answer = await client.take(m => m.type === 'error' || (m.type === 'chat.message' && m.data.message === text))
    return answer.type === 'error' ? answer.data.code as string : 'sent'
  }

  it('counts a wallet\'s messages on every instance against one budget', async () => {
    const wallet = createWallet()
    const token = await signIn(a, wallet)
    const onA = await socket(a, token)
    const onB = await socket(b, token)
    expect([await chat(onA, 'a1'), await chat(onA, 'a2'), await chat(onB, 'b1'), await chat(onB, 'b2'), await chat(onA, 'a3')])
      .toEqual(['sent', 'sent', 'sent', 'RATE_LIMITED', 'RATE_LIMITED'])
    // Another wallet has a budget of its own.
    const other = await socket(b, await signIn(b, createWallet()))
    expect(await chat(other, 'hello')).toBe('sent')
  })
})
