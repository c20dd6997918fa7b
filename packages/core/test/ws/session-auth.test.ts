import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { type Casino, type CasinoServer, createCasino } from '../../src/casino'
import { createWallet, type TestWallet } from '../http/_harness'
import { TestClient } from './_harness'

// Through createCasino: the socket authenticates with a JWT from the REST sign-in, as a frontend does.
let casino: Casino
let server: CasinoServer
const clients: TestClient[] = []

beforeAll(async () => {
  casino = createCasino({
    name: 'Session Casino',
    ownerWallet: createWallet().address,
    auth: { jwtSecret: 'session-test-secret-of-at-least-32-bytes', domain: 'casino.test', uri: 'https://casino.test', tokenTtl: 3600 },
    rateLimit: false,
  })
  await casino.ready
  server = await casino.listen({ port: 0 })
})
afterEach(() => {
  vi.useRealTimers()
  for (const c of clients.splice(0)) c.ws.terminate()
})
afterAll(() => casino.close())

async function signIn(wallet: TestWallet): Promise<string> {
  const issued = await (await fetch(`${server.url}/api/auth/message?walletAddress=${wallet.address}`)).json() as { message: string }
  const res = await fetch(`${server.url}/api/auth/signin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ walletAddress: wallet.address, message: issued.message, signature: wallet.sign(issued.message) }),
  })
  expect(res.status).toBe(200)
  return (await res.json() as { token: string }).token
}

async function authenticated(token: string): Promise<TestClient> {
  const client = await TestClient.chatting(server.url, token)
  clients.push(client)
  return client
}

/** Sends a chat message and returns what answered it: the broadcast `chat.message` or an `error`. */
async function chat(client: TestClient, text: string) {
  client.send({ type: 'chat.send', message: text })
  return client.take(m => m.type === 'error' || (m.type === 'chat.message' && m.data.message === text))
}

describe('a socket authenticated once', () => {
  it('loses its chat rights when the token is revoked by a logout over REST', async () => {
    const player = createWallet()
    const token = await signIn(player)
    const client = await authenticated(token)
    expect((await chat(client, 'before logout')).type).toBe('chat.message')

    const logout = await fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
    expect(logout.status).toBe(200)
    const refused = await chat(client, 'after logout')
    expect(refused.data).toEqual({ code: 'TOKEN_INVALID', message: 'Token expired or revoked, authenticate again' })
    // The socket is no longer authenticated at all, and nothing was stored.
    expect((await chat(client, 'still')).data.code).toBe('UNAUTHORIZED')
    expect((await casino.store.listChat({ limit: 10 })).filter(m => m.wallet === player.address).map(m => m.message)).toEqual(['before logout'])
  })

  it('is signed out by an auth whose token is refused: it never goes on as the wallet before', async () => {
    const player = createWallet()
    const client = await authenticated(await signIn(player))
    client.send({ type: 'auth', token: 'not-a-token' })
    expect((await client.take('error')).data.code).toBe('TOKEN_INVALID')
    expect((await chat(client, 'as whom?')).data.code).toBe('UNAUTHORIZED')
    expect((await casino.store.listChat({ limit: 10 })).some(m => m.wallet === player.address)).toBe(false)
  })

  it('loses its chat rights when the token expires, and gets them back with a fresh token', async () => {
    const player = createWallet()
    const client = await authenticated(await signIn(player))
    expect((await chat(client, 'while valid')).type).toBe('chat.message')

    // Only Date is faked: the server and the socket keep running on real timers.
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 3601_000)
    expect((await chat(client, 'after expiry')).data.code).toBe('TOKEN_INVALID')
    vi.useRealTimers()

    client.send({ type: 'auth', token: await signIn(player) })
    await client.take('authenticated')
    expect((await chat(client, 'signed in again')).type).toBe('chat.message')
    expect((await casino.store.listChat({ limit: 10 })).filter(m => m.wallet === player.address).map(m => m.message))
      .toEqual(['signed in again', 'while valid'])
  })
})
