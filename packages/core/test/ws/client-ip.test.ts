import { afterEach, describe, expect, it, vi } from 'vitest'
import { type Casino, createCasino } from '../../src/casino'
import { clientIp, runsOnFly } from '../../src/http/client-ip'
import { createWallet } from '../http/_harness'
import { startServer, TestClient } from './_harness'

const clients: TestClient[] = []
const cleanups: (() => Promise<void>)[] = []

afterEach(async () => {
  vi.unstubAllEnvs()
  for (const c of clients.splice(0)) c.ws.terminate()
  for (const close of cleanups.splice(0)) await close()
})

/** Connects with `headers`; resolves with the client once `connection.established` arrived, or with the close code. */
async function connectFrom(url: string, headers: Record<string, string>): Promise<TestClient | number> {
  const client = await TestClient.connect(url, { headers })
  clients.push(client)
  return Promise.race([client.take('connection.established').then(() => client), client.closed.then(c => c.code)])
}

describe('client IP of a socket', () => {
  it('counts connections per rightmost X-Forwarded-For entry, not per client-chosen first entry', async () => {
    vi.stubEnv('FLY_MACHINE_ID', '148e21ea7e0e89')
    const s = await startServer({ maxConnectionsPerIp: 1, trustProxy: true })
    cleanups.push(() => s.close())
    expect(await connectFrom(s.url, { 'x-forwarded-for': '1.1.1.1, 203.0.113.9' })).toBeInstanceOf(TestClient)
    expect(await connectFrom(s.url, { 'x-forwarded-for': '2.2.2.2, 203.0.113.9' })).toBe(1008)
    expect(await connectFrom(s.url, { 'x-forwarded-for': '203.0.113.10' })).toBeInstanceOf(TestClient)
    // On a Fly Machine, Fly-Client-IP is preferred to X-Forwarded-For.
    expect(await connectFrom(s.url, { 'fly-client-ip': '198.51.100.7', 'x-forwarded-for': '203.0.113.9' })).toBeInstanceOf(TestClient)
    expect(await connectFrom(s.url, { 'fly-client-ip': '198.51.100.7' })).toBe(1008)
  })

  it('counts an IPv6 client by its /64, as many addresses as it takes from it', async () => {
    const s = await startServer({ maxConnectionsPerIp: 2, trustProxy: true })
    cleanups.push(() => s.close())
    expect(await connectFrom(s.url, { 'x-forwarded-for': '2001:db8:1:2::1' })).toBeInstanceOf(TestClient)
    expect(await connectFrom(s.url, { 'x-forwarded-for': '2001:0db8:0001:0002:ffff::9' })).toBeInstanceOf(TestClient)
    // A third address of the same /64 is the same subscriber; another /64 is another.
    expect(await connectFrom(s.url, { 'x-forwarded-for': '2001:db8:1:2:abcd:1234:5678:9abc' })).toBe(1008)
    expect(await connectFrom(s.url, { 'x-forwarded-for': '2001:db8:1:3::1' })).toBeInstanceOf(TestClient)
  })

  it('follows the casino trustProxy through createCasino', async () => {
    vi.stubEnv('FLY_MACHINE_ID', '148e21ea7e0e89')
    const casino: Casino = createCasino({
      name: 'Proxy Casino',
      ownerWallet: createWallet().address,
      auth: { jwtSecret: 'proxy-test-secret-of-at-least-32-bytes!!', domain: 'casino.test', uri: 'https://casino.test' },
      trustProxy: true,
      realtime: { maxConnectionsPerIp: 1 },
    })
    cleanups.push(() => casino.close())
    expect(casino.config.realtime?.trustProxy).toBe(true)
    const server = await casino.listen({ port: 0 })
    const url = `${server.url.replace('http', 'ws')}/ws`
    // Two clients behind Fly's proxy: one socket address (the proxy's), two client IPs.
    expect(await connectFrom(url, { 'fly-client-ip': '198.51.100.1' })).toBeInstanceOf(TestClient)
    expect(await connectFrom(url, { 'fly-client-ip': '198.51.100.2' })).toBeInstanceOf(TestClient)
    expect(await connectFrom(url, { 'fly-client-ip': '198.51.100.1' })).toBe(1008)
    // An explicit realtime setting still wins.
    const strict = createCasino({ name: 'Strict', ownerWallet: createWallet().address, trustProxy: true, realtime: { trustProxy: false } })
    cleanups.push(() => strict.close())
    expect(strict.config.realtime?.trustProxy).toBe(false)
  })
})

describe('clientIp', () => {
  const headers = (h: Record<string, string>) => new Headers(h)
  it('believes proxy headers only with trustProxy', () => {
    expect(clientIp(headers({ 'x-forwarded-for': '1.1.1.1, 2.2.2.2' }), '10.0.0.1', false)).toBe('10.0.0.1')
    expect(clientIp(headers({ 'x-forwarded-for': '1.1.1.1, 2.2.2.2' }), '10.0.0.1', true)).toBe('2.2.2.2')
    expect(clientIp(headers({ 'x-forwarded-for': '1.1.1.1,2.2.2.2 ' }), '10.0.0.1', true)).toBe('2.2.2.2')
    expect(clientIp(headers({ 'fly-client-ip': ' 3.3.3.3 ', 'x-forwarded-for': '2.2.2.2' }), '10.0.0.1', true, true)).toBe('3.3.3.3')
    // Off Fly a proxy passes Fly-Client-IP through as the client wrote it.
    expect(clientIp(headers({ 'fly-client-ip': '3.3.3.3', 'x-forwarded-for': '2.2.2.2' }), '10.0.0.1', true, false)).toBe('2.2.2.2')
    expect(clientIp(headers({ 'fly-client-ip': '3.3.3.3' }), '10.0.0.1', true, false)).toBe('10.0.0.1')
    expect(clientIp(headers({ 'x-forwarded-for': ' , ' }), '10.0.0.1', true)).toBe('10.0.0.1')
    expect(clientIp(undefined, undefined, true)).toBe('unknown')
  })

  it('knows a Fly Machine by the FLY_MACHINE_ID Fly sets in its environment', () => {
    expect(runsOnFly({})).toBe(false)
    expect(runsOnFly({ FLY_MACHINE_ID: '' })).toBe(false)
    expect(runsOnFly({ FLY_MACHINE_ID: '148e21ea7e0e89', FLY_APP_NAME: 'my-casino' })).toBe(true)
    vi.stubEnv('FLY_MACHINE_ID', '148e21ea7e0e89')
    expect(clientIp(headers({ 'fly-client-ip': '3.3.3.3', 'x-forwarded-for': '2.2.2.2' }), '10.0.0.1', true)).toBe('3.3.3.3')
  })
})
