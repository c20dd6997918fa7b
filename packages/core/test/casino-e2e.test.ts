import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sqliteStore } from '@fare-casino/adapters/sqlite'
import { type Localnet, startLocalnet } from '@fare-casino/localnet'
import { createConsola } from 'consola'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Casino, type CasinoServer, createCasino } from '../src/casino'
import { TestClient } from './ws/_harness'

// The whole casino, as a user runs it: a local Fare Vault RPC, a SQLite file, createCasino with an rpcUrl,
// one port serving REST and /ws. Bets placed on chain come out of the socket and the REST API.
const dir = mkdtempSync(join(tmpdir(), 'fare-casino-e2e-'))
let net: Localnet
let casino: Casino
let server: CasinoServer
let owner: string

beforeAll(async () => {
  net = await startLocalnet({ seed: 21, slotMs: 40, resolveDelayMs: 40 })
  owner = (await net.createPlayer()).publicKey
  casino = createCasino({
    name: 'End To End Casino',
    ownerWallet: owner,
    network: 'localnet',
    rpcUrl: net.rpcUrl,
    // The localnet serves its WebSocket on the RPC port (the indexer's default would be port + 1).
    wsUrl: net.wsUrl,
    programId: net.programId,
    store: sqliteStore({ file: join(dir, 'casino.sqlite') }),
    games: net.games.map(g => ({ id: g.id, name: g.name, extraDataHash: g.extraDataHash })),
    auth: { jwtSecret: 'end-to-end-secret-of-at-least-32-bytes' },
    indexer: { pollInterval: 100, retryDelay: 10 },
    logger: createConsola({ level: 1 }),
  })
  await casino.ready
  server = await casino.listen({ port: 0 })
}, 60_000)

afterAll(async () => {
  await casino?.close()
  await net?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('createCasino fed by a localnet', () => {
  it('streams bets placed on chain to a socket on the same port, lists them over REST and reports the indexer', async () => {
    const client = await TestClient.connect(`${server.url.replace('http', 'ws')}/ws`)
    await client.take('connection.established')
    client.send({ type: 'subscribe', channels: ['bets'] })
    await client.take('subscribed')

    const players = [await net.createPlayer({ tokens: 10n ** 30n }), await net.createPlayer({ tokens: 10n ** 30n })]
    // Above 2^53: a float anywhere between the chain and the socket would change the digits.
    const wagers = [2n ** 60n + 12_345n, 1_000_000n, 2n ** 53n + 1n]
    const placed: string[] = []
    for (const [i, wager] of wagers.entries()) {
      const bet = await net.placeBet({ player: players[i % 2]!, wager, game: net.games[i % net.games.length]!.id, host: owner })
      placed.push(bet.trialId)
    }
    // Another casino's bet (another host) must not show up.
    const foreign = await net.placeBet({ player: players[0]!, wager: 7n, game: net.games[0]!.id, host: players[1]!.publicKey })

    for (const [i, id] of placed.entries()) {
      const live = await client.take(m => m.type === 'bet.placed' && m.data.id === id, 15_000)
      expect(live.data.wager).toBe(wagers[i]!.toString())
      const settled = await client.take(m => m.type === 'bet.settled' && m.data.id === id, 15_000)
      expect(settled.data.status).toBe('settled')
      expect(settled.data.resultIndex).toBe(net.trial(id)!.resultIndex)
    }

    const recent = await (await fetch(`${server.url}/api/bets/recent?limit=10`)).json() as { bets: { id: string, wager: string, status: string }[] }
    expect(recent.bets.map(b => b.id).sort()).toEqual([...placed].sort())
    expect(recent.bets.map(b => b.id)).not.toContain(foreign.trialId)
    expect(recent.bets.find(b => b.id === placed[0])).toMatchObject({ wager: wagers[0]!.toString(), status: 'settled' })

    const ready = await fetch(`${server.url}/health/ready`)
    const health = await ready.json() as { checks: Record<string, { ok: boolean, status?: Record<string, unknown> }> }
    expect(ready.status).toBe(200)
    expect(health.checks.rpc?.ok).toBe(true)
    expect(health.checks.indexer).toMatchObject({ ok: true, status: { ok: true, role: 'single', running: true, live: true, stalled: false } })
    expect(health.checks.indexer?.status).toHaveProperty('lagSlots')
    expect(casino.indexer?.status().detail?.bets).toBe(placed.length)

    // Presence: this socket is counted in the REST stats too.
    const stats = await (await fetch(`${server.url}/api/casino/stats`)).json() as { totalBets: number, onlinePlayers: number, totalWagered: string }
    expect(stats).toMatchObject({ totalBets: placed.length, onlinePlayers: 1, totalWagered: wagers.reduce((a, b) => a + b, 0n).toString() })
    client.close()
    await client.closed
  }, 60_000)
})
