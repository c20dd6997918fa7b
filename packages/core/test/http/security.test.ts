import http from 'node:http'
import { createConsola } from 'consola'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createWallet, errorCode, outageKv, startCasino, type TestCasino, transports } from './_harness'

/** Runs as on a Fly.io Machine (Fly sets FLY_MACHINE_ID in its environment). */
const onFly = () => vi.stubEnv('FLY_MACHINE_ID', '148e21ea7e0e89')

describe.each(transports)('HTTP hardening via %s', (transport) => {
  let t: TestCasino
  beforeAll(async () => {
    t = await startCasino(transport, { cors: { origin: ['https://app.casino.test'], credentials: true }, bodyLimit: 1024 })
  })
  afterAll(() => t.close())

  it('sends helmet-like headers on success, error and 404 responses', async () => {
    for (const path of ['/health', '/api/bets?limit=0', '/no/such/route']) {
      const res = await t.request(path)
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'")
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(res.headers.get('x-frame-options')).toBe('DENY')
      expect(res.headers.get('referrer-policy')).toBe('no-referrer')
      expect(res.headers.get('strict-transport-security')).toContain('max-age=')
      expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin')
      expect(res.headers.get('content-type')).toContain('application/json')
    }
  })

  it('answers unknown routes and methods with a 404 JSON error', async () => {
    const res = await t.request('/api/nothing')
    expect(res.status).toBe(404)
    expect(await errorCode(res)).toBe('NOT_FOUND')
    const put = await t.request('/api/casino/stats', { method: 'PUT' })
    expect(put.status).toBe(404)
  })

  it('allows configured origins only, with a preflight', async () => {
    const pre = await t.request('/api/chat', { method: 'OPTIONS', headers: { origin: 'https://app.casino.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } })
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.casino.test')
    expect(pre.headers.get('access-control-allow-credentials')).toBe('true')
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST')
    const foreign = await t.request('/api/casino/info', { headers: { origin: 'https://evil.test' } })
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('requires JSON bodies (415), well-formed (400), within the limit (413)', async () => {
    const token = await t.signIn(createWallet())
    const form = await t.request('/api/chat', { method: 'POST', token, body: 'message=hi', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(form.status).toBe(415)
    expect(await errorCode(form)).toBe('UNSUPPORTED_MEDIA_TYPE')
    const bad = await t.request('/api/chat', { method: 'POST', token, body: '{"message":', headers: { 'content-type': 'application/json' } })
    expect(bad.status).toBe(400)
    expect(await errorCode(bad)).toBe('INVALID_JSON')
    const big = await t.request('/api/chat', { method: 'POST', token, json: { message: 'x'.repeat(4096) } })
    expect(big.status).toBe(413)
    expect(await errorCode(big)).toBe('PAYLOAD_TOO_LARGE')
    const array = await t.request('/api/chat', { method: 'POST', token, json: ['hi'] })
    expect(array.status).toBe(400)
    const empty = await t.request('/api/chat', { method: 'POST', token, headers: { 'content-type': 'application/json' } })
    expect(empty.status).toBe(400)
  })

  it('never writes without authentication', async () => {
    for (const [method, path] of [['POST', '/api/chat'], ['PATCH', '/api/player/profile'], ['DELETE', '/api/chat/1'], ['POST', '/api/auth/logout']] as const) {
      const res = await t.request(path, { method, json: {} })
      expect(res.status, `${method} ${path}`).toBe(401)
    }
  })
})

describe.each(transports)('rate limits via %s', (transport) => {
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it('limits per IP with X-RateLimit headers and a 429 JSON error', async () => {
    const t = await startCasino(transport, { rateLimit: { max: 3, windowMs: 60_000 } })
    try {
      const statuses: number[] = []
      let last: Response | undefined
      for (let i = 0; i < 4; i++) {
        last = await t.request('/api/casino/info')
        statuses.push(last.status)
        if (i === 0) expect(last.headers.get('x-ratelimit-limit')).toBe('3')
      }
      expect(statuses).toEqual([200, 200, 200, 429])
      expect(last!.headers.get('retry-after')).toMatch(/^\d+$/)
      expect(await errorCode(last!)).toBe('RATE_LIMITED')
      // Probes are never limited, so an orchestrator can still see the casino; only the probes (a path
      // that merely starts like one was exempt too).
      for (const probe of ['/health', '/health/ready', '/api/health', '/api/health/ready']) expect((await t.request(probe)).status, probe).toBe(200)
      expect((await t.request('/healthz')).status).toBe(429)
    }
    finally {
      await t.close()
    }
  })

  it('believes X-Forwarded-For / Fly-Client-IP only with trustProxy', async () => {
    onFly()
    const trusting = await startCasino(transport, { rateLimit: { max: 1 }, trustProxy: true })
    const naive = await startCasino(transport, { rateLimit: { max: 1 } })
    try {
      const from = (ip: string) => ({ headers: { 'fly-client-ip': ip, 'x-forwarded-for': ip } })
      expect((await trusting.request('/api/casino/info', from('10.0.0.1'))).status).toBe(200)
      expect((await trusting.request('/api/casino/info', from('10.0.0.2'))).status).toBe(200)
      expect((await trusting.request('/api/casino/info', from('10.0.0.1'))).status).toBe(429)
      // Without trustProxy a spoofed header does not buy a fresh window.
      expect((await naive.request('/api/casino/info', from('10.0.0.1'))).status).toBe(200)
      expect((await naive.request('/api/casino/info', from('10.0.0.2'))).status).toBe(429)
    }
    finally {
      await trusting.close()
      await naive.close()
    }
  })

  it('takes the rightmost X-Forwarded-For entry, which the trusted proxy appended, and prefers Fly-Client-IP on Fly', async () => {
    onFly()
    const t = await startCasino(transport, { rateLimit: { max: 1 }, trustProxy: true })
    try {
      const forwarded = (value: string) => ({ headers: { 'x-forwarded-for': value } })
      expect((await t.request('/api/casino/info', forwarded('1.1.1.1, 203.0.113.9'))).status).toBe(200)
      // A client that writes another first entry is still the address our proxy saw: no fresh window.
      expect((await t.request('/api/casino/info', forwarded('2.2.2.2, 203.0.113.9'))).status).toBe(429)
      expect((await t.request('/api/casino/info', forwarded('1.1.1.1, 203.0.113.10'))).status).toBe(200)
      // Fly-Client-IP names the client even when X-Forwarded-For names a spent one.
      const fly = { headers: { 'fly-client-ip': '198.51.100.7', 'x-forwarded-for': '203.0.113.9' } }
      expect((await t.request('/api/casino/info', fly)).status).toBe(200)
      expect((await t.request('/api/casino/info', fly)).status).toBe(429)
    }
    finally {
      await t.close()
    }
  })

  it('off Fly, a Fly-Client-IP is the client\'s own text: rotating it buys no fresh window', async () => {
    // Behind nginx or a load balancer the header reaches the casino as the client wrote it.
    const t = await startCasino(transport, { rateLimit: { max: 1 }, trustProxy: true })
    try {
      const spoofed = (ip: string) => ({ headers: { 'fly-client-ip': ip, 'x-forwarded-for': '203.0.113.9' } })
      expect((await t.request('/api/casino/info', spoofed('198.51.100.1'))).status).toBe(200)
      expect((await t.request('/api/casino/info', spoofed('198.51.100.2'))).status).toBe(429)
    }
    finally {
      await t.close()
    }
  })

  it('keeps a window per client address, whatever the kv does to keys', async () => {
    // unstorage collapses '::' and refuses a '..' segment: the two IPv6 hosts shared a window, and an
    // address of '..' made the limiter fail (and, unhandled, ended the process).
    const t = await startCasino(transport, { rateLimit: { max: 1 }, trustProxy: true })
    try {
      const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } })
      for (const ip of ['2001:db8::1', '2001:db8:1::', '..', '::ffff:1', 'ffff::1', 'a/b', 'a:b', 'a?b', 'a?c']) {
        expect((await t.request('/api/casino/info', from(ip))).status, ip).toBe(200)
        expect((await t.request('/api/casino/info', from(ip))).status, ip).toBe(429)
      }
    }
    finally {
      await t.close()
    }
  })

  it('lets requests through, and warns once, while the limiter\'s kv cannot be reached', async () => {
    const outage = outageKv()
    const { kv } = outage
    const warnings: unknown[][] = []
    const logger = createConsola({ level: 3, reporters: [{ log: (entry) => { if (entry.type === 'warn') warnings.push(entry.args) } }] })
    const t = await startCasino(transport, { rateLimit: { max: 2 }, kv, logger })
    try {
      expect((await t.request('/api/casino/info')).status).toBe(200)
      outage.down = true
      const statuses = await Promise.all(Array.from({ length: 5 }, () => t.request('/api/casino/info').then(r => r.status)))
      expect(statuses).toEqual([200, 200, 200, 200, 200])
      expect(warnings).toHaveLength(1)
      expect(warnings[0]![0]).toBe('rate limiter unavailable: requests go through unlimited')
      // Back up: the window it had is counted again.
      outage.down = false
      expect((await t.request('/api/casino/info')).status).toBe(200)
      expect((await t.request('/api/casino/info')).status).toBe(429)
    }
    finally {
      await t.close()
    }
  })

  it('answers 503, not 500, on a route that needs a token while the kv cannot be reached', async () => {
    const outage = outageKv()
    const { kv } = outage
    const errors: unknown[][] = []
    const logger = createConsola({ level: 3, reporters: [{ log: (entry) => { if (entry.type === 'error') errors.push(entry.args) } }] })
    const t = await startCasino(transport, { rateLimit: false, kv, logger })
    try {
      const token = await t.signIn(createWallet())
      outage.down = true
      const res = await t.request('/api/player/profile', { token })
      expect(res.status).toBe(503)
      expect(await errorCode(res)).toBe('NOT_READY')
      // Not a server fault of ours: nothing logged as a failed request.
      expect(errors).toEqual([])
      outage.down = false
      expect((await t.request('/api/player/profile', { token })).status).toBe(200)
    }
    finally {
      await t.close()
    }
  })

  it('answers 503, not 500, to sign-in while the kv cannot be reached, and signs in once it is back', async () => {
    const outage = outageKv()
    const errors: unknown[][] = []
    const logger = createConsola({ level: 3, reporters: [{ log: (entry) => { if (entry.type === 'error') errors.push(entry.args) } }] })
    const t = await startCasino(transport, { rateLimit: false, kv: outage.kv, logger })
    try {
      const wallet = createWallet()
      const { message } = await (await t.request(`/api/auth/message?walletAddress=${wallet.address}`)).json() as { message: string }
      outage.down = true
      const issue = await t.request(`/api/auth/message?walletAddress=${wallet.address}`)
      expect([issue.status, await errorCode(issue)]).toEqual([503, 'NOT_READY'])
      const signIn = await t.request('/api/auth/signin', { method: 'POST', json: { walletAddress: wallet.address, message, signature: wallet.sign(message) } })
      expect([signIn.status, await errorCode(signIn)]).toEqual([503, 'NOT_READY'])
      expect(errors).toEqual([])
      // Nothing was spent: the same message signs in once the kv answers.
      outage.down = false
      expect((await t.request('/api/auth/signin', { method: 'POST', json: { walletAddress: wallet.address, message, signature: wallet.sign(message) } })).status).toBe(200)
    }
    finally {
      await t.close()
    }
  })

  it('limits chat posts per wallet', async () => {
    const t = await startCasino(transport, { rateLimit: { max: 1000, chat: { max: 2, windowMs: 60_000 } } })
    try {
      const token = await t.signIn(createWallet())
      const post = () => t.request('/api/chat', { method: 'POST', token, json: { message: 'spam' } })
      expect([(await post()).status, (await post()).status, (await post()).status]).toEqual([201, 201, 429])
      // Another wallet has its own window.
      const other = await t.signIn(createWallet())
      expect((await t.request('/api/chat', { method: 'POST', token: other, json: { message: 'hi' } })).status).toBe(201)
    }
    finally {
      await t.close()
    }
  })
})

// A body streamed past the limit without an uncaught exception, on every host: embedding/frameworks.test.ts.
describe('an answer sent before the body arrived whole, on a Node server', () => {
  let t: TestCasino
  let origin: URL
  beforeAll(async () => {
    t = await startCasino('node server', { bodyLimit: 1024 })
    origin = new URL((await t.request('/health')).url)
  })
  afterAll(() => t.close())

  /** One POST on `agent`, its body written in `chunks`; resolves with what came back, or the error. */
  const post = (agent: http.Agent, chunks: string[], headers: Record<string, string> = {}) => new Promise<{ status?: number, connection?: string, error?: string, ms: number }>((resolve) => {
    const started = Date.now()
    const req = http.request({ host: origin.hostname, port: origin.port, path: '/api/chat', method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode, connection: res.headers.connection, ms: Date.now() - started }))
    })
    req.on('error', error => resolve({ error: error.message, ms: Date.now() - started }))
    for (const chunk of chunks) req.write(chunk)
    req.end()
  })

  it('closes the connection, so that the next request on the same agent is answered at once', async () => {
    // Before, the 413 went out as keep-alive with the rest of the body unread: the next request on the
    // connection hung until the keep-alive timeout, then failed with ECONNRESET.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    try {
      const auth = { authorization: `Bearer ${await t.signIn(createWallet())}` }
      const big = JSON.stringify({ message: 'x'.repeat(200_000) })
      const refused = await post(agent, [big.slice(0, 100_000), big.slice(100_000)], auth)
      expect(refused).toMatchObject({ status: 413, connection: 'close' })
      const next = await post(agent, [JSON.stringify({ message: 'hi' })], auth)
      expect(next).toMatchObject({ status: 201, connection: 'keep-alive' })
      expect(next.ms).toBeLessThan(2_000)
      // Refused before the body is read (no token): the same.
      expect(await post(agent, [big.slice(0, 100_000), big.slice(100_000)])).toMatchObject({ status: 401, connection: 'close' })
      expect(await post(agent, [JSON.stringify({ message: 'hi again' })], auth)).toMatchObject({ status: 201, connection: 'keep-alive' })
    }
    finally {
      agent.destroy()
    }
  })
})
