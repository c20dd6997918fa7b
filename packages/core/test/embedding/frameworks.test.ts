/**
 * The README's embedding recipes, run as written inside the real frameworks: a host server with a route
 * of its own (and, for Express, the global `express.json()` most Express apps have), the casino mounted
 * beside it, HTTP and the live stream on the host's one port. Each framework must pass every request
 * through untouched: GETs, a signed-in POST with a JSON body, bad JSON answered 400, the WebSocket
 * upgrade, and the client's own address for per-IP rate limits.
 */
import { Agent, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { type Casino, createCasino } from '../../src/casino'
import { memoryStore } from '../../src/store/memory'
import { closeServer, createWallet, requestOfferingH2c } from '../http/_harness'

/** A host server with the casino mounted in it. */
interface Host {
  url: string
  close(): Promise<void>
}

/** Listens on 127.0.0.1, port chosen by the system. */
function listening(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))
  })
}

/** The recipes, as docs/embedding.md writes them. */
const recipes: Record<string, (casino: Casino) => Promise<Host>> = {
  async 'node:http'(casino) {
    const { createServer } = await import('node:http')
    const server = createServer((req, res) => {
      if (req.url === '/mine') return void res.setHeader('content-type', 'application/json').end('{"mine":true}')
      casino.handler(req, res)
    })
    server.on('upgrade', casino.realtime!.handleUpgrade)
    return { url: await listening(server), close: () => closeServer(server) }
  },

  async 'express'(casino) {
    const app = express()
    app.use(express.json())
    app.get('/mine', (_req, res) => void res.json({ mine: true }))
    app.use(casino.handler)
    const server = app.listen(0, '127.0.0.1')
    server.on('upgrade', casino.realtime!.handleUpgrade)
    await new Promise(resolve => server.once('listening', resolve))
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => closeServer(server) }
  },

  async 'fastify'(casino) {
    const app = Fastify()
    app.get('/mine', async () => ({ mine: true }))
    await app.register(async (scope) => {
      // The casino reads its own bodies: nothing in this scope parses them first.
      scope.removeAllContentTypeParsers()
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null))
      const toCasino = (request: { raw: Parameters<Casino['handler']>[0] }, reply: { hijack(): void, raw: Parameters<Casino['handler']>[1] }) => {
        reply.hijack()
        casino.handler(request.raw, reply.raw)
      }
      scope.all('/api/*', toCasino)
      scope.all('/health', toCasino)
      scope.all('/health/*', toCasino)
    })
    app.server.on('upgrade', casino.realtime!.handleUpgrade)
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    return { url, close: () => app.close() }
  },

  async 'hono'(casino) {
    const app = new Hono()
    app.get('/mine', c => c.json({ mine: true }))
    app.mount('/', casino.fetch)
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server
    server.on('upgrade', casino.realtime!.handleUpgrade)
    await new Promise(resolve => server.once('listening', resolve))
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => closeServer(server) }
  },
}

/** A GET from a chosen loopback address (127.0.0.x), as a distinct client would come. */
function getFrom(localAddress: string, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    httpRequest(url, { localAddress, agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode!))
    }).on('error', reject).end()
  })
}

/** The first WebSocket message of `type` on `socket`. */
function nextMessage(socket: WebSocket, type: string): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const onMessage = (raw: WebSocket.RawData) => {
      const message = JSON.parse(String(raw)) as Record<string, any>
      if (message.type !== type) return
      socket.off('message', onMessage)
      resolve(message)
    }
    socket.on('message', onMessage)
    socket.once('error', reject)
  })
}

describe.each(Object.keys(recipes))('the casino inside %s', (framework) => {
  let casino: Casino
  let host: Host
  const owner = createWallet()

  async function start(overrides: Parameters<typeof createCasino>[0]['rateLimit'] = { max: 100_000, auth: { max: 10_000 }, chat: { max: 10_000 } }) {
    casino = createCasino({
      name: 'Embedded Casino',
      ownerWallet: owner.address,
      store: memoryStore(),
      auth: { jwtSecret: 'test-secret-of-at-least-thirty-two-bytes!', domain: 'casino.test', uri: 'https://casino.test' },
      rateLimit: overrides,
    })
    await casino.ready
    host = await recipes[framework]!(casino)
  }

  afterEach(async () => {
    await host?.close()
    await casino?.close()
  })

  it('serves its routes beside the host\'s, takes JSON bodies, and streams on the same port', async () => {
    await start()
    expect(await (await fetch(`${host.url}/mine`)).json()).toEqual({ mine: true })
    const stats = await fetch(`${host.url}/api/casino/stats`)
    expect(stats.status).toBe(200)
    expect(await stats.json()).toMatchObject({ totalBets: 0 })
    expect((await fetch(`${host.url}/health`)).status).toBe(200)

    const wallet = createWallet()
    const issued = await (await fetch(`${host.url}/api/auth/message?walletAddress=${wallet.address}`)).json() as { message: string }
    const signIn = await fetch(`${host.url}/api/auth/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ walletAddress: wallet.address, message: issued.message, signature: wallet.sign(issued.message) }),
    })
    expect(signIn.status).toBe(200)
    const { token } = await signIn.json() as { token: string }

    const socket = new WebSocket(`${host.url.replace('http', 'ws')}/ws`)
    await nextMessage(socket, 'connection.established')
    socket.send(JSON.stringify({ type: 'subscribe', channels: ['chat'] }))
    await nextMessage(socket, 'subscribed')
    const arrived = nextMessage(socket, 'chat.message')
    const posted = await fetch(`${host.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'authorization': `Bearer ${token}` },
      body: JSON.stringify({ message: 'hello from inside' }),
    })
    expect(posted.status).toBe(201)
    expect((await arrived).data).toMatchObject({ walletAddress: wallet.address, message: 'hello from inside' })
    socket.close()

    const renamed = await fetch(`${host.url}/api/player/profile`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'authorization': `Bearer ${token}` },
      body: JSON.stringify({ username: 'embedded' }),
    })
    expect(renamed.status).toBe(200)
    expect(await renamed.json()).toMatchObject({ player: { username: 'embedded' } })

    // Bad JSON is the client's error (Express's own parser answers it before the casino sees it).
    const bad = await fetch(`${host.url}/api/auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"walletAddress":' })
    expect(bad.status).toBe(400)
  })

  it('answers a request offering another protocol (Upgrade: h2c) as plain HTTP, the host\'s routes too', async () => {
    // The live stream's upgrade listener took every such request, on every route, and answered 404.
    await start()
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    try {
      const mine = await requestOfferingH2c(`${host.url}/mine`, { agent })
      expect(mine).toMatchObject({ status: 200, reusedSocket: false })
      expect(JSON.parse(mine.body)).toEqual({ mine: true })

      const wallet = createWallet()
      const issued = await requestOfferingH2c(`${host.url}/api/auth/message?walletAddress=${wallet.address}`, { agent })
      expect(issued.status).toBe(200)
      const { message } = JSON.parse(issued.body) as { message: string }
      const signIn = await requestOfferingH2c(`${host.url}/api/auth/signin`, {
        agent,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ walletAddress: wallet.address, message, signature: wallet.sign(message) }),
      })
      expect(signIn.status).toBe(200)
      expect(JSON.parse(signIn.body)).toMatchObject({ token: expect.any(String) })
      // The connection stays HTTP/1.1 and goes on serving the plain requests after it.
      const stats = await new Promise<{ status?: number, reused: boolean }>((resolve, reject) => {
        const req = httpRequest(`${host.url}/api/casino/stats`, { agent }, (res) => {
          res.resume()
          res.on('end', () => resolve({ status: res.statusCode, reused: req.reusedSocket }))
        }).on('error', reject)
        req.end()
      })
      expect(stats).toEqual({ status: 200, reused: true })

      // A WebSocket upgrade still becomes a WebSocket.
      const socket = new WebSocket(`${host.url.replace('http', 'ws')}/ws`)
      await nextMessage(socket, 'connection.established')
      socket.close()
    }
    finally {
      agent.destroy()
    }
  })

  it('refuses a body streamed past the limit with 413, and the process goes on', async () => {
    // Node's Readable.toWeb (under srvx and @hono/node-server) threw an uncaught exception when such a
    // body was cut off while more of it arrived: the whole process ended.
    await start()
    const uncaught: unknown[] = []
    const onUncaught = (error: unknown): void => void uncaught.push(error)
    process.on('uncaughtException', onUncaught)
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    try {
      const big = JSON.stringify({ walletAddress: 'x'.repeat(300_000) })
      for (let i = 0; i < 3; i++) {
        const status = await new Promise<number | undefined>((resolve) => {
          const req = httpRequest(`${host.url}/api/auth/signin`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
            res.resume()
            res.on('end', () => resolve(res.statusCode))
          })
          req.on('error', () => resolve(undefined))
          for (let at = 0; at < big.length; at += 50_000) req.write(big.slice(at, at + 50_000))
          req.end()
        })
        // Express's own parser refuses it first (413 too); every host answers.
        expect(status).toBe(413)
      }
      await new Promise(resolve => setTimeout(resolve, 200))
      expect(uncaught).toEqual([])
      expect((await fetch(`${host.url}/health`)).status).toBe(200)
    }
    finally {
      process.off('uncaughtException', onUncaught)
      agent.destroy()
    }
  })

  // Linux routes all of 127.0.0.0/8 to the loopback; macOS has only 127.0.0.1 there.
  it.skipIf(process.platform === 'darwin')('rate-limits each client by its own address', async () => {
    await start({ max: 3, windowMs: 60_000 })
    const url = `${host.url}/api/casino/info`
    const first = [await getFrom('127.0.0.2', url), await getFrom('127.0.0.2', url), await getFrom('127.0.0.2', url), await getFrom('127.0.0.2', url)]
    expect(first).toEqual([200, 200, 200, 429])
    // Another client still has its whole budget: the casino saw two addresses, not one shared 'unknown'.
    expect(await getFrom('127.0.0.3', url)).toBe(200)
  })
})
