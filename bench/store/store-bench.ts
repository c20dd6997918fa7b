import { execSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { postgresStore } from '@fare-casino/adapters/postgres'
import { redisStore } from '@fare-casino/adapters/redis'
import { sqliteStore } from '@fare-casino/adapters/sqlite'
import { expect, it } from 'vitest'
import { memoryStore } from '../../packages/core/src/store/memory'
import { batchKeys, planBatch } from '../../packages/core/src/store/plan'
import type { Batch, CasinoStore } from '../../packages/core/src/store/types'
import { deleteKeys } from '../../packages/adapters/test/_services'
import { makeBatches } from './workload'

/**
 * bench/store: `applyBatch` throughput (bets per second) of every store on the same batches, in one
 * run, beside two baselines: `planBatch` alone (the shared pure planning every adapter does) and the
 * in-memory reference store. Each store starts empty, ingests a warm-up, then the measured batches
 * one after another (as the indexer does: a batch commits before the next starts).
 * Knobs: STORE_BENCH_BATCHES (default 40), STORE_BENCH_BETS_PER_BATCH (500, so 1,000 events),
 * STORE_BENCH_PLAYERS (1,000), STORE_BENCH_ONLY (comma list of case names), FARE_BENCH_POSTGRES_URL,
 * FARE_BENCH_REDIS_URL.
 */

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const BATCHES = env('STORE_BENCH_BATCHES', 40)
const PER_BATCH = env('STORE_BENCH_BETS_PER_BATCH', 500)
const PLAYERS = env('STORE_BENCH_PLAYERS', 1_000)
const WARMUP = 4
const only = process.env.STORE_BENCH_ONLY ? process.env.STORE_BENCH_ONLY.split(',') : undefined
const pgUrl = process.env.FARE_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const redisUrl = process.env.FARE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
const log = (line: string) => process.stdout.write(`[store-bench] ${line}\n`)

interface Row { name: string, betsPerSec: number, p50: number, p99: number, clientCpu: number, serverCpu: number | null, load: string }

/** CPU time (ms) a server process has used so far, from /proc (Linux, same machine), or null. */
function procCpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10 // utime + stime, in clock ticks of 10 ms
  }
  catch {
    return null
  }
}

/** Reads how much CPU the server side has used so far (ms), when the case can tell. */
type ServerCpu = () => Promise<number | null>

async function measure(name: string, apply: (b: Batch) => Promise<unknown> | unknown, warm: Batch[], batches: Batch[], serverCpu: ServerCpu = async () => null): Promise<Row> {
  for (const b of warm) await apply(b)
  const times: number[] = []
  const load = loadavg().map(v => v.toFixed(1)).join(' ')
  const server0 = await serverCpu()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (const b of batches) {
    const t = performance.now()
    await apply(b)
    times.push(performance.now() - t)
  }
  const elapsed = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const server1 = await serverCpu()
  times.sort((a, b) => a - b)
  const bets = batches.length * PER_BATCH
  const row: Row = {
    name,
    betsPerSec: bets / elapsed,
    p50: times[Math.floor(times.length / 2)]!,
    p99: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))]!,
    clientCpu: (cpu.user + cpu.system) / 1000 / batches.length,
    serverCpu: server0 === null || server1 === null ? null : (server1 - server0) / batches.length,
    load,
  }
  log(`${name}: ${row.betsPerSec.toFixed(0)} bets/s, batch p50 ${row.p50.toFixed(1)} ms, p99 ${row.p99.toFixed(1)} ms, client CPU ${row.clientCpu.toFixed(1)} ms/batch, server CPU ${row.serverCpu?.toFixed(1) ?? '-'} ms/batch (load ${load})`)
  return row
}

it('store ingest throughput', async () => {
  const now = Date.now()
  const warm = makeBatches({ betsPerBatch: PER_BATCH, batches: WARMUP, players: PLAYERS, seed: 1, now })
  const batches = makeBatches({ betsPerBatch: PER_BATCH, batches: BATCHES, players: PLAYERS, seed: 2, now })
  const rows: Row[] = []
  const want = (name: string) => !only || only.includes(name)

  if (want('plan')) {
    // planBatch alone, with the state a store would load (players known after the warm-up, no stored bets).
    const known = new Set<string>()
    let lastSeq = 0
    const plan = (b: Batch) => {
      const keys = batchKeys(b)
      const p = planBatch(b, { appliedEventIds: new Set(), bets: new Map(), orphans: new Map(), players: new Set(keys.wallets.filter(w => known.has(w))), lastSeq })
      for (const c of p.createPlayers) known.add(c.wallet)
      lastSeq += p.insertBets.length
    }
    rows.push(await measure('planBatch alone (baseline)', plan, warm, batches))
  }
  if (want('memory')) {
    const store = memoryStore()
    rows.push(await measure('memory store (reference)', b => store.applyBatch(b), warm, batches))
  }
  const run = async (name: string, store: CasinoStore, cleanup: () => Promise<void>, serverCpu?: ServerCpu) => {
    try {
      await store.migrate()
      rows.push(await measure(name, b => store.applyBatch(b), warm, batches, serverCpu))
      // A sanity check: every measured bet is there and settled.
      const stats = await store.stats(now)
      expect(stats.totalBets).toBe((WARMUP + BATCHES) * PER_BATCH)
      expect(stats.pendingBets).toBe(0)
    }
    finally {
      await store.close()
      await cleanup()
    }
  }
  if (want('sqlite')) {
    const dir = mkdtempSync(join(tmpdir(), 'fare-store-bench-'))
    await run('SQLite (file, WAL)', sqliteStore({ file: join(dir, 'bench.db') }), async () => rmSync(dir, { recursive: true, force: true }))
  }
  if (want('postgres')) {
    // One connection, as a single indexer writes: its backend's CPU is the server's share.
    const store = postgresStore({ url: pgUrl, schema: 'fare_store_bench', max: 1 })
    // The store's own pool drops the schema before (a previous run may have died) and after.
    const drop = () => store.sql.unsafe('DROP SCHEMA IF EXISTS fare_store_bench CASCADE')
    await drop()
    await run('Postgres', store, async () => {
      const admin = postgresStore({ url: pgUrl, schema: 'fare_store_bench' })
      await admin.sql.unsafe('DROP SCHEMA IF EXISTS fare_store_bench CASCADE')
      await admin.close()
    }, async () => procCpuMs((await store.sql<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`)[0]!.pid))
  }
  if (want('redis')) {
    const prefix = 'fare-store-bench:'
    const store = redisStore({ url: redisUrl, prefix })
    const admin = store.redis.duplicate()
    const wipe = () => deleteKeys(admin, prefix)
    await wipe()
    await run('Redis', store, async () => {
      await wipe()
      admin.disconnect()
    }, async () => {
      // used_cpu_user + used_cpu_sys of the whole server (other clients of a shared server count too).
      const info = await admin.info('cpu')
      const f = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? Number.NaN)
      return (f('used_cpu_user') + f('used_cpu_sys')) * 1000
    })
  }

  const cpu = cpus()
  let uptime = ''
  try { uptime = execSync('uptime').toString().trim() } catch {}
  const md = [
    `Measured ${new Date().toISOString()} on ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}; \`uptime\` at the end: ${uptime}`,
    `${BATCHES} batches of ${PER_BATCH} bets (${PER_BATCH * 2} events: register + resolve), ${PLAYERS} players, after ${WARMUP} warm-up batches.`,
    '',
    '| store | bets/s | batch p50 ms | batch p99 ms | client CPU ms/batch | server CPU ms/batch | load avg (1/5/15 min) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map(r => `| ${r.name} | ${r.betsPerSec.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.clientCpu.toFixed(1)} | ${r.serverCpu?.toFixed(1) ?? '-'} | ${r.load} |`),
  ].join('\n')
  process.stdout.write(`\n${md}\n\n`)
})
