// Prints the top self-time functions of a .cpuprofile: node bench/store/_top.mjs <file> [n]
import { readFileSync } from 'node:fs'
const prof = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const self = new Map()
const dt = prof.timeDeltas
const byId = new Map(prof.nodes.map(n => [n.id, n]))
const counts = new Map()
prof.samples.forEach((id, i) => counts.set(id, (counts.get(id) ?? 0) + (dt[i] ?? 0)))
let total = 0
for (const [id, us] of counts) {
  const n = byId.get(id)
  const f = n.callFrame
  const key = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`
  self.set(key, (self.get(key) ?? 0) + us)
  total += us
}
const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[3] ?? 30))
for (const [k, us] of top) console.log(`${(us / 1000).toFixed(0).padStart(7)} ms ${(us / total * 100).toFixed(1).padStart(5)}%  ${k}`)
console.log(`total ${(total / 1000).toFixed(0)} ms`)
