// The server side of bench/ws: either the casino's realtime stream (crossws hooks + fan-out) or a bare
// `ws` broadcast, fed the same event frames. Driven by the parent over IPC; see run.mjs.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'
import { createCasinoEvents } from '../../packages/core/src/events'
import { createLogger } from '../../packages/core/src/logger'
import { memoryStore } from '../../packages/core/src/store/memory'
import type { Bet } from '../../packages/core/src/store/types'
import { createRealtime } from '../../packages/core/src/ws/realtime'
import { toEventFrame, toEventHead } from '../../packages/core/src/ws/serialize-event'

const mode = process.argv[3] as 'casino' | 'baseline'
const send = (message: object) => process.send!(message)
const gc = (globalThis as { gc?: () => void }).gc
const memory = () => {
  gc?.()
  gc?.()
  const { rss, heapUsed } = process.memoryUsage()
  return { rss, heap: heapUsed }
}

let seq = 0
/** A realistic bet (wager above 2^53); `extraDataHash` carries the send time (ms, the wall clock both processes share) for latency. */
const makeBet = (): Bet => ({
  id: `Trial${String(++seq).padStart(10, '0')}xxxxxxxxxxxxxxxxxxxxxxxx`,
  seq,
  player: '9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin',
  pool: 'PooL1111111111111111111111111111111111111111',
  mint: 'So11111111111111111111111111111111111111112',
  game: 'coinflip',
  extraDataHash: String(Date.now()),
  wager: 2n ** 60n + BigInt(seq),
  qk: [[0.5, 1.98], [0.5, 0]],
  fees: [{ type: 0, amount: 2n ** 52n }, { type: 1, amount: 2n ** 52n }, { type: 2, amount: 2n ** 50n }],
  poolAccumulatedAmount: 2n ** 61n,
  resultIndex: null,
  payout: null,
  multiplier: null,
  won: null,
  status: 'pending',
  registerSignature: '5'.repeat(88),
  registerSlot: 300_000_000 + seq,
  blockTime: 1_760_000_000,
  resolveSignature: null,
  resolveSlot: null,
  settledBlockTime: null,
})

const before = memory()
let emit: () => void
let port: number

if (mode === 'casino') {
  const events = createCasinoEvents()
  const realtime = createRealtime({
    events,
    store: memoryStore(),
    verifyToken: async () => null,
    logger: createLogger().create({ level: 1 }),
    options: { maxConnectionsPerIp: 1_000_000 },
  })
  const server = createServer()
  server.on('upgrade', realtime.handleUpgrade)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', 4096, resolve))
  await realtime.ready
  port = (server.address() as AddressInfo).port
  emit = () => events.emit('bet.placed', makeBet())
}
else {
  // The bare baseline: serialise once, send the string to every client.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, backlog: 4096, perMessageDeflate: false })
  await new Promise(resolve => wss.once('listening', resolve))
  port = (wss.address() as AddressInfo).port
  let offset = 0
  wss.on('connection', ws => ws.on('message', () => {}))
  emit = () => {
    const frame = toEventFrame(toEventHead('bet.placed', makeBet(), Date.now()), ++offset)
    for (const client of wss.clients) client.send(frame)
  }
}

process.on('message', async (message: { cmd: string, eps?: number, ms?: number }) => {
  if (message.cmd === 'memory') send({ cmd: 'memory', before, after: memory() })
  if (message.cmd === 'step') {
    let sent = 0
    const timer = setInterval(() => {
      emit()
      sent++
    }, 1000 / message.eps!)
    setTimeout(() => {
      clearInterval(timer)
      send({ cmd: 'stepped', sent })
    }, message.ms!)
  }
  if (message.cmd === 'stop') process.exit(0)
})
send({ cmd: 'ready', port })
