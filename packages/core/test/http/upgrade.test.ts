/**
 * Requests that offer to switch protocols to something other than a WebSocket (`Upgrade: h2c`, sent by
 * `curl --http2` on http:// and by Java's HttpClient) are plain HTTP/1.1 requests to the casino: once
 * the live stream listened for upgrades, Node handed every such request to it, and each got a 404.
 */
import { execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer } from 'node:https'
import { type AddressInfo, connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { type Casino, type CasinoServer, createCasino } from '../../src/casino'
import { memoryStore } from '../../src/store/memory'
import { waitFor } from '../indexer/helpers'
import { closeServer, createWallet, requestOfferingH2c } from './_harness'

let casino: Casino

beforeAll(async () => {
  casino = createCasino({
    name: 'Upgrade Casino',
    ownerWallet: createWallet().address,
    store: memoryStore(),
    auth: { jwtSecret: 'upgrade-test-secret-of-at-least-32-bytes', domain: 'casino.test', uri: 'https://casino.test' },
  })
  await casino.ready
})

afterAll(() => casino.close())

/** The head lines an h2c offer adds to a request. */
const OFFER = 'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n'

/** More headers than Node keeps of a request (1000 by default). */
const TOO_MANY_HEADERS = 'a: b\r\n'.repeat(1100)

/**
 * Writes `text` on one raw TCP connection and reads until the server closes it: the status codes of
 * every response, in order.
 */
async function exchange(port: number, text: string): Promise<number[]> {
  const socket = connect(port, '127.0.0.1')
  let got = ''
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => { got += chunk })
  socket.write(text)
  await once(socket, 'close')
  return [...got.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map(m => Number(m[1]))
}

/** The first message of a new WebSocket, once it is open. */
function firstMessage(url: string, options: WebSocket.ClientOptions = {}): Promise<{ type: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, options)
    socket.once('message', (raw) => {
      socket.close()
      resolve(JSON.parse(String(raw)) as { type: string })
    })
    socket.once('error', reject)
  })
}

describe('casino.listen()', () => {
  let server: CasinoServer
  beforeAll(async () => {
    server = await casino.listen({ port: 0 })
  })
  afterAll(() => server.close())

  it('serves the routes, and the path of the live stream, as plain HTTP', async () => {
    const health = await requestOfferingH2c(`${server.url}/health`)
    expect(health.status).toBe(200)
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' })
    // `/ws` without a WebSocket upgrade is a route like any other, and h3 knows none there.
    const ws = await requestOfferingH2c(`${server.url}/ws`)
    expect(ws.status).toBe(404)
    expect(JSON.parse(ws.body)).toMatchObject({ error: { code: expect.any(String) } })
    expect((await firstMessage(`${server.url.replace('http', 'ws')}/ws`)).type).toBe('connection.established')
  })
})

/** A node:http host with a slow route of its own (`/slow`, 250 ms) and the casino, as the README mounts it. */
async function startHost(configure: (server: Server) => void = () => {}) {
  const server = createHttpServer((req, res) => {
    if (req.url === '/slow') return void setTimeout(() => res.end('slow'), 250)
    casino.handler(req, res)
  })
  configure(server)
  server.on('upgrade', casino.realtime!.handleUpgrade)
  // After the casino's listener: the offer is in its hands once this runs.
  let offered = (): void => {}
  server.on('upgrade', () => offered())
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    server,
    port: (server.address() as AddressInfo).port,
    /** Resolves once the next upgrade request has reached the casino. */
    nextOffer: () => new Promise<void>((resolve) => { offered = resolve }),
    /** Sockets the server holds open. */
    open: () => new Promise<number>((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count)))),
    close: () => closeServer(server),
  }
}

describe('on one connection', () => {
  let port: number
  let connections = 0
  let close: () => Promise<void>
  beforeAll(async () => {
    // With a connection tracker, as shutdown helpers keep.
    const host = await startHost(server => server.on('connection', () => { connections++ }))
    port = host.port
    close = host.close
  })
  afterAll(() => close())

  it('answers an offer pipelined behind a slower request, in order, and what follows it', async () => {
    // The offer's answer waited for good behind the one still being written.
    const statuses = await exchange(port, [
      'GET /slow HTTP/1.1\r\nHost: x\r\n\r\n',
      `POST /api/auth/signin HTTP/1.1\r\nHost: x\r\n${OFFER}Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
      `GET /health HTTP/1.1\r\nHost: x\r\n${OFFER}\r\n`,
      'GET /api/casino/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    ].join(''))
    expect(statuses).toEqual([200, 400, 200, 200])
  })

  it('refuses an offer whose header list Node may have cut, so that its body is never read as a request', async () => {
    // Node keeps 1000 headers of a request: a Content-Length after them was lost when the request was
    // written again, and the body below was served as a request of its own.
    const smuggled = 'GET /api/casino/info HTTP/1.1\r\nHost: x\r\n\r\n'
    const head = (offer: string) => `POST /api/auth/signin HTTP/1.1\r\nHost: x\r\n${offer}${TOO_MANY_HEADERS}Content-Type: application/json\r\nContent-Length: ${smuggled.length}\r\nConnection: close\r\n\r\n`
    // Without the offer Node reads the body by its Content-Length: one answer (415: the casino sees only the
    // first 1000 headers, not the Content-Type).
    expect(await exchange(port, head('') + smuggled)).toEqual([415])
    expect(await exchange(port, head(OFFER) + smuggled)).toEqual([431])
  })

  it('runs the host\'s own connection listeners once per connection', async () => {
    const before = connections
    const statuses = await exchange(port, `${`GET /health HTTP/1.1\r\nHost: x\r\n${OFFER}\r\n`.repeat(5)}GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200])
    expect(connections - before).toBe(1)
  })
})

describe('sockets taken from Node', () => {
  /** Sends `text` on a new connection; resolves with the socket once the server has answered something. */
  function answered(port: number, text: string): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(text))
      socket.once('data', () => resolve(socket))
      socket.on('error', () => {})
      socket.once('close', () => reject(new Error('closed without an answer')))
    })
  }

  it('are closed after a refusal, however much the client still sends', async () => {
    // A half-close left them open for good, with a body unread: off every list server.close() goes through.
    const host = await startHost()
    try {
      const body = 'z'.repeat(200_000)
      const refused = [
        `POST /api/auth/signin HTTP/1.1\r\nHost: x\r\n${OFFER}${TOO_MANY_HEADERS}Content-Length: ${body.length}\r\n\r\n${body}`,
        `POST /elsewhere HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      ]
      for (const text of refused) {
        const client = await answered(host.port, text)
        client.destroy()
        await waitFor(async () => (await host.open()) === 0, 5000, 'the server to let go of the socket')
      }
    }
    finally {
      await host.close()
    }
  })

  it('survive a reset while an offer waits behind an earlier answer', async () => {
    // Node takes its error listener off at the upgrade: the reset was an uncaught exception.
    const host = await startHost()
    const uncaught: unknown[] = []
    const onUncaught = (error: unknown): void => void uncaught.push(error)
    process.on('uncaughtException', onUncaught)
    try {
      const client = connect(host.port, '127.0.0.1')
      client.on('error', () => {})
      const offer = host.nextOffer()
      client.write(`GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n${OFFER}\r\n`)
      await offer
      client.resetAndDestroy()
      await waitFor(async () => (await host.open()) === 0, 5000, 'the server to let go of the socket')
      await new Promise(resolve => setTimeout(resolve, 150))
      expect(uncaught).toEqual([])
    }
    finally {
      process.off('uncaughtException', onUncaught)
      await host.close()
    }
  })

  it('follow the server\'s timeout while an offer waits', async () => {
    // The socket's timeout has no listener of Node's after the upgrade: both answers were written late.
    const timed = await startHost(server => server.setTimeout(40))
    try {
      const pipelined = `GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n${OFFER}\r\n`
      // Node's own answer to such a timeout, without the offer: the connection closed, nothing written.
      expect(await exchange(timed.port, pipelined.replace(OFFER, ''))).toEqual([])
      expect(await exchange(timed.port, pipelined)).toEqual([])
    }
    finally {
      await timed.close()
    }
  })

  it('drop an offer still waiting when the server closes, after the answer in progress', async () => {
    const host = await startHost()
    const offer = host.nextOffer()
    const closing = exchange(host.port, `GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n${OFFER}\r\n`)
    await offer
    const closed = new Promise<void>(resolve => host.server.close(() => resolve()))
    host.server.closeIdleConnections()
    expect(await closing).toEqual([200])
    await closed
  })

  it('are not refused for a few headers more than a small maxHeadersCount', async () => {
    // Node cuts a header list only past a block of 32 headers: a shorter one is whole.
    const host = await startHost((server) => { server.maxHeadersCount = 10 })
    try {
      const headers = 'a: b\r\n'.repeat(12)
      expect(await exchange(host.port, `GET /health HTTP/1.1\r\nHost: x\r\n${OFFER}${headers}Connection: close\r\n\r\n`)).toEqual([200])
    }
    finally {
      await host.close()
    }
  })
})

describe('an HTTPS host', () => {
  let dir: string
  let url: string
  let ca: string
  let close: () => Promise<void>

  beforeAll(async () => {
    // A self-signed certificate for 127.0.0.1; node:https takes the upgrade's socket back on `secureConnection`.
    dir = mkdtempSync(join(tmpdir(), 'fare-tls-'))
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' })
    ca = readFileSync(join(dir, 'cert.pem'), 'utf8')
    const server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: ca }, casino.handler)
    server.on('upgrade', casino.realtime!.handleUpgrade)
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
    close = () => closeServer(server)
  })

  afterAll(async () => {
    await close?.()
    rmSync(dir, { recursive: true, force: true })
  })

  it('answers over TLS, a POST body included, and still streams', async () => {
    const info = await requestOfferingH2c(`${url}/api/casino/info`, { ca })
    expect(info.status).toBe(200)
    expect(JSON.parse(info.body)).toMatchObject({ name: 'Upgrade Casino' })
    const bad = await requestOfferingH2c(`${url}/api/auth/signin`, { ca, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"walletAddress":"nope"}' })
    expect(bad.status).toBe(400)
    expect(JSON.parse(bad.body)).toMatchObject({ error: { code: expect.any(String) } })
    expect((await firstMessage(`${url.replace('https', 'wss')}/ws`, { ca })).type).toBe('connection.established')
  })
})
