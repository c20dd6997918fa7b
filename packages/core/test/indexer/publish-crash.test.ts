import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sqliteStore } from '@fare-casino/adapters/sqlite'
import { type Localnet, startLocalnet } from '@fare-casino/localnet'
import { afterAll, describe, expect, it } from 'vitest'
import { createCasinoEvents } from '../../src/events'
import { createIndexer } from '../../src/indexer/indexer'
import { allBets, waitFor } from './helpers'

const dir = mkdtempSync(join(tmpdir(), 'fare-publish-crash-'))
const runner = fileURLToPath(new URL('../../../../scripts/run-ts.mjs', import.meta.url))
const childFile = fileURLToPath(new URL('./_crash-child.ts', import.meta.url))
const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const nets: Localnet[] = []
const children: ChildProcess[] = []

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL')
  await Promise.all(nets.map(n => n.close()))
  rmSync(dir, { recursive: true, force: true })
})

/**
 * A localnet with an owner, a spoofed first transaction to start from, and `bets` bets, all resolved,
 * of players who join along the way (three bets each), so that any commit holds some player's first bet.
 */
async function chainWithBets(bets: number) {
  const net = await startLocalnet({ seed: 11, slotMs: 20, resolveDelayMs: 10 })
  nets.push(net)
  const owner = (await net.createPlayer()).publicKey
  const players = await Promise.all(Array.from({ length: Math.ceil(bets / 3) }, () => net.createPlayer({ tokens: 10n ** 30n })))
  const game = net.games[0]!.id
  const genesis = (await net.spoofEvent({ player: players[0]!, wager: 1n, game })).signature
  const trialIds: string[] = []
  for (let i = 0; i < bets; i++) trialIds.push((await net.placeBet({ player: players[Math.floor(i / 3)]!, wager: 1000n + BigInt(i), game, host: owner })).trialId)
  await net.waitForIdle()
  return { net, owner, genesis, trialIds }
}

/** `placed <id>` / `settled <id>` / `joined <wallet>` lines of a child's log, counted per id. */
function published(log: string): Record<'placed' | 'settled' | 'joined', Map<string, number>> {
  const out = { placed: new Map<string, number>(), settled: new Map<string, number>(), joined: new Map<string, number>() }
  if (!existsSync(log)) return out
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const [kind, id] = line.split(' ')
    if ((kind === 'placed' || kind === 'settled' || kind === 'joined') && id) out[kind].set(id, (out[kind].get(id) ?? 0) + 1)
  }
  return out
}

describe('publishing across a crash (the published mark)', () => {
  it('publishes after a restart the bets an indexer committed and was killed before announcing', async () => {
    const { net, owner, genesis, trialIds } = await chainWithBets(60)
    const file = join(dir, 'crash.sqlite')
    const log = join(dir, 'published.log')
    const spawnChild = (env: Record<string, string>): ChildProcess => {
      const c = spawn(process.execPath, [runner, childFile, file, net.rpcUrl, net.wsUrl, owner, genesis, log], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } })
      children.push(c)
      return c
    }
    const exited = (c: ChildProcess) => new Promise<string | null>(resolve => (c.exitCode !== null || c.signalCode !== null ? resolve(c.signalCode) : c.once('exit', (_code, signal) => resolve(signal))))

    // The second commit that applies events kills the process as it resolves: written, never published.
    const first = spawnChild({ FARE_TEST_CRASH_AFTER_COMMIT: '2' })
    expect(await exited(first)).toBe('SIGKILL')
    const reader = sqliteStore({ file })
    const stored = await allBets(reader)
    const before = published(log)
    const unannounced = stored.filter(b => !before.placed.has(b.id))
    // The window was hit: bets are in the store that no listener has heard of.
    expect(unannounced.length).toBeGreaterThan(0)
    const cursor = await reader.getCursor()
    expect(cursor?.published?.signature).not.toBe(cursor?.signature)

    const second = spawnChild({})
    await waitFor(() => {
      const now = published(log)
      return trialIds.every(id => now.placed.has(id) && now.settled.has(id))
    }, 60_000, 'every bet placed and settled to be published')
    second.kill('SIGKILL')
    await exited(second)

    const after = published(log)
    expect(new Set(after.placed.keys())).toEqual(new Set(trialIds))
    expect(new Set(after.settled.keys())).toEqual(new Set(trialIds))
    // At least once, and no more than twice: only what the first run committed may have been announced twice.
    for (const id of trialIds) {
      expect(after.placed.get(id), id).toBeLessThanOrEqual(2)
      expect(after.settled.get(id), id).toBeLessThanOrEqual(2)
    }
    for (const bet of unannounced) expect(after.placed.get(bet.id), bet.id).toBe(1)
    const bets = await allBets(reader)
    expect(bets).toHaveLength(trialIds.length)
    // Every player announced, those whose first bet the first run left unannounced included.
    expect([...new Set(bets.map(b => b.player))].filter(w => !after.joined.has(w))).toEqual([])
    await reader.close()
  }, 120_000)

  it('marks what it published when idle and on stop, so that a restart announces nothing twice', async () => {
    const { net, owner, genesis, trialIds } = await chainWithBets(20)
    const store = sqliteStore({ file: join(dir, 'stop.sqlite') })
    await store.migrate()
    const config = { rpcUrl: net.rpcUrl, wsUrl: net.wsUrl, ownerWallet: owner, start: { signature: genesis }, pollInterval: 50, retryDelay: 5 }
    const placed: string[] = []
    const events = createCasinoEvents()
    events.on('bet.placed', bet => placed.push(bet.id))

    const first = createIndexer({ store, events, logger: quiet, config })
    await first.start()
    await waitFor(() => placed.length === trialIds.length, 30_000, 'the bets to be published')
    // Idle: the mark catches up with the cursor by itself (no crash can make these announced twice).
    await waitFor(async () => {
      const c = await store.getCursor()
      return c !== null && c.published?.signature === c.signature
    }, 5000, 'the idle mark')
    await first.stop()

    const second = createIndexer({ store, events, logger: quiet, config })
    await second.start()
    await second.ready
    await new Promise(r => setTimeout(r, 300))
    expect(placed).toHaveLength(trialIds.length) // nothing announced again
    const game = net.games[0]!.id
    const player = await net.createPlayer({ tokens: 10n ** 30n })
    const late = await net.placeBet({ player, wager: 7n, game, host: owner })
    await waitFor(() => placed.includes(late.trialId), 30_000, 'the new bet to be published')
    await second.stop()
    const cursor = await store.getCursor()
    expect(cursor?.published?.signature).toBe(cursor?.signature)
    expect(placed.filter(id => id === late.trialId)).toHaveLength(1)
    expect(new Set(placed).size).toBe(placed.length)
    await store.close()
  }, 60_000)
})
