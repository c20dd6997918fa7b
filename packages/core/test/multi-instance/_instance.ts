// One casino instance of the failover test, in its own process: createCasino on a shared store with a
// leader, indexing a localnet only while it leads. argv[3] is the JSON of an InstanceSpec. It prints one
// JSON line per status change (and a heartbeat), and serves until killed.
import { postgresLeader, postgresStore } from '@fare-casino/adapters/postgres'
import { redisLeader, redisStore } from '@fare-casino/adapters/redis'
import { createConsola } from 'consola'
import { createCasino } from '../../src/casino'
import type { InstanceSpec } from './_spec'

const spec = JSON.parse(process.argv[3]!) as InstanceSpec
const store = spec.backend === 'postgres'
  ? postgresStore({ url: spec.url, schema: spec.namespace, max: 4 })
  : redisStore({ url: spec.url, prefix: `${spec.namespace}:` })
const leader = spec.backend === 'postgres'
  ? postgresLeader({ url: spec.url, schema: spec.namespace, name: `${spec.namespace}:indexer`, checkEveryMs: 500 })
  : redisLeader({ url: spec.url, key: `${spec.namespace}:leader`, ttlMs: 3000 })

const casino = createCasino({
  name: `Instance ${spec.id}`,
  ownerWallet: spec.owner,
  network: 'localnet',
  rpcUrl: spec.rpcUrl,
  wsUrl: spec.wsUrl,
  programId: spec.programId,
  store,
  leader,
  auth: { jwtSecret: 'multi-instance-secret-of-at-least-32-bytes' },
  games: spec.games,
  realtime: false,
  indexer: { start: { signature: spec.genesis }, pollInterval: 100, concurrency: 16, rpcRateLimit: 100_000, timeout: 2000, retryDelay: 10, slowRetryDelay: 100, maxBatchTransactions: 50 },
  logger: createConsola({ level: 1 }),
})
await casino.ready

let last = ''
const report = (force: boolean) => {
  const s = casino.indexer!.status()
  const line = JSON.stringify({ id: spec.id, pid: process.pid, role: s.role, fencingToken: s.fencingToken, transactions: s.detail?.transactions ?? 0, at: Date.now() })
  const key = `${s.role}:${s.fencingToken}`
  if (force || key !== last) process.stdout.write(`${line}\n`)
  last = key
}
report(true)
setInterval(() => report(false), 20)
setInterval(() => report(true), 200)
