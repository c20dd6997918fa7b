// bench/ws: 10,000 clients on one server process (their load in another process), broadcast stepped at
// 1, 2, 5, 10 events/s. The casino's realtime stream and a bare `ws` broadcast run side by side in the same
// run: both servers and both client loads are up at once and each step is measured on one, then the other
// (alternating which goes first), so load from anything else on the machine hits both alike.
// Usage: node bench/ws/run.mjs [--clients 10000] [--seconds 10] [--warmup 2]
// Each process holds `clients` sockets: `ulimit -n` must be above that (e.g. `ulimit -n 20000` first).
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`)
  return at > 0 ? Number(process.argv[at + 1]) : fallback
}
const clients = arg('clients', 10_000)
const seconds = arg('seconds', 10)
const warmup = arg('warmup', 2)
const rates = [1, 2, 5, 10]
const here = path => fileURLToPath(new URL(path, import.meta.url))
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

function child(file, args, execArgv = []) {
  const proc = fork(file, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const waiters = []
  proc.on('message', (message) => {
    const i = waiters.findIndex(w => w.cmd === message.cmd)
    if (i >= 0) waiters.splice(i, 1)[0].resolve(message)
  })
  return { next: cmd => new Promise(resolve => waiters.push({ cmd, resolve })), send: message => proc.send(message) }
}

async function start(mode) {
  const server = child(here('../../scripts/run-ts.mjs'), [here('./server.ts'), mode], ['--expose-gc'])
  const { port } = await server.next('ready')
  const url = mode === 'casino' ? `ws://127.0.0.1:${port}/ws` : `ws://127.0.0.1:${port}/`
  const load = child(here('./clients.mjs'), [url, String(clients), mode], ['--max-old-space-size=4096'])
  const { open } = await load.next('ready')
  await sleep(1000)
  server.send({ cmd: 'memory' })
  const { before, after } = await server.next('memory')
  return { mode, server, load, open, rssPerConn: (after.rss - before.rss) / open, heapPerConn: (after.heap - before.heap) / open, steps: [] }
}

async function step(target, eps) {
  target.server.send({ cmd: 'step', eps, ms: (warmup + seconds) * 1000 })
  await sleep(warmup * 1000)
  target.load.send({ cmd: 'reset' })
  const { sent } = await target.server.next('stepped')
  // Let frames in flight land before counting.
  await sleep(1000)
  target.load.send({ cmd: 'collect' })
  const { received, p50, p99 } = await target.load.next('collected')
  const result = { eps, sentTotal: sent, delivered: Math.round(received / seconds), p50, p99 }
  target.steps.push(result)
  process.stderr.write(`${target.mode} ${eps} ev/s: ${result.delivered} msg/s p50 ${p50} ms p99 ${p99} ms\n`)
}

const casino = await start('casino')
const baseline = await start('baseline')
for (const [i, eps] of rates.entries()) {
  const order = i % 2 === 0 ? [casino, baseline] : [baseline, casino]
  for (const target of order) await step(target, eps)
}
for (const target of [casino, baseline]) {
  target.load.send({ cmd: 'stop' })
  target.server.send({ cmd: 'stop' })
}
const view = ({ mode, open, rssPerConn, heapPerConn, steps }) => ({ mode, open, rssPerConn: Math.round(rssPerConn), heapPerConn: Math.round(heapPerConn), steps })
const ratios = rates.map((eps, i) => ({
  eps,
  delivered: +(casino.steps[i].delivered / baseline.steps[i].delivered).toFixed(3),
  p99: +(casino.steps[i].p99 / baseline.steps[i].p99).toFixed(3),
}))
console.log(JSON.stringify({ clients, seconds, warmup, node: process.version, casino: view(casino), baseline: view(baseline), ratios, memoryRatio: { rss: +(casino.rssPerConn / baseline.rssPerConn).toFixed(3), heap: +(casino.heapPerConn / baseline.heapPerConn).toFixed(3) } }, null, 2))

// The table for bench/RESULTS.md.
const rows = rates.map((eps, i) => {
  const c = casino.steps[i]
  const b = baseline.steps[i]
  return `| ${eps} | ${eps * clients} | ${c.delivered} | ${b.delivered} | ${(c.delivered / b.delivered * 100).toFixed(0)}% | ${c.p50} / ${c.p99} | ${b.p50} / ${b.p99} | ${(c.p99 / b.p99).toFixed(2)}× |`
})
process.stderr.write([
  '',
  '| events/s | frames/s sent | casino delivered/s | bare ws delivered/s | ratio | casino p50 / p99 ms | bare p50 / p99 ms | p99 ratio |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows,
  '',
  `memory per connection: casino ${Math.round(casino.heapPerConn)} B heap / ${Math.round(casino.rssPerConn)} B RSS; bare ws ${Math.round(baseline.heapPerConn)} B heap / ${Math.round(baseline.rssPerConn)} B RSS (${(casino.heapPerConn / baseline.heapPerConn).toFixed(2)}× heap, ${(casino.rssPerConn / baseline.rssPerConn).toFixed(2)}× RSS)`,
  '',
].join('\n'))
