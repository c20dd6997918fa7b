import { mkdtempSync, rmSync } from 'node:fs'
import { type Agent, request as httpRequest, type Server } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import bs58 from 'bs58'
import nacl from 'tweetnacl'
import type { Storage } from 'unstorage'
import { type Casino, createCasino } from '../../src/casino'
import type { CasinoConfig } from '../../src/config'
import { createMemoryKv } from '../../src/kv/storage'
import { memoryStore } from '../../src/store/memory'
import type { CasinoStore } from '../../src/store/types'

/** A wallet the test controls. */
export interface TestWallet {
  address: string
  sign(message: string): string
  secretKey: Uint8Array
}

/** A fresh ed25519 keypair as a Solana wallet. */
export function createWallet(): TestWallet {
  const pair = nacl.sign.keyPair()
  return {
    address: bs58.encode(pair.publicKey),
    secretKey: pair.secretKey,
    sign: message => bs58.encode(nacl.sign.detached(new TextEncoder().encode(message), pair.secretKey)),
  }
}

/** How a test reaches the app: h3's trick, every HTTP test runs through both. */
export const transports = ['app.fetch', 'node server'] as const
export type Transport = typeof transports[number]

/** Store factories every endpoint test runs against: memory, and a real SQLite file once the adapter exists. */
export const stores: [name: string, create: () => { store: CasinoStore, cleanup(): void }][] = [
  ['memory', () => ({ store: memoryStore(), cleanup() {} })],
]
const sqlite = await import('@fare-casino/adapters/sqlite') as Record<string, unknown>
if (typeof sqlite.sqliteStore === 'function') {
  const sqliteStore = sqlite.sqliteStore as (options: { file: string }) => CasinoStore
  stores.push(['sqlite file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fare-http-'))
    return { store: sqliteStore({ file: join(dir, 'casino.db') }), cleanup: () => rmSync(dir, { recursive: true, force: true }) }
  }])
}

/** Every (store, transport) pair, for `describe.each`. */
export const matrix = stores.flatMap(([storeName, create]) => transports.map(t => ({ name: `${storeName} via ${t}`, create, transport: t })))

/** A running casino and a client for it. */
export interface TestCasino {
  casino: Casino
  owner: TestWallet
  store: CasinoStore
  request(path: string, init?: RequestInit & { token?: string, json?: unknown }): Promise<Response>
  /** Signs `wallet` in through the API and returns its JWT. */
  signIn(wallet: TestWallet): Promise<string>
  close(): Promise<void>
}

/** Starts a casino over `transport` with `overrides` applied to a test config. */
export async function startCasino(
  transport: Transport,
  overrides: Partial<CasinoConfig> = {},
  create: () => { store: CasinoStore, cleanup(): void } = stores[0]![1],
): Promise<TestCasino> {
  const owner = createWallet()
  const { store, cleanup } = create()
  const casino = createCasino({
    name: 'Test Casino',
    ownerWallet: owner.address,
    store,
    auth: { jwtSecret: 'test-secret-of-at-least-thirty-two-bytes!', domain: 'casino.test', uri: 'https://casino.test' },
    // Generous limits so that tests exercising other things never trip them; rate-limit tests lower them.
    rateLimit: { max: 100_000, auth: { max: 10_000 }, chat: { max: 10_000 } },
    games: [{ id: 'coinflip', name: 'Coin flip', extraDataHash: 'coinflip-v1', qk: [[0.5, 1.98], [0.5, 0]] }],
    ...overrides,
  })
  await casino.ready
  const server = transport === 'node server' ? await casino.listen({ port: 0 }) : null
  const base = server ? server.url : 'http://localhost'
  const request: TestCasino['request'] = (path, init = {}) => {
    const { token, json, ...rest } = init
    const headers = new Headers(rest.headers)
    if (token) headers.set('authorization', `Bearer ${token}`)
    if (json !== undefined) headers.set('content-type', 'application/json')
    const req = new Request(base + path, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body })
    return server ? fetch(req) : casino.fetch(req)
  }
  return {
    casino,
    owner,
    store,
    request,
    async signIn(wallet) {
      const issued = await (await request(`/api/auth/message?walletAddress=${wallet.address}`)).json() as { message: string }
      const res = await request('/api/auth/signin', { method: 'POST', json: { walletAddress: wallet.address, message: issued.message, signature: wallet.sign(issued.message) } })
      if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`)
      return (await res.json() as { token: string }).token
    },
    async close() {
      await casino.close()
      cleanup()
    },
  }
}

/** Reads a JSON error body and returns its code, asserting the shape on the way. */
export async function errorCode(res: Response): Promise<string> {
  const body = await res.json() as { error?: { code?: unknown, message?: unknown } }
  if (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string') throw new Error(`not an error body: ${JSON.stringify(body)}`)
  return body.error.code
}

/** A memory kv whose reads and writes fail, as against an unreachable Redis, while `down` is true. */
export function outageKv(): { kv: Storage, down: boolean } {
  const memory = createMemoryKv()
  const refusal = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'))
  const state = {
    down: false,
    kv: {
      ...memory,
      getItem: ((...args: Parameters<Storage['getItem']>) => (state.down ? refusal() : memory.getItem(...args))) as Storage['getItem'],
      setItem: ((...args: Parameters<Storage['setItem']>) => (state.down ? refusal() : memory.setItem(...args))) as Storage['setItem'],
    } as Storage,
  }
  return state
}

/** Closes a test's HTTP(S) server, its kept-alive connections included. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

/** What came back for a request sent with `Upgrade: h2c`. */
export interface UpgradeAnswer {
  status: number | undefined
  body: string
  /** Whether the request went out on a socket the agent had kept alive from an earlier one. */
  reusedSocket: boolean
}

/**
 * Sends a request that offers to switch to HTTP/2 in clear text, as `curl --http2` on http:// and
 * Java's HttpClient do: `Connection: Upgrade, HTTP2-Settings` and `Upgrade: h2c`. A server that keeps
 * HTTP/1.1 answers it as a plain request.
 */
export function requestOfferingH2c(url: string, options: { method?: string, body?: string, agent?: Agent, headers?: Record<string, string>, ca?: string } = {}): Promise<UpgradeAnswer> {
  const send = url.startsWith('https:') ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method: options.method ?? 'GET',
      agent: options.agent ?? false,
      ...(options.ca ? { ca: options.ca } : {}),
      headers: { 'connection': 'Upgrade, HTTP2-Settings', 'upgrade': 'h2c', 'http2-settings': 'AAMAAABkAARAAAAAAAIAAAAA', ...options.headers },
    }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode, body, reusedSocket: req.reusedSocket }))
    })
    // Node's client emits `upgrade` only for a 101: here it would mean the server switched protocols.
    req.on('upgrade', res => reject(new Error(`the server switched to ${String(res.headers.upgrade)}`)))
    req.on('error', reject)
    // The body in two writes, so that part of it arrives after the request head.
    if (options.body) {
      req.write(options.body.slice(0, 7))
      setTimeout(() => req.end(options.body!.slice(7)), 20)
    }
    else {
      req.end()
    }
  })
}
