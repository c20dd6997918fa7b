import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { memoryStore } from '../../src/store/memory'
import { startCasino, type TestCasino } from './_harness'

/** A JSON-RPC endpoint that counts getHealth calls; `healthy: false` answers them with an error, `hold` delays them. */
async function fakeRpc(options: { healthy: boolean, hold?: Promise<void> }) {
  let healthCalls = 0
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => {
      body += chunk
    })
    req.on('end', async () => {
      const calls = [JSON.parse(body)].flat() as { id: number, method: string }[]
      if (calls.some(c => c.method === 'getHealth')) {
        healthCalls++
        await options.hold
      }
      const answers = calls.map(c => (c.method === 'getHealth' && options.healthy
        ? { jsonrpc: '2.0', id: c.id, result: 'ok' }
        : { jsonrpc: '2.0', id: c.id, error: { code: -32005, message: `node is behind (${c.method}) at rpc.internal.example` } }))
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(Array.isArray(JSON.parse(body)) ? answers : answers[0]))
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: () => healthCalls,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of cleanups.splice(0).reverse()) await close()
})

async function casinoWith(overrides: Parameters<typeof startCasino>[1]): Promise<TestCasino> {
  const t = await startCasino('node server', overrides)
  cleanups.push(() => t.close())
  return t
}

describe('GET /health/ready', () => {
  it('asks the RPC once for many concurrent probes, and reuses the answer', async () => {
    let release!: () => void
    const rpc = await fakeRpc({ healthy: true, hold: new Promise<void>((resolve) => { release = resolve }) })
    cleanups.push(rpc.close)
    const t = await casinoWith({ rpcUrl: rpc.url, indexer: false })
    const answers = Array.from({ length: 20 }, () => t.request('/health/ready'))
    while (rpc.calls() === 0) await new Promise(resolve => setTimeout(resolve, 5))
    release()
    const responses = await Promise.all(answers)
    expect(responses.map(r => r.status)).toEqual(Array.from({ length: 20 }, () => 200))
    expect(((await responses[0]!.json()) as { checks: { rpc: { ok: boolean } } }).checks.rpc.ok).toBe(true)
    expect(rpc.calls()).toBe(1)
  })

  it('probes the indexer\'s RPC when only indexer.rpcUrl names one', async () => {
    const rpc = await fakeRpc({ healthy: false })
    cleanups.push(rpc.close)
    const t = await casinoWith({ indexer: { rpcUrl: rpc.url, subscribe: false, retryDelay: 20, slowRetryDelay: 20, pollInterval: 20 } })
    const body = await (await t.request('/health/ready')).json() as { status: string, checks: Record<string, { ok: boolean }> }
    expect(body.checks.rpc).toMatchObject({ ok: false })
    expect(rpc.calls()).toBeGreaterThan(0)
  })

  it('reports an RPC outage as degraded with 200, and a broken store as not_ready with 503', async () => {
    const rpc = await fakeRpc({ healthy: false })
    cleanups.push(rpc.close)
    const t = await casinoWith({ rpcUrl: rpc.url, indexer: false })
    const res = await t.request('/health/ready')
    const body = await res.json() as { status: string, checks: Record<string, { ok: boolean }> }
    expect(res.status).toBe(200)
    expect(body.status).toBe('degraded')
    expect(body.checks).toMatchObject({ rpc: { ok: false }, store: { ok: true }, kv: { ok: true }, startup: { ok: true } })

    const store = memoryStore()
    store.ping = async () => {
      throw new Error('database is down')
    }
    const broken = await casinoWith({ store, rpcUrl: rpc.url, indexer: false })
    const down = await broken.request('/health/ready')
    expect(down.status).toBe(503)
    expect(await down.json()).toMatchObject({ status: 'not_ready', checks: { store: { ok: false, error: 'unavailable' } } })
  })

  it('shows the indexer lag to anyone, its errors and internals only to the owner', async () => {
    const rpc = await fakeRpc({ healthy: true })
    cleanups.push(rpc.close)
    const t = await casinoWith({ rpcUrl: rpc.url, indexer: { subscribe: false, retryDelay: 20, slowRetryDelay: 20, pollInterval: 20 } })
    // The fake answers nothing but getHealth: the indexer fails and remembers why.
    while (!t.casino.indexer!.status().lastError) await new Promise(resolve => setTimeout(resolve, 10))

    const anyone = await (await t.request('/health/ready')).json() as { checks: { indexer: { status: Record<string, unknown> } } }
    expect(anyone.checks.indexer.status).toHaveProperty('lagSlots')
    expect(anyone.checks.indexer.status).toHaveProperty('ok')
    expect(anyone.checks.indexer.status).not.toHaveProperty('lastError')
    expect(anyone.checks.indexer.status).not.toHaveProperty('detail')
    expect(JSON.stringify(anyone)).not.toContain('rpc.internal.example')

    const stranger = await t.signIn((await import('./_harness')).createWallet())
    const notOwner = await (await t.request('/health/ready', { token: stranger })).json() as typeof anyone
    expect(notOwner.checks.indexer.status).not.toHaveProperty('lastError')

    const owner = await t.signIn(t.owner)
    const full = await (await t.request('/health/ready', { token: owner })).json() as typeof anyone
    expect(full.checks.indexer.status).toHaveProperty('detail')
    expect(full.checks.indexer.status.lastError).toMatchObject({ message: expect.any(String) })
  })
})
