// A script that uses a SQLite store with a writer thread and never closes it: it must not end before its
// batch is written, and must end on its own once idle. Usage: run-ts.mjs _writer-child.ts <file>
import { makeBatch, makeRegister } from '@fare-casino/core/testing'
import { sqliteStore } from '@fare-casino/adapters/sqlite'

const store = sqliteStore({ file: process.argv[3]!, writerThread: true })
await store.migrate()
const result = await store.applyBatch(makeBatch([makeRegister()]))
console.log(`written ${result.placed.length} on its thread: ${store.writerThread}`)
