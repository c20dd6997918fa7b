// The process the crash test kills: an indexer on a SQLite file, fed by a localnet.
// argv: <sqlite file> <rpcUrl> <wsUrl> <owner wallet> <genesis signature>
import { sqliteStore } from '@fare-casino/adapters/sqlite'
import { createCasinoEvents } from '../../src/events'
import { createIndexer } from '../../src/indexer/indexer'

const [file, rpcUrl, wsUrl, ownerWallet, genesis] = process.argv.slice(3)
const store = sqliteStore({ file: file! })
await store.migrate()
const indexer = createIndexer({
  store,
  events: createCasinoEvents(),
  logger: { debug() {}, info() {}, warn() {}, error: (...args: unknown[]) => console.error(...args) },
  config: {
    rpcUrl: rpcUrl!, wsUrl, ownerWallet: ownerWallet!, start: { signature: genesis! },
    pollInterval: 50, concurrency: 32, rpcRateLimit: 100_000, timeout: 1000, retryDelay: 5, slowRetryDelay: 50,
    maxBatchTransactions: 50,
  },
})
await indexer.start()
setInterval(() => process.stdout.write(`${JSON.stringify({ transactions: indexer.status().transactions, last: indexer.status().lastSignature })}\n`), 100)
