import { createConsola, type LogObject } from 'consola'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createCasino } from '../src/casino'
import { memoryStore } from '../src/store/memory'
import type { CasinoStore } from '../src/store/types'
import { createWallet } from './http/_harness'

const owner = createWallet().address
const secret = 'a-secret-that-is-at-least-32-bytes-long'

function capture() {
  const logs: LogObject[] = []
  const logger = createConsola({ level: 5, reporters: [{ log: entry => logs.push(entry) }] })
  return { logs, logger }
}

afterEach(() => {
  vi.unstubAllEnvs()
})

describe('config', () => {
  it('names the invalid field', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ ownerWallet: 'not-a-wallet' }, /^config\.ownerWallet: /],
      [{ network: 'testnet' }, /^config\.network: /],
      [{ auth: { jwtSecret: secret, nonceTtl: 3600 } }, /^config\.auth\.nonceTtl: /],
      [{ rpcUrl: 'ftp://x' }, /^config\.rpcUrl: /],
      [{ games: [{ id: 'a', name: 'A' }, { id: 'a', name: 'B' }] }, /^config\.games\.1\.id: /],
      // What sign-in messages could not carry: every sign-in of such a casino failed (INVALID_MESSAGE).
      [{ name: 'Lucky\nSeven' }, /^config\.name: the sign-in statement made of it/],
      [{ name: 'x'.repeat(101) }, /^config\.name: /],
      [{ rpcUrl: 'http://127.0.0.1:8899', indexer: { fetchBatchSize: 0.5 } }, /^config\.indexer\.fetchBatchSize: /],
      [{ rpcUrl: 'http://127.0.0.1:8899', indexer: { backfillChunk: 0 } }, /^config\.indexer\.backfillChunk: /],
      [{ auth: { jwtSecret: secret, uri: 'https://casino.test/a b' } }, /^config\.auth\.uri: must have no whitespace/],
      [{ auth: { jwtSecret: secret, uri: `https://casino.test/${'a'.repeat(600)}` } }, /^config\.auth\.uri: must have no whitespace and at most 512/],
    ]
    for (const [override, message] of bad) {
      expect(() => createCasino({ name: 'X', ownerWallet: owner, auth: { jwtSecret: secret }, ...override } as never))
        .toThrow(expect.objectContaining({ name: 'CasinoError', code: 'INVALID_CONFIG', message: expect.stringMatching(message) }))
    }
  })

  it('applies defaults in one place', async () => {
    const casino = createCasino({ name: 'My Fine Casino', ownerWallet: owner, auth: { jwtSecret: secret } })
    expect(casino.config).toMatchObject({
      slug: 'my-fine-casino', network: 'devnet', programId: 'FAREvmepkHArRWwLjHmwPQGL9Byg8iKF3hu1vewxTSXe', trustProxy: false,
      auth: { domain: 'localhost', uri: 'http://localhost', tokenTtl: 604800, nonceTtl: 300, statement: 'Sign in to My Fine Casino' },
    })
    await casino.close()
  })

  it('refuses a missing or weak jwt secret in production', () => {
    vi.stubEnv('NODE_ENV', 'production')
    expect(() => createCasino({ name: 'X', ownerWallet: owner })).toThrow(/config\.auth\.jwtSecret: required/)
    expect(() => createCasino({ name: 'X', ownerWallet: owner, auth: { jwtSecret: 'short' } })).toThrow(/config\.auth\.jwtSecret: too weak/)
    expect(() => createCasino({ name: 'X', ownerWallet: owner, auth: { jwtSecret: secret, domain: 'casino.example.com', uri: 'https://casino.example.com' } })).not.toThrow()
  })

  it('refuses a weak jwt secret outside production too (NODE_ENV unset, as in many containers)', async () => {
    vi.stubEnv('NODE_ENV', undefined)
    for (const weak of ['', 'changeme', 'x'.repeat(31), 'é'.repeat(15)]) {
      expect(() => createCasino({ name: 'X', ownerWallet: owner, auth: { jwtSecret: weak } }), JSON.stringify(weak))
        .toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringMatching(/^config\.auth\.jwtSecret: too weak \(\d+ bytes\), use at least 32 random bytes/) }))
    }
    // A secret long enough that repeats a few characters is as easy to guess as a short one.
    for (const guessable of ['changeme'.repeat(4), 'a'.repeat(32), ' '.repeat(40), '0123'.repeat(10)]) {
      expect(() => createCasino({ name: 'X', ownerWallet: owner, auth: { jwtSecret: guessable } }), JSON.stringify(guessable))
        .toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringMatching(/^config\.auth\.jwtSecret: too guessable \(\d+ different characters\)/) }))
    }
    // 32 bytes is enough, counted as UTF-8 (16 two-byte characters), and 64 hex digits are.
    await createCasino({ name: 'X', ownerWallet: owner, auth: { jwtSecret: 'éàüöñçøåæœßðþçëï' } }).close()
    await createCasino({ name: 'X', ownerWallet: owner, auth: { jwtSecret: 'c4f1e0a9b2d3c7e8f5a6b1c0d9e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0' } }).close()
  })

  it('requires auth.domain and auth.uri in production, instead of signing in for localhost', () => {
    vi.stubEnv('NODE_ENV', 'production')
    const refused = (auth: Record<string, string>, field: string) => expect(() => createCasino({ name: 'X', ownerWallet: owner, auth: { jwtSecret: secret, ...auth } }))
      .toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringMatching(new RegExp(`^config\\.${field.replace('.', '\\.')}: required in production`)), data: { field } }))
    refused({}, 'auth.domain')
    refused({ uri: 'https://casino.example.com' }, 'auth.domain')
    refused({ domain: 'casino.example.com' }, 'auth.uri')
    vi.stubEnv('NODE_ENV', 'development')
    const dev = createCasino({ name: 'X', ownerWallet: owner, auth: { jwtSecret: secret } })
    expect(dev.config.auth).toMatchObject({ domain: 'localhost', uri: 'http://localhost' })
    return dev.close()
  })

  it('generates a secret with a warning outside production', async () => {
    vi.stubEnv('NODE_ENV', 'development')
    const { logs, logger } = capture()
    const casino = createCasino({ name: 'X', ownerWallet: owner, logger })
    expect(casino.config.auth.jwtSecret.length).toBeGreaterThanOrEqual(32)
    expect(logs.some(l => l.type === 'warn' && l.tag === 'fare' && String(l.args[0]).includes('no jwt secret'))).toBe(true)
    await casino.close()
  })
})

describe('lifecycle', () => {
  it('is not ready until the store is migrated; requests wait, probes do not', async () => {
    let finish!: () => void
    const base = memoryStore()
    const store: CasinoStore = { ...base, migrate: () => new Promise<void>((resolve) => { finish = resolve }) }
    const casino = createCasino({ name: 'X', ownerWallet: owner, store, auth: { jwtSecret: secret } })
    const server = await casino.listen({ port: 0 })
    try {
      expect((await fetch(`${server.url}/health`)).status).toBe(200)
      const notReady = await fetch(`${server.url}/health/ready`)
      expect(notReady.status).toBe(503)
      expect((await notReady.json() as { checks: { startup: unknown } }).checks.startup).toEqual({ ok: false, error: 'starting' })
      const waiting = fetch(`${server.url}/api/casino/stats`)
      finish()
      expect((await waiting).status).toBe(200)
      expect((await fetch(`${server.url}/health/ready`)).status).toBe(200)
    }
    finally {
      await casino.close()
    }
  })

  it('answers 503 when setup failed', async () => {
    const { logger } = capture()
    const store: CasinoStore = { ...memoryStore(), migrate: async () => { throw new Error('disk full') } }
    const casino = createCasino({ name: 'X', ownerWallet: owner, store, logger, auth: { jwtSecret: secret } })
    await expect(casino.ready).rejects.toThrow('disk full')
    const res = await casino.fetch(new Request('http://x/api/casino/info'))
    expect(res.status).toBe(503)
    expect(await res.json()).toEqual({ error: { code: 'NOT_READY', message: expect.any(String) } })
    await casino.close()
  })

  it('hides unknown errors behind a generic 500 and logs them', async () => {
    const { logs, logger } = capture()
    const store: CasinoStore = { ...memoryStore(), stats: async () => { throw new Error('SQLITE_CORRUPT at /var/secret/path') } }
    const casino = createCasino({ name: 'X', ownerWallet: owner, store, logger, auth: { jwtSecret: secret } })
    const server = await casino.listen({ port: 0 })
    try {
      const res = await fetch(`${server.url}/api/casino/stats`)
      expect(res.status).toBe(500)
      const text = await res.text()
      expect(JSON.parse(text)).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } })
      expect(text).not.toContain('secret')
      expect(logs.some(l => l.type === 'error' && l.tag === 'fare:http' && l.args[0] === 'request failed')).toBe(true)
    }
    finally {
      await casino.close()
    }
  })

  it('close() is idempotent and stops the server and the store', async () => {
    const base = memoryStore()
    const close = vi.fn(base.close)
    const casino = createCasino({ name: 'X', ownerWallet: owner, store: { ...base, close }, auth: { jwtSecret: secret } })
    const server = await casino.listen({ port: 0 })
    expect((await fetch(`${server.url}/health`)).status).toBe(200)
    await Promise.all([casino.close(), casino.close()])
    await casino.close()
    expect(close).toHaveBeenCalledTimes(1)
    expect(server.server.listening).toBe(false)
    await expect(fetch(`${server.url}/health`)).rejects.toThrow()
  })

  it('serves the same app through the node handler', async () => {
    const casino = createCasino({ name: 'X', ownerWallet: owner, auth: { jwtSecret: secret } })
    const { createServer } = await import('node:http')
    const server = createServer(casino.handler)
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as { port: number }
      const res = await fetch(`http://127.0.0.1:${port}/api/casino/info`)
      expect(res.status).toBe(200)
      expect((await res.json() as { slug: string }).slug).toBe('x')
    }
    finally {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
      await casino.close()
    }
  })
})
