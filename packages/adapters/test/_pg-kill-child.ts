// A plain Node process (no handler for uncaught exceptions: one ends it) that applies batches to a
// Postgres store, two pipelined at a time, while another connection kills the store's backends; then,
// with the killing over, applies batches until one is written. Prints a JSON summary; exit code 0.
// Usage: run-ts.mjs _pg-kill-child.ts <postgres url> <rounds>
import { makeBatch, makeRegister, makeResolve } from '@fare-casino/core/testing'
import { postgresStore } from '@fare-casino/adapters/postgres'
import postgres from 'postgres'

const [url, rounds] = [process.argv[3]!, Number(process.argv[4] ?? 30)]
const app = `fare_kill_${Math.random().toString(36).slice(2, 8)}`
const admin = postgres(url, { max: 1, onnotice: () => {} })
// The store's own client (as a casino opens it): its connections are the ones whose last query named
// this schema (other tests' stores share the database and the application name).
const store = postgresStore({ url, max: 4, schema: app })
const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<'late'>(resolve => setTimeout(resolve, ms, 'late'))])
try {
  await store.migrate()
  let written = 0
  let refused = 0
  for (let i = 0; i < rounds; i++) {
    const registers = Array.from({ length: 40 }, () => makeRegister({ slot: 10 + i }))
    const settled = [
      store.applyBatch(makeBatch(registers)).then(() => written++, () => refused++),
      store.applyBatch(makeBatch(registers.map(r => makeResolve(r, { slot: 10 + i })))).then(() => written++, () => refused++),
    ]
    await new Promise(resolve => setTimeout(resolve, Math.random() * 8))
    await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'fare-casino' AND query LIKE ${`%${app}%`} AND pid <> pg_backend_pid()`
    // A batch may wait out postgres.js's reconnect backoff, which grows with every connection killed.
    await within(Promise.all(settled), 8_000)
  }
  let recovered = false
  for (let i = 0; i < 5 && !recovered; i++) {
    recovered = await within(store.applyBatch(makeBatch([makeRegister({ slot: 5_000 + i })])).then(() => true, () => false), 15_000) === true
  }
  console.log(JSON.stringify({ written, refused, recovered }))
}
finally {
  // Each step bounded: the summary above is what the test reads, and a slow cleanup under load must not
  // outlast the test's timeout (the process ends here whatever is still open).
  await within(store.close(), 5_000)
  await within(admin`DROP SCHEMA IF EXISTS ${admin(app)} CASCADE`.then(() => undefined), 10_000)
  await within(admin.end(), 2_000)
  process.exit(0)
}
