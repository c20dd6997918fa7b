import { describe, expect, it } from 'vitest'
import { createCasino } from '../src/casino'
import { memoryPubSub } from '../src/pubsub/memory'
import { createWallet } from './http/_harness'

const owner = createWallet().address
const secret = 'a-secret-that-is-at-least-32-bytes-long'
const base = { name: 'X', ownerWallet: owner, auth: { jwtSecret: secret } }

describe('config of the wired modules', () => {
  it('names the invalid field of the indexer, realtime and leader settings', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ rpcUrl: 'http://127.0.0.1:8899', indexer: { pollInterval: 0 } }, /^config\.indexer\.pollInterval: /],
      [{ rpcUrl: 'http://127.0.0.1:8899', indexer: { start: { recent: -1 } } }, /^config\.indexer\.start\.recent: must be a positive integer/],
      [{ rpcUrl: 'http://127.0.0.1:8899', indexer: { start: { signature: 'not-a-signature' } } }, /^config\.indexer\.start\.signature: must be a transaction signature/],
      [{ rpcUrl: 'http://127.0.0.1:8899', indexer: { commitment: 'processed' } }, /^config\.indexer\.commitment: /],
      // JSON-RPC is HTTP; a WebSocket URL there would only fail every request of the indexer.
      [{ rpcUrl: 'wss://rpc.example.com' }, /^config\.rpcUrl: must be an http\(s\) URL/],
      [{ indexer: { rpcUrl: 'ws://127.0.0.1:8900' } }, /^config\.indexer\.rpcUrl: must be an http\(s\) URL/],
      [{ rpcUrl: 'http://127.0.0.1:8899', wsUrl: 'ftp://127.0.0.1:8900' }, /^config\.wsUrl: must be a ws\(s\) or http\(s\) URL/],
      [{ realtime: { historySize: 0 } }, /^config\.realtime\.historySize: must be a positive number/],
      [{ realtime: { chatRateLimit: { max: 3, windowMs: 1000 } } }, /^config\.realtime\.chatRateLimit\.messages: /],
      [{ realtime: { chatRateLimit: { messages: 3, windowMs: 0 } } }, /^config\.realtime\.chatRateLimit\.windowMs: /],
      [{ realtime: { replayRateLimit: { max: 3, windowMs: 1000 } } }, /^config\.realtime\.replayRateLimit\.replays: /],
      [{ realtime: { path: 'ws' } }, /^config\.realtime\.path: /],
      [{ leader: { acquire: () => true } }, /^config\.leader: must have acquire, release, onLost/],
      [{ leaderRetryMs: 0 }, /^config\.leaderRetryMs: /],
      [{ pubsub: {} }, /^config\.pubsub: /],
      [{ history: { head: () => null } }, /^config\.history: /],
      // A key no option has: a typo would otherwise be dropped, its setting with it.
      [{ bodylimit: 10 }, /^config\.bodylimit: is not an option$/],
      [{ auth: { jwtSecret: secret, domian: 'casino.test' } }, /^config\.auth\.domian: is not an option$/],
      [{ rateLimit: { chat: { max: 1, windowMS: 10 } } }, /^config\.rateLimit\.chat\.windowMS: is not an option$/],
      [{ games: [{ id: 'dice', name: 'Dice', extraDatahash: 'x' }] }, /^config\.games\.0\.extraDatahash: is not an option$/],
      [{ realtime: { pingIntervall: 10 } }, /^config\.realtime\.pingIntervall: is not an option$/],
      [{ rpcUrl: 'http://127.0.0.1:8899', indexer: { pollIntervall: 5 } }, /^config\.indexer\.pollIntervall: is not an option$/],
      // Without an rpcUrl no indexer runs, but its settings are checked: the typo would be dropped the day one is set.
      [{ indexer: { pollIntervall: 5 } }, /^config\.indexer\.pollIntervall: is not an option$/],
      [{ indexer: { pollInterval: 0 } }, /^config\.indexer\.pollInterval: /],
      // A pubsub with one history per process: every instance would drop the others' events.
      [{ pubsub: memoryPubSub() }, /^config\.history: a `pubsub` shared by instances needs a `history`/],
    ]
    for (const [override, message] of bad) {
      expect(() => createCasino({ ...base, ...override } as never))
        .toThrow(expect.objectContaining({ name: 'CasinoError', code: 'INVALID_CONFIG', message: expect.stringMatching(message) }))
    }
  })

  it('builds the indexer input from the casino config, overridable per field', async () => {
    const casino = createCasino({
      ...base,
      rpcUrl: 'http://127.0.0.1:1',
      wsUrl: 'ws://127.0.0.1:1',
      games: [{ id: 'coinflip', name: 'Coin flip', extraDataHash: 'abc' }, { id: 'bare', name: 'No hash' }],
      indexer: { pollInterval: 250, start: { recent: 10 } },
    })
    expect(casino.config.indexer).toEqual({
      rpcUrl: 'http://127.0.0.1:1', wsUrl: 'ws://127.0.0.1:1', programId: 'FAREvmepkHArRWwLjHmwPQGL9Byg8iKF3hu1vewxTSXe', ownerWallet: owner,
      games: [{ id: 'coinflip', extraDataHash: 'abc' }], pollInterval: 250, start: { recent: 10 },
    })
    expect(casino.config).toMatchObject({ leaderRetryMs: 2000, indexerStallMs: 60_000, realtime: { path: '/ws', historySize: 10_000 } })
    expect(casino.indexer).not.toBeNull()
    await casino.close()
  })

  it('runs no indexer without an rpcUrl or with indexer: false, and no stream with realtime: false', async () => {
    const plain = createCasino(base)
    expect(plain.indexer).toBeNull()
    expect(plain.config.indexer).toBeNull()
    expect(plain.realtime).not.toBeNull()
    expect(typeof plain.websocket.open).toBe('function')
    const off = createCasino({ ...base, rpcUrl: 'http://127.0.0.1:1', indexer: false, realtime: false })
    expect(off.indexer).toBeNull()
    expect(off.realtime).toBeNull()
    // The resolved config says the WebSocket URL the indexer derives from rpcUrl.
    expect([plain.config.wsUrl, off.config.wsUrl]).toEqual([null, 'ws://127.0.0.1:2/'])
    expect(off.websocket).toEqual({})
    // Without a stream the stats carry no presence figure.
    await off.ready
    const stats = await (await off.fetch(new Request('http://x/api/casino/stats'))).json() as Record<string, unknown>
    expect(stats).not.toHaveProperty('onlinePlayers')
    await Promise.all([plain.close(), off.close()])
  })

  it('takes every optional field given as undefined for not given (exactOptionalPropertyTypes, unset environment variables)', async () => {
    const env: Record<string, string | undefined> = {}
    const unset = {
      slug: env.SLUG, network: undefined, rpcUrl: env.RPC, wsUrl: undefined, programId: undefined, store: undefined, kv: undefined,
      cors: undefined, rateLimit: undefined, trustProxy: undefined, bodyLimit: undefined, logger: undefined, games: undefined,
      cacheTtlMs: undefined, leader: undefined, leaderRetryMs: undefined, indexerStallMs: undefined, pubsub: undefined, history: undefined,
    }
    const given = createCasino({ ...base, ...unset, auth: { jwtSecret: secret, domain: undefined, uri: undefined, tokenTtl: undefined, nonceTtl: undefined, statement: undefined }, realtime: { path: undefined, historySize: undefined, pingInterval: undefined } })
    const omitted = createCasino(base)
    const comparable = (c: typeof given) => ({ ...c.config, logger: null })
    expect(comparable(given)).toEqual(comparable(omitted))
    const nested = createCasino({ ...base, cors: { origin: undefined, credentials: undefined }, rateLimit: { windowMs: undefined, max: undefined, auth: undefined, chat: { max: undefined } } })
    expect(nested.config.cors).toEqual(omitted.config.cors)
    expect(nested.config.rateLimit).toEqual(omitted.config.rateLimit)
    // An indexer override given as undefined keeps the casino's own setting.
    const programId = createWallet().address
    const indexed = createCasino({
      ...base, rpcUrl: 'http://127.0.0.1:1', wsUrl: 'ws://127.0.0.1:1', programId, games: [{ id: 'coinflip', name: 'Coin flip', extraDataHash: 'abc' }],
      indexer: { programId: undefined, wsUrl: undefined, games: undefined, rpcUrl: undefined, ownerWallet: undefined, pollInterval: undefined, start: undefined },
    })
    expect(indexed.config.indexer).toEqual({ rpcUrl: 'http://127.0.0.1:1', wsUrl: 'ws://127.0.0.1:1', programId, ownerWallet: owner, games: [{ id: 'coinflip', extraDataHash: 'abc' }] })
    await given.ready
    expect((await given.fetch(new Request('http://x/api/casino/stats'))).status).toBe(200)
    await Promise.all([given.close(), omitted.close(), nested.close(), indexed.close()])
  })
})
