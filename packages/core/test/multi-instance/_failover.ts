import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { listAllBets, recomputeTotals } from '@fare-casino/core/testing'
import { type Localnet, type LocalnetPlayer, startLocalnet } from '@fare-casino/localnet'
import { expect } from 'vitest'
import type { CasinoStore } from '../../src/store/types'
import type { InstanceReport, InstanceSpec } from './_spec'

const runner = fileURLToPath(new URL('../../../../scripts/run-ts.mjs', import.meta.url))
const instanceFile = fileURLToPath(new URL('./_instance.ts', import.meta.url))

/** Bets the bot places; two leaders are killed while they are being ingested. */
export const BETS = 600
/** The correctness bound of issue 4: a dead leader is replaced within this long. */
export const TAKEOVER_BOUND_MS = 10_000

/** One instance process and what it last said. */
interface Instance {
  id: string
  child: ChildProcess
  last: InstanceReport | null
  killed: boolean
}

/** What the failover run measured, for the assertions and the report. */
export interface FailoverResult {
  takeoversMs: number[]
  fencingTokens: number[]
  /** RPC answers the localnet turned into faults. */
  faults: number
  /** The most instances that claimed leadership at once (killed ones excluded). */
  maxConcurrentLeaders: number
}

export async function waitFor(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(r => setTimeout(r, 10))
  }
}

/**
 * Three casino instances in three processes share one store (`backend`) and a leader, all pointed at one
 * localnet, a faulty one, while a bot places bets. The leader is killed with SIGKILL twice during ingestion; each time
 * another instance must take over within {@link TAKEOVER_BOUND_MS}, and at the end the store must hold
 * exactly the placed bets, with totals equal to the sums recomputed from them.
 */
export async function runFailover(options: {
  backend: InstanceSpec['backend']
  url: string
  namespace: string
  /** A reader on the shared store (migrated). */
  reader: CasinoStore
}): Promise<FailoverResult> {
  // The node misbehaves as under load: a tenth of its answers are faults (429, 500, a hang, a reset), and
  // its WebSocket drops now and then.
  const net: Localnet = await startLocalnet({ seed: 42, slotMs: 30, resolveDelayMs: 30, faults: { errorRate: 0.1, hangMs: 1500, wsDropRate: 0.02 } })
  const instances: Instance[] = []
  const result: FailoverResult = { takeoversMs: [], fencingTokens: [], faults: 0, maxConcurrentLeaders: 0 }
  try {
    const owner = (await net.createPlayer()).publicKey
    const players: LocalnetPlayer[] = []
    for (let i = 0; i < 20; i++) players.push(await net.createPlayer({ tokens: 10n ** 30n }))
    const game = net.games[0]!.id
    // The first transaction of this chain: a store without a cursor starts after it, so no bet is before it.
    const genesis = (await net.spoofEvent({ player: players[0]!, wager: 1n, game })).signature

    const spec = (id: string): InstanceSpec => ({
      id,
      backend: options.backend,
      url: options.url,
      namespace: options.namespace,
      rpcUrl: net.rpcUrl,
      wsUrl: net.wsUrl,
      programId: net.programId,
      owner,
      genesis,
      games: net.games.map(g => ({ id: g.id, name: g.name, extraDataHash: g.extraDataHash })),
    })
    let onReport: (() => void) | null = null
    const leaders = () => instances.filter(i => !i.killed && i.last?.role === 'leader')
    for (const id of ['a', 'b', 'c']) {
      const child = spawn(process.execPath, [runner, instanceFile, JSON.stringify(spec(id))], { stdio: ['ignore', 'pipe', 'inherit'] })
      const instance: Instance = { id, child, last: null, killed: false }
      let buffered = ''
      child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString()
        const lines = buffered.split('\n')
        buffered = lines.pop()!
        for (const line of lines) {
          if (!line.trim()) continue
          instance.last = JSON.parse(line) as InstanceReport
          if (instance.last.role === 'leader' && instance.last.fencingToken !== null && !result.fencingTokens.includes(instance.last.fencingToken)) {
            result.fencingTokens.push(instance.last.fencingToken)
          }
          result.maxConcurrentLeaders = Math.max(result.maxConcurrentLeaders, leaders().length)
          onReport?.()
        }
      })
      instances.push(instance)
    }
    await waitFor(() => instances.every(i => i.last !== null) && leaders().length === 1, 60_000, 'three instances, one leader')

    // The bot: bets keep landing during both kills. A few wagers above 2^53.
    const placed: string[] = []
    const placing = (async () => {
      for (let i = 0; i < BETS; i++) {
        const wager = i % 100 === 7 ? 2n ** 53n + BigInt(i) : 1_000_000n + BigInt(i) * 13n
        const bet = await net.placeBet({ player: players[i % players.length]!, wager, game: net.games[i % net.games.length]!.id, host: owner })
        placed.push(bet.trialId)
        await new Promise(r => setTimeout(r, 8))
      }
    })()

    for (const after of [BETS / 4, BETS / 2]) {
      await waitFor(() => placed.length >= after, 120_000, `${after} bets placed`)
      const [leader] = leaders()
      expect(leader, 'a leader before the kill').toBeDefined()
      // Killed during ingestion: only once this leader has committed something.
      await waitFor(() => (leader!.last?.transactions ?? 0) > 0, 30_000, 'the leader to commit')
      const killedAt = Date.now()
      leader!.killed = true
      leader!.child.kill('SIGKILL')
      let tookOverAt = 0
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no instance took over in 60 s')), 60_000)
        onReport = () => {
          if (leaders().length === 1) {
            tookOverAt = Date.now()
            clearTimeout(timer)
            resolve()
          }
        }
        onReport()
      })
      onReport = null
      result.takeoversMs.push(tookOverAt - killedAt)
    }

    await placing
    await net.waitForIdle()
    // The faults did happen: the node refused and hung up on what the instances asked.
    const faults = net.stats().faults
    result.faults = faults.http429 + faults.http500 + faults.hang + faults.reset
    expect(result.faults).toBeGreaterThan(0)
    await waitFor(async () => {
      const stats = await options.reader.stats(Date.now())
      return stats.totalBets + stats.pendingBets >= BETS && stats.pendingBets === 0
    }, 120_000, 'every bet settled in the shared store')

    // Exactly the placed bets: none missing (no gap), none twice (no duplicate).
    const bets = await listAllBets(options.reader)
    expect(bets).toHaveLength(BETS)
    expect(new Set(bets.map(b => b.id)).size).toBe(BETS)
    expect(new Set(bets.map(b => b.id))).toEqual(new Set(placed))
    for (const bet of bets) expect(bet.resultIndex, bet.id).toBe(net.trial(bet.id)!.resultIndex)
    // Counters equal the sums recomputed from the bets, for the casino and every player.
    const totals = recomputeTotals(bets)
    const stats = await options.reader.stats(Date.now())
    expect({ bets: stats.totalBets, wins: stats.totalWins, wagered: stats.totalWagered, payout: stats.totalPayout, pending: stats.pendingBets })
      .toEqual({ bets: totals.casino.bets, wins: totals.casino.wins, wagered: totals.casino.wagered, payout: totals.casino.payout, pending: 0 })
    for (const [wallet, expected] of totals.players) {
      const player = (await options.reader.getPlayer(wallet))!
      expect({ bets: player.totalBets, wins: player.totalWins, wagered: player.totalWagered, payout: player.totalPayout }, wallet)
        .toEqual({ bets: expected.bets, wins: expected.wins, wagered: expected.wagered, payout: expected.payout })
    }
    return result
  }
  finally {
    for (const instance of instances) instance.child.kill('SIGKILL')
    await net.close()
  }
}

/**
 * The failover verdict shared by every backend: two takeovers, each within {@link TAKEOVER_BOUND_MS},
 * never two leaders at once, and each term a new, larger fencing token.
 */
export function expectFailover(result: FailoverResult, backend: string): void {
  console.info(`[failover/${backend}] takeovers ${result.takeoversMs.join(' ms, ')} ms; fencing tokens ${result.fencingTokens.join(', ')}; ${result.faults} RPC faults`)
  expect(result.takeoversMs).toHaveLength(2)
  for (const ms of result.takeoversMs) expect(ms).toBeLessThanOrEqual(TAKEOVER_BOUND_MS)
  expect(result.maxConcurrentLeaders).toBe(1)
  expect(result.fencingTokens).toHaveLength(3)
  expect([...result.fencingTokens].sort((a, b) => a - b)).toEqual(result.fencingTokens)
}
