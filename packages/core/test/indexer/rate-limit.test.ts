import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sqliteStore } from '@fare-casino/adapters/sqlite'
import { type Localnet, startLocalnet } from '@fare-casino/localnet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCasinoEvents } from '../../src/events'
import { createIndexer } from '../../src/indexer/indexer'
import { parseRetryAfter } from '../../src/solana/rpc-errors'
import { allBets, expectTotalsMatchBets, waitFor } from './helpers'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const dir = mkdtempSync(join(tmpdir(), 'fare-rate-limit-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const BETS = 200
const CONCURRENCY = 16

/** What a {@link limitingProxy} saw: requests answered 429 (all inside its window) and forwarded. */
interface ProxyCounts { limited: number, forwarded: number, windowStart: number, windowEnd: number }

/** How a {@link limitingProxy} refuses. */
interface Limit {
  /** How long it refuses, from the first getTransaction request. */
  windowMs: number
  /** Its `Retry-After` header, or null for none. */
  retryAfter: string | null
  /**
   * The HTTP status of a refusal: 429, or 200 with only the body saying 429 (some proxies do); `items`:
   * 200, and a batch answered with a 429 for each of its calls (a limit per call, as JSON-RPC allows).
   */
  status: 429 | 200 | 'items'
}

/**
 * A real HTTP server in front of the localnet that plays a provider over its limit: from the first
 * getTransaction request it answers every request with 429 (rpcpool's body, and `Retry-After` when
 * given) for `windowMs`, then forwards again.
 */
async function limitingProxy(target: string, { windowMs, retryAfter, status }: Limit): Promise<{ url: string, counts: ProxyCounts, server: Server }> {
  const counts: ProxyCounts = { limited: 0, forwarded: 0, windowStart: 0, windowEnd: 0 }
  const forward = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    const now = Date.now()
    if (counts.windowStart === 0 && body.includes('getTransaction')) {
      counts.windowStart = now
      counts.windowEnd = now + windowMs
    }
    if (now < counts.windowEnd) {
      counts.limited++
      res.writeHead(status === 429 ? 429 : 200, { 'content-type': 'application/json', ...(retryAfter === null ? {} : { 'retry-after': retryAfter }) })
      const calls = JSON.parse(body.toString()) as { id: number }[] | { id: number }
      const refusal = (id: unknown) => `{"jsonrpc":"2.0","error":{"code": 429, "message":"Too many requests for a specific RPC call, contact your app developer or support@rpcpool.com."}, "id": ${JSON.stringify(id)} }`
      res.end(status === 'items' && Array.isArray(calls)
        ? `[${calls.map(call => refusal(call.id)).join(',')}]`
        : refusal(null))
      return
    }
    counts.forwarded++
    const answer = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' })
    res.end(Buffer.from(await answer.arrayBuffer()))
  }
  // Any failure (the hop to the localnet reset on a kept-alive socket it closed as this request reused it, a
  // request the indexer aborted) is a 502, as a real proxy answers, which the indexer retries. Left
  // unhandled, the rejection failed the whole run.
  const server = createServer((req, res) => {
    forward(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' })
      res.end('bad gateway')
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, counts, server }
}

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates, and nothing else', () => {
    const now = Date.parse('2026-12-04T12:00:00Z')
    expect(parseRetryAfter('2', now)).toBe(2000)
    expect(parseRetryAfter(' 0 ', now)).toBe(0)
    expect(parseRetryAfter('Fri, 04 Dec 2026 12:00:03 GMT', now)).toBe(3000)
    expect(parseRetryAfter('Fri, 04 Dec 2026 11:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfter(null, now)).toBeNull()
    expect(parseRetryAfter('-1', now)).toBeNull()
    expect(parseRetryAfter('1.5', now)).toBeNull()
    expect(parseRetryAfter('soon', now)).toBeNull()
  })
})

describe('indexer against a node that rate-limits', () => {
  let net: Localnet
  let owner: string

  beforeAll(async () => {
    net = await startLocalnet({ seed: 31, slotMs: 40, resolveDelayMs: 20 })
    owner = (await net.createPlayer()).publicKey
    const players = [await net.createPlayer(), await net.createPlayer(), await net.createPlayer()]
    for (let i = 0; i < BETS; i++) await net.placeBet({ player: players[i % 3]!, wager: 5_000n + BigInt(i), game: net.games[0]!.id, host: owner })
    await net.waitForIdle()
  }, 120_000)
  afterAll(() => net?.close())

  /** Backfills the BETS bets through a proxy refusing as `limit` says; returns what the proxy saw. */
  async function backfillThrough(file: string, limit: Limit, decodeThread = false) {
    const proxy = await limitingProxy(net.rpcUrl, limit)
    const store = sqliteStore({ file: join(dir, file) })
    await store.migrate()
    const indexer = createIndexer({
      store, events: createCasinoEvents(), logger: quiet,
      config: {
        rpcUrl: proxy.url, programId: net.programId, ownerWallet: owner, start: { recent: 1000 }, subscribe: false,
        pollInterval: 100, concurrency: CONCURRENCY, rpcRateLimit: 100_000, fetchBatchSize: 10, retryDelay: 20, slowRetryDelay: 400,
        decodeThread,
      },
    })
    await indexer.start()
    await waitFor(async () => (await store.stats(Date.now())).totalBets === BETS, 30_000, 'every bet ingested')
    const status = indexer.status()
    await indexer.stop()
    const bets = await allBets(store)
    expect(bets).toHaveLength(BETS)
    await expectTotalsMatchBets(store, bets)
    await store.close()
    proxy.server.close()
    return { counts: proxy.counts, status }
  }

  it('obeys Retry-After for every request at once: only the requests already in flight meet the limit', async () => {
    const { counts, status } = await backfillThrough('retry-after.sqlite', { windowMs: 1000, retryAfter: '1', status: 429 })
    expect(counts.limited).toBeGreaterThan(0)
    // The requests in flight when the first 429 came back (and at most a couple the client started
    // while it was on its way). Each retrying on its own, 16 calls sent 194 requests into the window.
    expect(counts.limited).toBeLessThanOrEqual(CONCURRENCY + 2)
    expect(status.rateLimited).toBe(counts.limited)
    expect(status.throttledUntil).toBeNull()
  }, 60_000)

  it('without Retry-After backs off as a whole, one probe per pause, doubling', async () => {
    const { counts, status } = await backfillThrough('backoff.sqlite', { windowMs: 600, retryAfter: null, status: 429 })
    // The requests in flight, then one probe after each pause of 20, 40, 80, 160 and 320 ms (each
    // retrying on its own: 164 requests).
    expect(counts.limited).toBeGreaterThan(0)
    expect(counts.limited).toBeLessThanOrEqual(CONCURRENCY + 2 + 5)
    expect(status.rateLimited).toBe(counts.limited)
  }, 60_000)

  // The production path: batches are read in the decode thread (from the build), so the 429 in the
  // body of an HTTP 200 must still be seen where the request is queued. Read only in the thread, it
  // counted as an answer and brought back full concurrency: 167 and 124 requests met the window.
  it.each([
    ['on the decode thread', true],
    ['on the main thread', false],
  ])('paces a 429 written only in the body of an HTTP 200 the same way, %s', async (_, decodeThread) => {
    const { counts, status } = await backfillThrough(`body-429-${decodeThread}.sqlite`, { windowMs: 1000, retryAfter: '1', status: 200 }, decodeThread)
    expect(counts.limited).toBeGreaterThan(0)
    expect(counts.limited).toBeLessThanOrEqual(CONCURRENCY + 2)
    expect(status.rateLimited).toBe(counts.limited)
  }, 60_000)

  // A batch answered in HTTP 200 with a 429 for each call: the body is an array, as for a good answer,
  // so only a look inside it (without parsing, where the request is queued) tells the pacing.
  it.each([
    ['on the decode thread', true],
    ['on the main thread', false],
  ])('paces a 429 for each call of a batch answered in an HTTP 200 the same way, %s', async (_, decodeThread) => {
    const { counts, status } = await backfillThrough(`items-429-${decodeThread}.sqlite`, { windowMs: 1000, retryAfter: '1', status: 'items' }, decodeThread)
    expect(counts.limited).toBeGreaterThan(0)
    expect(counts.limited).toBeLessThanOrEqual(CONCURRENCY + 2)
    expect(status.rateLimited).toBe(counts.limited)
  }, 60_000)
})
