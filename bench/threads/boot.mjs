// bench/threads: how long a worker thread takes to start with what it loads. The SQLite writer thread
// and the decode thread start with every casino; what they import is paid on every start, in CPU and
// in memory. Compared in the same run: an empty worker (Node's own floor), the whole `@fare-casino/core`
// (what the writer thread loaded before it imported `@fare-casino/core/store`), the store entry alone,
// and the two thread modules as built. Rounds interleave the cases, so load from elsewhere hits all alike.
// Usage: pnpm build && node --expose-gc bench/threads/boot.mjs [--rounds 15] (heap figures after a GC need --expose-gc)
import { loadavg } from 'node:os'
import { Worker } from 'node:worker_threads'

const at = process.argv.indexOf('--rounds')
const rounds = at > 0 ? Number(process.argv[at + 1]) : 15
const dist = path => new URL(`../../packages/${path}`, import.meta.url).href

const cases = [
  { name: 'empty worker (floor)', module: 'node:os' },
  { name: '`@fare-casino/core` (baseline: the whole package)', module: dist('core/dist/index.mjs') },
  { name: '`@fare-casino/core/store`', module: dist('core/dist/store/index.mjs') },
  { name: 'SQLite writer thread module (`dist/sqlite/writer-thread.mjs`)', module: dist('adapters/dist/sqlite/writer-thread.mjs') },
  { name: 'decode thread module (`dist/indexer/decode-thread.mjs`)', module: dist('core/dist/indexer/decode-thread.mjs') },
]

// The worker times its own import, then reports it with its heap in use.
const body = module => `
  const { parentPort } = require('node:worker_threads')
  const t = performance.now()
  import(${JSON.stringify(module)}).then(() => {
    const importMs = performance.now() - t
    globalThis.gc?.()
    parentPort.postMessage({ importMs, heapMiB: process.memoryUsage().heapUsed / 2 ** 20 })
  })`

/** Starts one worker, resolves with its import time, the time until it said so, and its heap. */
function boot(module) {
  const started = performance.now()
  const worker = new Worker(body(module), { eval: true })
  return new Promise((resolve, reject) => {
    worker.once('error', reject)
    worker.once('message', (m) => {
      const readyMs = performance.now() - started
      worker.terminate().then(() => resolve({ ...m, readyMs }))
    })
  })
}

const median = values => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]
const samples = cases.map(() => [])
const load = loadavg().map(l => l.toFixed(2)).join(', ')
// One round unmeasured: the first start of anything pays for reading files into the page cache.
for (const c of cases) await boot(c.module)
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < cases.length; i++) samples[i].push(await boot(cases[i].module))
}

console.log(`Measured ${new Date().toISOString()}, Node ${process.version}, ${rounds} rounds; load average at start: ${load}.\n`)
console.log('| worker imports | import ms (median) | start to ready ms (median) | heap used MiB (after GC) |')
console.log('| --- | ---: | ---: | ---: |')
cases.forEach((c, i) => {
  const s = samples[i]
  console.log(`| ${c.name} | ${median(s.map(x => x.importMs)).toFixed(1)} | ${median(s.map(x => x.readyMs)).toFixed(1)} | ${median(s.map(x => x.heapMiB)).toFixed(1)} |`)
})
