import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { FARE_VAULT_PROGRAM_ID, startLocalnet } from '../src/index'

type Outcome = 'ok' | '429' | '500' | 'reset' | 'hang'

async function call(url: string): Promise<{ outcome: Outcome; text?: string }> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'req-1', method: 'getSlot' }),
      signal: AbortSignal.timeout(2000),
    })
    const text = await res.text()
    return { outcome: res.status === 200 ? 'ok' : res.status === 429 ? '429' : '500', text }
  } catch (e) {
    // A hang surfaces as our timeout or the socket being destroyed after hangMs.
    const msg = String((e as Error).name) + String((e as { cause?: unknown }).cause ?? '')
    return { outcome: /Timeout|Abort/.test(msg) ? 'hang' : 'reset' }
  }
}

async function run(seed: number, n: number) {
  const net = await startLocalnet({ seed, faults: { errorRate: 0.3, hangMs: 150 } })
  const outcomes: Outcome[] = []
  for (let i = 0; i < n; i++) outcomes.push((await call(net.rpcUrl)).outcome)
  const stats = net.stats().faults
  await net.close()
  return { outcomes, stats }
}

describe('fault injection', () => {
  it('fails about errorRate of calls with 429/500/hang/reset, deterministically for a seed', async () => {
    const a = await run(11, 120)
    const b = await run(11, 120)
    expect(a.outcomes).toEqual(b.outcomes)
    const failed = a.outcomes.filter((o) => o !== 'ok').length
    expect(failed).toBeGreaterThan(120 * 0.15)
    expect(failed).toBeLessThan(120 * 0.45)
    expect(a.outcomes).toContain('429')
    expect(a.outcomes).toContain('500')
    expect(a.stats.http429 + a.stats.http500 + a.stats.hang + a.stats.reset).toBe(failed)
    const c = await run(12, 120)
    expect(c.outcomes).not.toEqual(a.outcomes)
  })

  it('429 carries the rpcpool body; faults can be switched at runtime', async () => {
    const net = await startLocalnet({ seed: 1, faults: { errorRate: 1, kinds: ['http429'] } })
    const r = await call(net.rpcUrl)
    expect(r.outcome).toBe('429')
    expect(r.text).toMatch(/^\{"jsonrpc":"2.0","error":\{"code": 429, "message":"Too many requests .* support@rpcpool.com."\}, "id": "req-1" \}$/)
    net.setFaults({ errorRate: 1, kinds: ['reset'] })
    expect((await call(net.rpcUrl)).outcome).toBe('reset')
    net.setFaults({})
    expect((await call(net.rpcUrl)).outcome).toBe('ok')
    await net.close()
  })

  it('short pages are still newest-first contiguous prefixes', async () => {
    const net = await startLocalnet({ seed: 5, slotMs: 20, resolveDelayMs: 60_000, faults: { shortPageRate: 1 } })
    const p = await net.createPlayer()
    for (let i = 0; i < 40; i++) await net.placeBet({ player: p, wager: 1_000_000n, game: 'coinFlip', host: p.publicKey })
    await net.waitForConfirmed()
    const page = async (params: Record<string, unknown>) => {
      const res = await fetch(net.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getSignaturesForAddress', params: [p.publicKey, { commitment: 'confirmed', ...params }] }) })
      return ((await res.json()) as { result: { signature: string }[] }).result.map((x) => x.signature)
    }
    net.setFaults({})
    const all = await page({})
    expect(all).toHaveLength(40)
    net.setFaults({ shortPageRate: 1 })
    const short = await page({ limit: 20 })
    expect(short.length).toBeLessThan(20)
    expect(short).toEqual(all.slice(0, short.length))
    // Paging through short pages still visits every signature exactly once.
    const seen: string[] = []
    let before: string | undefined
    for (let guard = 0; guard < 200; guard++) {
      const got = await page({ limit: 10, ...(before ? { before } : {}) })
      seen.push(...got)
      if (got.length === 0) break
      before = got.at(-1)
    }
    expect(seen).toEqual(all)
    expect(net.stats().faults.shortPages).toBeGreaterThan(0)
    await net.close()
  })

  it('refuses a batch over maxBatchSize as a whole, and answers one at the cap', async () => {
    const net = await startLocalnet({ seed: 3, slotMs: 20, faults: { maxBatchSize: 3 } })
    const batch = async (calls: number) => {
      const body = JSON.stringify(Array.from({ length: calls }, (_, i) => ({ jsonrpc: '2.0', id: i + 1, method: 'getSlot' })))
      const res = await fetch(net.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      return { status: res.status, body: await res.json() as unknown }
    }
    const refused = await batch(4)
    expect(refused).toEqual({ status: 200, body: { jsonrpc: '2.0', error: { code: -32600, message: 'batch of 4 requests exceeds the limit of 3' }, id: null } })
    const answered = await batch(3)
    expect((answered.body as { id: number }[]).map(a => a.id)).toEqual([1, 2, 3])
    // A single request is no batch.
    expect((await call(net.rpcUrl)).outcome).toBe('ok')
    expect(net.stats().faults.batchesRefused).toBe(1)
    net.setFaults({})
    expect(Array.isArray((await batch(4)).body)).toBe(true)
    await net.close()
  })

  it('drops WebSockets after N notifications and adds latency', async () => {
    const net = await startLocalnet({ seed: 2, slotMs: 20, faults: { wsDropAfterMessages: 3, latencyMs: [30, 40] } })
    const ws = new WebSocket(net.wsUrl)
    let messages = 0
    ws.on('message', () => messages++)
    await new Promise((r) => ws.once('open', r))
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'slotSubscribe' }))
    await new Promise((r) => ws.once('close', r))
    expect(messages).toBe(4) // subscribe reply + 3 notifications
    const t0 = Date.now()
    await call(net.rpcUrl)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25)
    expect(net.stats().faults.wsDrops).toBe(1)
    await net.close()
  })
})

describe('throughput', () => {
  it('places and resolves a few thousand bets (sanity, no timing assertion)', async () => {
    const net = await startLocalnet({ seed: 9, slotMs: 100, resolveDelayMs: 10 })
    const players = await Promise.all(Array.from({ length: 5 }, () => net.createPlayer()))
    const host = players[0]!.publicKey
    const n = 2000
    const t0 = performance.now()
    for (let i = 0; i < n; i++) await net.placeBet({ player: players[i % 5]!, wager: BigInt(1_000_000 + i), game: net.games[i % net.games.length]!.id, host })
    const placeMs = performance.now() - t0
    await net.waitForIdle()
    const s = net.stats()
    expect(s.betsPlaced).toBe(n)
    expect(s.trialsResolved).toBe(n)
    expect(s.transactions).toBe(2 * n)
    console.log(`placed ${n} bets in ${placeMs.toFixed(0)} ms (${((n / placeMs) * 1000).toFixed(0)} bets/s), ${s.slot} slots`)
    const res = await fetch(net.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getSignaturesForAddress', params: [FARE_VAULT_PROGRAM_ID, { commitment: 'confirmed' }] }) })
    expect(((await res.json()) as { result: unknown[] }).result).toHaveLength(1000)
    await net.close()
  }, 60_000)

  it('the bot keeps placing bets until stopped', async () => {
    const net = await startLocalnet({ seed: 4, slotMs: 50, resolveDelayMs: 20 })
    const host = (await net.createPlayer()).publicKey
    const bot = net.startBot({ betsPerSecond: 100, players: 5, host })
    await new Promise((r) => setTimeout(r, 600))
    bot.stop()
    await net.waitForIdle()
    expect(bot.placed).toBeGreaterThan(10)
    expect(net.stats().betsPlaced + net.stats().betsFailed).toBe(bot.placed)
    await net.close()
  })
})
