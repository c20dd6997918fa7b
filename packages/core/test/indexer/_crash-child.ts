// The process the crash tests kill: an indexer on a SQLite file, fed by a localnet.
// argv: <sqlite file> <rpcUrl> <wsUrl> <owner wallet> <genesis signature> <published log>
// Every bet.placed / bet.settled it publishes is appended to the log (`placed <id>` / `settled <id>`)
// before the next line of the indexer runs, so that a SIGKILL loses none of them.
// FARE_TEST_CRASH_AFTER_COMMIT=N: the process kills itself with SIGKILL as the N-th commit that
// applied events resolves, before the indexer can publish it (the window the published mark covers).
import { appendFileSync } from 'node:fs'
import { sqliteStore } from '@fare-casino/adapters/sqlite'
import { createCasinoEvents } from '../../src/events'
import { createIndexer } from '../../src/indexer/indexer'
import type { BatchResult, CasinoStore } from '../../src/store/types'

const [file, rpcUrl, wsUrl, ownerWallet, genesis, log] = process.argv.slice(3)
const base = sqliteStore({ file: file! })
await base.migrate()

const crashAfter = Number(process.env.FARE_TEST_CRASH_AFTER_COMMIT ?? 0)
let commits = 0
const maybeCrash = (result: BatchResult): BatchResult => {
  if (crashAfter > 0 && result.applied > 0 && ++commits === crashAfter) process.kill(process.pid, 'SIGKILL')
  return result
}
const store: CasinoStore = crashAfter === 0
  ? base
  : new Proxy(base, {
    get(target, key, receiver) {
      if (key === 'applyBatch') return (batch: Parameters<CasinoStore['applyBatch']>[0]) => target.applyBatch(batch).then(maybeCrash)
      if (key === 'applyPackedBatch' && target.applyPackedBatch) {
        return (batch: Parameters<NonNullable<CasinoStore['applyPackedBatch']>>[0]) => target.applyPackedBatch!(batch).then(maybeCrash)
      }
      return Reflect.get(target, key, receiver)
    },
  })

const events = createCasinoEvents()
events.on('bet.placed', bet => appendFileSync(log!, `placed ${bet.id}\n`))
events.on('bet.settled', bet => appendFileSync(log!, `settled ${bet.id}\n`))
events.on('player.joined', player => appendFileSync(log!, `joined ${player.wallet}\n`))
const indexer = createIndexer({
  store,
  events,
  logger: { debug() {}, info() {}, warn() {}, error: (...args: unknown[]) => console.error(...args) },
  config: {
    rpcUrl: rpcUrl!, wsUrl, ownerWallet: ownerWallet!, start: { signature: genesis! },
    pollInterval: 50, concurrency: 32, rpcRateLimit: 100_000, timeout: 1000, retryDelay: 5, slowRetryDelay: 50,
    maxBatchTransactions: 50,
  },
})
await indexer.start()
setInterval(() => process.stdout.write(`${JSON.stringify({ transactions: indexer.status().transactions, last: indexer.status().lastSignature })}\n`), 100)
