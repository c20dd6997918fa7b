import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadavg } from 'node:os'
import { expect, it } from 'vitest'
import { createCasino } from '../../packages/core/src/casino'
import { type BenchStoreName, openSeededStore } from './stores'

/**
 * bench/api: requests per second and latency of the REST API on a seeded store (SQLite by default:
 * 1,000,000 bets and 100,000 players), each endpoint as a ratio to an h3 hello-world route on the same
 * app in the same run. Prints a markdown table and writes it to bench/api/results-<store>.md (the
 * RESULTS.md section is assembled by hand from those). Environment knobs: BENCH_STORE (sqlite |
 * postgres | redis), BENCH_BETS, BENCH_PLAYERS, BENCH_DURATION_MS, BENCH_CONNECTIONS, BENCH_DB_DIR.
 */

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const BETS = env('BENCH_BETS', 1_000_000)
const PLAYERS = env('BENCH_PLAYERS', 100_000)
const DURATION_MS = env('BENCH_DURATION_MS', 8_000)
const CONNECTIONS = env('BENCH_CONNECTIONS', 32)
const STORE = (process.env.BENCH_STORE ?? 'sqlite') as BenchStoreName
const DB_DIR = process.env.BENCH_DB_DIR ?? join(tmpdir(), 'fare-bench')
const here = fileURLToPath(new URL('.', import.meta.url))

interface LoadResult { requests: number, rps: number, p50: number, p99: number, max: number, errors: number, non2xx: number }

function load(url: string, paths: string[], duration: number, connections = CONNECTIONS): Promise<LoadResult> {
  const file = join(DB_DIR, `paths-${Math.random().toString(36).slice(2)}.json`)
  writeFileSync(file, JSON.stringify(paths))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, 'load.mjs'), url, String(duration), String(connections), file], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
    child.on('error', reject)
    child.on('exit', code => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load generator exited ${code}`))))
  })
}

it(`benchmarks the REST API on ${STORE}`, async () => {
  mkdirSync(DB_DIR, { recursive: true })
  const log = (line: string) => process.stdout.write(`[bench] ${line}\n`)
  const now = Date.now()
  const { store, wallets, seeding } = await openSeededStore(STORE, { bets: BETS, players: PLAYERS, batchSize: 5_000, now, days: 30 }, DB_DIR, log)

  const casino = createCasino({
    name: 'Bench Casino',
    ownerWallet: wallets[0]!,
    store,
    rateLimit: false,
    auth: { jwtSecret: 'bench-secret-bench-secret-bench-secret!!' },
  })
  // The baseline: a hello-world route on the same app, behind the same global middleware.
  casino.app.get('/bench/hello', () => 'hello')
  const server = await casino.listen({ port: 0 })

  const sample = Array.from({ length: 1_000 }, (_, i) => wallets[(i * 7919) % wallets.length]!)
  const betsPaths = sample.map(w => `/api/bets?player=${w}&limit=20`)
  const mixed = ['wagered', 'profit', 'wins', 'bets'].flatMap(by => ['24h', '7d', '30d', 'all'].map(p => `/api/casino/leaderboard?by=${by}&period=${p}&limit=10`))
  const cases: [name: string, paths: string[], connections?: number][] = [
    ['h3 hello-world (baseline)', ['/bench/hello']],
    ['GET /api/casino/stats', ['/api/casino/stats']],
    ['GET /api/casino/leaderboard?by=wagered&period=all', ['/api/casino/leaderboard?by=wagered&period=all&limit=10']],
    ['GET /api/casino/leaderboard (16 by/period mixes)', mixed],
    [`GET /api/bets?player= (1,000 players)`, betsPaths],
    // Latency with little or no queueing: p99 is mostly the server's time, not the wait in line.
    ['h3 hello-world, 1 connection', ['/bench/hello'], 1],
    ['GET /api/bets?player=, 1 connection', betsPaths, 1],
    ['h3 hello-world, 4 connections', ['/bench/hello'], 4],
    ['GET /api/bets?player=, 4 connections', betsPaths, 4],
  ]

  // Cold costs, before any cache: what a cache miss costs the request that takes it.
  const cold: Record<string, number> = {}
  for (const [name, path] of [['stats', '/api/casino/stats'], ['leaderboard all', '/api/casino/leaderboard?by=wagered&period=all&limit=10'], ['leaderboard profit 24h', '/api/casino/leaderboard?by=profit&period=24h&limit=10'], ['leaderboard profit 30d', '/api/casino/leaderboard?by=profit&period=30d&limit=10'], ['bets?player=', betsPaths[0]!]] as const) {
    const t0 = performance.now()
    const res = await fetch(server.url + path)
    expect(res.status).toBe(200)
    await res.text()
    cold[name] = performance.now() - t0
  }

  const results: [string, LoadResult, number, string][] = []
  for (const [name, paths, connections = CONNECTIONS] of cases) {
    await load(server.url, paths, 1_000, connections) // warm-up
    const loadNow = loadavg().map(v => v.toFixed(1)).join(' ')
    const result = await load(server.url, paths, DURATION_MS, connections)
    log(`${name} (${connections} conn): ${result.rps.toFixed(0)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, errors ${result.errors}, non-2xx ${result.non2xx}, load ${loadNow}`)
    results.push([name, result, connections, loadNow])
  }
  await casino.close()

  // Each case against the hello-world run with the same number of connections.
  const baseOf = (connections: number) => results.find(([n, , c]) => n.startsWith('h3 hello-world') && c === connections)?.[1].rps ?? results[0]![1].rps
  const rows = results.map(([name, r, c, l]) => `| ${name} | ${c} | ${r.rps.toFixed(0)} | ${(r.rps / baseOf(c) * 100).toFixed(0)}% | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.errors + r.non2xx} | ${l} |`)
  const cpu = cpus()
  const md = `### ${STORE}: ${BETS.toLocaleString('en')} bets, ${PLAYERS.toLocaleString('en')} players

Measured ${new Date(now).toISOString()} on ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}.
Seeded through ${seeding}; 98% settled, block times over 30 days. ${DURATION_MS / 1000} s per case after a 1 s warm-up.

\`\`\`sh
BENCH_STORE=${STORE} BENCH_BETS=${BETS} BENCH_PLAYERS=${PLAYERS} pnpm vitest run -c bench/api/vitest.config.ts
\`\`\`

| case | connections | req/s | vs hello-world (same connections) | p50 ms | p99 ms | errors | load avg 1/5/15 |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${rows.join('\n')}

Cold (uncached) single requests: ${Object.entries(cold).map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(', ')}.
`
  process.stdout.write(`\n${md}\n`)
  writeFileSync(join(here, `results-${STORE}.md`), md)
  log(`wrote bench/api/results-${STORE}.md`)
})
