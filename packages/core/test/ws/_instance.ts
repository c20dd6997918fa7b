// A second casino process for the two-process test: realtime over `redisPubSub` and Redis history,
// no indexer (it only delivers). Prints its port, then serves until killed.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createConsola } from 'consola'
import { createCasinoEvents } from '../../src/events'
import { memoryStore } from '../../src/store/memory'
import { createRealtime } from '../../src/ws/realtime'
import { redisHistory } from '../../src/ws/redis-history'
import { redisPubSub } from '../../../adapters/src/redis/pubsub'
import { redisClient } from './_redis'

const prefix = process.argv[3] ?? 'fare:test:'
const pubsub = redisPubSub({ url: 'redis://127.0.0.1:6379' })
const realtime = createRealtime({
  events: createCasinoEvents(),
  store: memoryStore(),
  pubsub,
  history: redisHistory({ client: redisClient(), prefix }),
  verifyToken: async () => null,
  logger: createConsola({ level: 1 }),
  options: { channel: `${prefix}events` },
})
const server = createServer()
server.on('upgrade', realtime.handleUpgrade)
server.listen(0, '127.0.0.1', async () => {
  await realtime.ready
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`)
})
