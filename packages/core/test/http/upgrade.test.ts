/**
 * Requests that offer to switch protocols to something other than a WebSocket (`Upgrade: h2c`, sent by
 * `curl --http2` on http:// and by Java's HttpClient) are plain HTTP/1.1 requests to the casino: once
 * the live stream listened for upgrades, Node handed every such request to it, and each got a 404.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { type Casino, type CasinoServer, createCasino } from '../../src/casino'
import { memoryStore } from '../../src/store/memory'
import { createWallet, requestOfferingH2c } from './_harness'

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
    close = () => new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
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
