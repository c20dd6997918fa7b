import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisAvailable, uniqueName } from '../../../adapters/test/_services'
import type { CasinoServer } from '../../src/casino'
import { createWallet } from '../http/_harness'
import { TestClient } from '../ws/_harness'
import { sharedKvInstances } from './_shared-kv'

// Two instances sharing a Redis kv, as docs/deployment.md describes: a wallet's sockets on both share one
// chat budget. Counted in each process, the budget was per instance: N instances, N times the messages.
const up = await redisAvailable()

describe.skipIf(!up)('chat.send limits across two instances (Redis kv)', () => {
  const instances = sharedKvInstances(uniqueName('fare_ws_chat_kv'), () => ({ realtime: { chatRateLimit: { messages: 3, windowMs: 60_000 } } }))
  const clients: TestClient[] = []
  let a: CasinoServer
  let b: CasinoServer

  beforeAll(async () => {
    a = await instances.start()
    b = await instances.start()
  })

  afterAll(async () => {
    for (const c of clients) c.ws.terminate()
    await instances.close()
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
    const client = await TestClient.chatting(server.url, token)
    clients.push(client)
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
