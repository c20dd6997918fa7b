// bench/ws: 10,000 clients on one server process (the load in a second process), broadcast stepped at
// 1, 2, 5, 10 events/s; the casino's realtime stream and a bare `ws` broadcast measured in the same run.
// Usage: node --expose-gc bench/ws/run.mjs [--clients 10000] [--seconds 10] [--warmup 2]
// Needs `ulimit -n` above the client count in each process (raise it in the shell: ulimit -n 20000).
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

function child(file, args, execArgv = []) {
  const proc = fork(file, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const waiters = []
  proc.on('message', (message) => {
    const i = waiters.findIndex(w => w.cmd === message.cmd)
    if (i >= 0) waiters.splice(i, 1)[0].resolve(message)
  })
  return {
    proc,
    next: cmd => new Promise(resolve => waiters.push({ cmd, resolve })),
    send: message => proc.send(message),
  }
}

async function measure(mode) {
  const server = child(here('./_run-ts.mjs'), [here('./server.ts'), mode], ['--expose-gc'])
  const { port } = await server.next('ready')
  const url = mode === 'casino' ? `ws://127.0.0.1:${port}/ws` : `ws://127.0.0.1:${port}/`
  const load = child(here('./clients.mjs'), [url, String(clients), mode], ['--max-old-space-size=4096'])
  const started = Date.now()
  const { open } = await load.next('ready')
  const connectMs = Date.now() - started
  server.send({ cmd: 'memory' })
  const { before, after } = await server.next('memory')
  const steps = []
  for (const eps of rates) {
    server.send({ cmd: 'step', eps, ms: (warmup + seconds) * 1000 })
    await new Promise(resolve => setTimeout(resolve, warmup * 1000))
    load.send({ cmd: 'reset' })
    await server.next('stepped')
    // Let in-flight frames land before counting.
    await new Promise(resolve => setTimeout(resolve, 500))
    load.send({ cmd: 'collect' })
    const { received, p50, p99 } = await load.next('collected')
    steps.push({ eps, expected: eps * clients, delivered: received / (seconds + 0.5) * 1, received, p50, p99 })
    process.stderr.write(`${mode} ${eps} ev/s: ${Math.round(received / seconds)} msg/s p50 ${p50?.toFixed(1)} ms p99 ${p99?.toFixed(1)} ms\n`)
  }
  load.send({ cmd: 'stop' })
  server.send({ cmd: 'stop' })
  return {
    mode,
    open,
    connectMs,
    rssPerConn: (after.rss - before.rss) / open,
    heapPerConn: (after.heap - before.heap) / open,
    steps: steps.map(s => ({ ...s, delivered: s.received / seconds })),
  }
}

const casino = await measure('casino')
const baseline = await measure('baseline')
console.log(JSON.stringify({ clients, seconds, warmup, node: process.version, casino, baseline }, null, 2))
