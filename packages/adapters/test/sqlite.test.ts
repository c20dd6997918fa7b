import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { testCasinoStore } from '@fare-casino/core/testing'
import { sqliteStore, type SqliteStore } from '@fare-casino/adapters/sqlite'

const dir = mkdtempSync(join(tmpdir(), 'fare-sqlite-contract-'))
let n = 0
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const teardown = async (store: SqliteStore) => {
  const file = store.client.name
  await store.close()
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true })
}

testCasinoStore('sqlite (file)', () => sqliteStore({ file: join(dir, `contract-${++n}.db`), writerThread: false }), { teardown })

// Batches written on the writer thread (the built package's default on more than one core).
testCasinoStore('sqlite (file, writer thread)', () => {
  const store = sqliteStore({ file: join(dir, `contract-${++n}.db`), writerThread: true })
  if (!store.writerThread) throw new Error('no writer thread: run `pnpm build` first')
  return store
}, { teardown })

testCasinoStore('sqlite (:memory:)', () => sqliteStore({ file: ':memory:' }))
