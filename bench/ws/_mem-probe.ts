// Heap per connection of: a bare ws server, crossws with empty hooks, the casino realtime, each measured with
// its clients in the same process (so compare the three figures, the client half is the same in each).
// Usage: node --expose-gc scripts/run-ts.mjs bench/ws/_mem-probe.ts
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import WebSocket, { WebSocketServer } from 'ws'
import { createCasinoEvents } from '../../packages/core/src/events'
import { createLogger } from '../../packages/core/src/logger'
import { memoryStore } from '../../packages/core/src/store/memory'
import { createRealtime } from '../../packages/core/src/ws/realtime'

const gc = (globalThis as { gc?: () => void }).gc!
const heap = () => { gc(); gc(); return process.memoryUsage().heapUsed }
const N = 2000
async function probe(name: string, start: () => Promise<{ url: string, close: () => void }>, subscribe: boolean) {
  const { url, close } = await start()
  const clients: WebSocket[] = []
  const before = heap()
  for (let i = 0; i < N; i++) {
    const ws = new WebSocket(url, { perMessageDeflate: false })
    await new Promise(r => ws.once('open', r))
    if (subscribe) { ws.send('{"type":"subscribe","channels":["bets"]}'); await new Promise(r => ws.once('message', r)) }
    clients.push(ws)
  }
  await new Promise(r => setTimeout(r, 500))
  const after = heap()
  console.log(name, Math.round((after - before) / N), 'bytes/conn (server + client)')
  for (const ws of clients) ws.terminate()
  close()
  await new Promise(r => setTimeout(r, 500))
}
await probe('bare ws', async () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false })
  await new Promise(r => wss.once('listening', r))
  wss.on('connection', ws => ws.on('message', () => {}))
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, close: () => wss.close() }
}, false)
await probe('crossws empty', async () => {
  // crossws is a dependency of core, not of the bench: load it from there.
  const adapterPath: string = '../../packages/core/node_modules/crossws/dist/adapters/node.mjs'
  type Upgrade = (req: import('node:http').IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => Promise<void>
  const nodeAdapter = (await import(adapterPath)).default as (options: object) => { handleUpgrade: Upgrade }
  const ws = nodeAdapter({ hooks: {}, idleTimeout: 0, serverOptions: { perMessageDeflate: false, clientTracking: false } })
  const server = createServer(); server.on('upgrade', (req, s, h) => ws.handleUpgrade(req, s, h))
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r))
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`, close: () => server.close() }
}, false)
await probe('casino', async () => {
  const rt = createRealtime({ events: createCasinoEvents(), store: memoryStore(), verifyToken: async () => null, logger: createLogger().create({ level: 1 }), options: { maxConnectionsPerIp: 1e6 } })
  const server = createServer(); server.on('upgrade', rt.handleUpgrade)
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r))
  await rt.ready
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`, close: () => { void rt.close(); server.close() } }
}, true)
await probe('casino, not subscribed', async () => {
  const rt = createRealtime({ events: createCasinoEvents(), store: memoryStore(), verifyToken: async () => null, logger: createLogger().create({ level: 1 }), options: { maxConnectionsPerIp: 1e6 } })
  const server = createServer(); server.on('upgrade', rt.handleUpgrade)
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r))
  await rt.ready
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`, close: () => { void rt.close(); server.close() } }
}, false)
process.exit(0)
