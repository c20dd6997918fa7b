// A small keep-alive HTTP load generator (no dependencies): N connections each send GET requests
// back to back for a fixed time, rotating over a list of paths. Prints one JSON line of results.
// Usage: node bench/api/load.mjs <baseUrl> <durationMs> <connections> <pathsJsonFile>
import { readFileSync } from 'node:fs'
import http from 'node:http'

const [, , baseUrl, durationArg, connectionsArg, pathsFile] = process.argv
const duration = Number(durationArg)
const connections = Number(connectionsArg)
const paths = JSON.parse(readFileSync(pathsFile, 'utf8'))
const { hostname, port } = new URL(baseUrl)
const agent = new http.Agent({ keepAlive: true, maxSockets: connections })

const latencies = []
let errors = 0
let non2xx = 0
let next = 0

function once(path) {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint()
    const req = http.request({ hostname, port, path, agent, method: 'GET' }, (res) => {
      res.on('data', () => {})
      res.on('end', () => {
        latencies.push(Number(process.hrtime.bigint() - start) / 1e6)
        if (res.statusCode < 200 || res.statusCode >= 300) non2xx++
        resolve()
      })
    })
    req.on('error', () => {
      errors++
      resolve()
    })
    req.end()
  })
}

const started = performance.now()
const deadline = started + duration
await Promise.all(Array.from({ length: connections }, async () => {
  while (performance.now() < deadline) await once(paths[next++ % paths.length])
}))
const elapsed = (performance.now() - started) / 1000
agent.destroy()
latencies.sort((a, b) => a - b)
const pct = p => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? null
process.stdout.write(`${JSON.stringify({ requests: latencies.length, rps: latencies.length / elapsed, p50: pct(0.5), p99: pct(0.99), max: latencies.at(-1) ?? null, errors, non2xx })}\n`)
