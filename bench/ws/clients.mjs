// The client load of bench/ws: N real `ws` clients in one process, counting frames and measuring latency
// from the send time the server wrote into each event (same machine, same clock).
import WebSocket from 'ws'

const [url, countArg, mode] = process.argv.slice(2)
const count = Number(countArg)
const samples = new Float64Array(4_000_000)
let n = 0
let received = 0
const marker = Buffer.from('"extraDataHash":"')
const quote = 0x22

// Reads the send time straight from the bytes: decoding and parsing 10,000 copies of every frame would make
// this process, not the server, the bottleneck.
function onMessage(data) {
  const at = data.indexOf(marker)
  if (at < 0) return
  received++
  const start = at + marker.length
  const sentAt = Number(data.toString('latin1', start, data.indexOf(quote, start)))
  if (n < samples.length) samples[n++] = Date.now() - sentAt
}

function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true })
    ws.on('error', reject)
    ws.on('open', () => {
      // Both servers get the same client traffic: the baseline ignores the subscribe frame.
      ws.send(JSON.stringify({ type: 'subscribe', channels: ['bets'] }))
      if (mode !== 'casino') resolve(ws)
    })
    ws.on('message', (data) => {
      if (mode === 'casino' && data.toString('latin1', 0, 20) === '{"type":"subscribed"') resolve(ws)
      else onMessage(data)
    })
  })
}

const sockets = []
for (let i = 0; i < count; i += 250) {
  const batch = await Promise.all(Array.from({ length: Math.min(250, count - i) }, open))
  sockets.push(...batch)
}

const percentile = (sorted, p) => sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]

process.on('message', (message) => {
  if (message.cmd === 'reset') {
    n = 0
    received = 0
  }
  if (message.cmd === 'collect') {
    const sorted = samples.slice(0, n).sort()
    process.send({ cmd: 'collected', received, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) })
  }
  if (message.cmd === 'stop') {
    for (const ws of sockets) ws.terminate()
    process.exit(0)
  }
})
process.send({ cmd: 'ready', open: sockets.length })
