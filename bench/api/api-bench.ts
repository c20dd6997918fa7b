import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sqliteStore } from '@fare-casino/adapters/sqlite'
import { expect, it } from 'vitest'
import { createCasino } from '../../packages/core/src/casino'
import { seedStore } from './seed'

/**
 * bench/api: requests per second and latency of the REST API on a SQLite database of 1,000,000 bets
 * and 100,000 players, each endpoint as a ratio to an h3 hello-world route on the same app in the
 * same run. Writes bench/RESULTS.md. Environment knobs: BENCH_BETS, BENCH_PLAYERS, BENCH_DURATION_MS,
 * BENCH_CONNECTIONS, BENCH_DB_DIR.
 */

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const BETS = env('BENCH_BETS', 1_000_000)
const PLAYERS = env('BENCH_PLAYERS', 100_000)
const DURATION_MS = env('BENCH_DURATION_MS', 8_000)
const CONNECTIONS = env('BENCH_CONNECTIONS', 32)
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

it('benchmarks the REST API', async () => {
  mkdirSync(DB_DIR, { recursive: true })
  const log = (line: string) => process.stdout.write(`[bench] ${line}\n`)
  const file = join(DB_DIR, `casino-${BETS}-${PLAYERS}.db`)
  const store = sqliteStore({ file })
  await store.migrate()
  const now = Date.now()
  const wallets = await seedStore(store, { bets: BETS, players: PLAYERS, batchSize: 5_000, now, days: 30 }, `${file}.seeded`, log)

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
  const cases: [name: string, paths: string[], connections?: number][] = [
    ['h3 hello-world (baseline)', ['/bench/hello']],
    ['GET /api/casino/stats', ['/api/casino/stats']],
    ['GET /api/casino/leaderboard?by=wagered&period=all', ['/api/casino/leaderboard?by=wagered&period=all&limit=10']],
    ['GET /api/casino/leaderboard (16 by/period mixes)', ['wagered', 'profit', 'wins', 'bets'].flatMap(by => ['24h', '7d', '30d', 'all'].map(p => `/api/casino/leaderboard?by=${by}&period=${p}&limit=10`))],
    ['GET /api/bets?player= (1,000 players)', sample.map(w => `/api/bets?player=${w}&limit=20`)],
    // Latency without queueing: one connection, so p99 is the server's time, not the wait in line.
    ['h3 hello-world, 1 connection', ['/bench/hello'], 1],
    ['GET /api/bets?player=, 1 connection', sample.map(w => `/api/bets?player=${w}&limit=20`), 1],
  ]

  // Cold costs, before any cache: what a cache miss costs the request that takes it.
  const cold: Record<string, number> = {}
  for (const [name, path] of [['stats', '/api/casino/stats'], ['leaderboard all', '/api/casino/leaderboard?by=wagered&period=all&limit=10'], ['leaderboard 24h', '/api/casino/leaderboard?by=profit&period=24h&limit=10']] as const) {
    const t0 = performance.now()
    const res = await fetch(server.url + path)
    expect(res.status).toBe(200)
    await res.text()
    cold[name] = performance.now() - t0
  }

  const results: [string, LoadResult][] = []
  for (const [name, paths, connections] of cases) {
    await load(server.url, paths, 1_000, connections) // warm-up
    const result = await load(server.url, paths, DURATION_MS, connections)
    log(`${name}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, errors ${result.errors}, non-2xx ${result.non2xx}`)
    results.push([name, result])
  }
  await casino.close()

  const base = results[0]![1].rps
  const rows = results.map(([name, r]) => `| ${name} | ${r.rps.toFixed(0)} | ${(r.rps / base * 100).toFixed(0)}% | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.errors + r.non2xx} |`)
  const cpu = cpus()
  const md = `# API benchmark

Measured ${new Date(now).toISOString()} on ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}.
Database: SQLite file (WAL) seeded through \`store.applyBatch\` with ${BETS.toLocaleString('en')} bets
(98% settled, block times over 30 days) and ${PLAYERS.toLocaleString('en')} players.
Server: \`createCasino()\` + \`casino.listen()\` (one node:http server, rate limiting off, every other
middleware on: security headers, CORS, body limit). Load: \`bench/api/load.mjs\` in a second process,
${CONNECTIONS} keep-alive connections (1 where the case says so), ${DURATION_MS / 1000} s per case after a 1 s warm-up.

Command (from the repository root):

\`\`\`sh
pnpm vitest run -c bench/api/vitest.config.ts
\`\`\`

| case | req/s | vs hello-world | p50 ms | p99 ms | errors |
| --- | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

Cold (uncached) single requests: ${Object.entries(cold).map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(', ')}.

Targets: aggregate endpoints (stats, leaderboard) at least 70% of hello-world throughput; the
\`/api/bets?player=\` query p99 under 10 ms. Aggregates are cached in process for \`cacheTtlMs\`
(2 s by default) and the cache is dropped whenever a bet event is published, so a committed batch
shows at once; concurrent misses share one query.
`
  writeFileSync(join(here, '..', 'RESULTS.md'), md)
  log(`wrote bench/RESULTS.md`)
})
