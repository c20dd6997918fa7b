import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sqliteStore } from '@fare-casino/adapters/sqlite'
import { type Localnet, startLocalnet } from '@fare-casino/localnet'
import { afterAll, describe, expect, it } from 'vitest'
import { allBets, expectTotalsMatchBets, waitFor } from './helpers'

const BETS = 1000
const KILLS = 6
const dir = mkdtempSync(join(tmpdir(), 'fare-crash-'))
const runner = fileURLToPath(new URL('../../../../scripts/run-ts.mjs', import.meta.url))
const childFile = fileURLToPath(new URL('./_crash-child.ts', import.meta.url))
let net: Localnet | undefined
let child: ChildProcess | undefined

afterAll(async () => {
  child?.kill('SIGKILL')
  await net?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('indexer crash test', () => {
  it(`is exact after being killed with SIGKILL ${KILLS} times during ingestion`, async () => {
    net = await startLocalnet({ seed: 5, slotMs: 30, resolveDelayMs: 20, faults: { errorRate: 0.05, hangMs: 500 } })
    const localnet = net
    const owner = (await localnet.createPlayer()).publicKey
    const players = await Promise.all(Array.from({ length: 25 }, () => localnet.createPlayer({ tokens: 10n ** 30n })))
    const game = localnet.games[0]!.id
    const genesis = (await localnet.spoofEvent({ player: players[0]!, wager: 1n, game })).signature
    const file = join(dir, 'crash.sqlite')
    const log = join(dir, 'published.log')
    const reader = sqliteStore({ file })
    await reader.migrate()

    let progress = 0
    const spawnChild = (): ChildProcess => {
      const c = spawn(process.execPath, [runner, childFile, file, localnet.rpcUrl, localnet.wsUrl, owner, genesis, log], { stdio: ['ignore', 'pipe', 'inherit'] })
      c.stdout!.on('data', (chunk: Buffer) => {
        const line = chunk.toString().trim().split('\n').at(-1)
        if (line) progress = JSON.parse(line).transactions
      })
      return c
    }
    const exited = (c: ChildProcess) => new Promise<void>(resolve => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve())))

    // Bets arrive while the indexer is being killed: at least BETS, and on until the last kill, so that
    // an indexer that catches up quickly still has something to ingest every time it is killed.
    const trialIds: string[] = []
    let kills = 0
    const placing = (async () => {
      for (let i = 0; (i < BETS || kills < KILLS) && i < BETS * 20; i++) {
        const bet = await localnet.placeBet({ player: players[i % players.length]!, wager: i % 250 === 1 ? 2n ** 53n + BigInt(i) : 1_000_000n + BigInt(i), game, host: owner })
        trialIds.push(bet.trialId)
        if (i % 10 === 0) await new Promise(r => setTimeout(r, 10))
      }
    })()

    child = spawnChild()
    while (kills < KILLS) {
      // Kill only once this incarnation has committed something: a kill during ingestion, not during boot.
      progress = 0
      await waitFor(() => progress > 0, 60_000, 'the child to commit')
      await new Promise(r => setTimeout(r, 50 + Math.floor(Math.random() * 400)))
      child.kill('SIGKILL')
      await exited(child)
      kills++
      child = spawnChild()
    }
    await placing
    await localnet.waitForIdle()
    await waitFor(async () => {
      const s = await reader.stats(Date.now())
      return s.totalBets === trialIds.length && s.pendingBets === 0
    }, 240_000, 'every bet settled')
    await new Promise(r => setTimeout(r, 300))
    child.kill('SIGKILL')
    await exited(child)

    expect(kills).toBeGreaterThanOrEqual(5)
    expect(trialIds.length).toBeGreaterThanOrEqual(BETS)
    const bets = await allBets(reader)
    expect(bets).toHaveLength(trialIds.length)
    expect(new Set(bets.map(b => b.id))).toEqual(new Set(trialIds))
    // Chain order survives restarts: seq follows the registering slot.
    const bySeq = [...bets].sort((a, b) => a.seq - b.seq)
    for (let i = 1; i < bySeq.length; i++) expect(bySeq[i]!.registerSlot).toBeGreaterThanOrEqual(bySeq[i - 1]!.registerSlot)
    await expectTotalsMatchBets(reader, bets)
    for (const bet of bets) expect(bet.resultIndex, bet.id).toBe(localnet.trial(bet.id)!.resultIndex)
    // Every bet was announced, placed and settled, by one incarnation or another, however they were killed
    // (a commit whose publication a kill cut off is published by the next one: the published mark).
    const lines = readFileSync(log, 'utf8').split('\n')
    expect(new Set(lines.filter(l => l.startsWith('placed ')).map(l => l.slice(7)))).toEqual(new Set(trialIds))
    expect(new Set(lines.filter(l => l.startsWith('settled ')).map(l => l.slice(8)))).toEqual(new Set(trialIds))
    await reader.close()
  }, 400_000)
})
