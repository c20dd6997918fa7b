import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import BetterSqlite3 from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { memoryStore, packTransactions } from '@fare-casino/core'
import type { ChainEvent, PackedPart } from '@fare-casino/core/store'
import { generateWorkload, makeBatch, makeRegister, makeResolve, randomWallet, snapshotStore } from '@fare-casino/core/testing'
import { bulkLoad, migrate, sqliteMigrationsFolder, sqliteStore, type SqliteStore, warmLeaderboards } from '@fare-casino/adapters/sqlite'
import { allTimeLeaderboardSql, betPageQuery, betPageSql, windowLeaderboardSql } from '../src/sqlite/queries'
import { materializedWindowSql } from '../src/sqlite/windows'

const dir = mkdtempSync(join(tmpdir(), 'fare-sqlite-file-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const open: SqliteStore[] = []
const newFile = () => join(dir, `store-${++n}.db`)
async function openStore(file: string): Promise<SqliteStore> {
  const store = sqliteStore({ file })
  open.push(store)
  await store.migrate()
  return store
}
afterEach(async () => {
  for (const store of open.splice(0)) await store.close()
})

describe('sqliteStore on a file', () => {
  it('keeps everything across close and reopen', async () => {
    const file = newFile()
    const w = generateWorkload({ seed: 5, bets: 80 })
    const first = await openStore(file)
    for (const batch of w.batches) await first.applyBatch(batch)
    await first.setUsername(w.wallets[0]!, 'persistent')
    await first.addChatMessage({ wallet: w.wallets[0]!, message: 'still here', createdAt: 1 })
    expect(await first.useNonce('n-1', Date.now() + 60_000)).toBe(true)
    const before = await snapshotStore(first, { wallets: w.wallets, now: w.now })
    await first.close()

    const second = await openStore(file)
    expect(await snapshotStore(second, { wallets: w.wallets, now: w.now })).toEqual(before)
    expect(await second.getPlayerByUsername('PERSISTENT')).toMatchObject({ wallet: w.wallets[0] })
    expect((await second.listChat({ limit: 5 })).map(m => m.message)).toEqual(['still here'])
    expect(await second.useNonce('n-1', Date.now() + 60_000)).toBe(false)
    // Replaying what was applied before the restart changes nothing.
    for (const batch of w.batches) expect((await second.applyBatch(batch)).applied).toBe(0)
  })

  it('treats a second migrate as a no-op, from the same or another connection', async () => {
    const file = newFile()
    const store = await openStore(file)
    await store.applyBatch(makeBatch([makeRegister()]))
    const applied = () => store.client.prepare('SELECT count(*) FROM __drizzle_migrations').pluck().get()
    const once = applied()
    expect(once).toBe(readdirSync(sqliteMigrationsFolder).filter(f => f.endsWith('.sql')).length)
    await store.migrate()
    const other = await openStore(file)
    await other.migrate()
    expect(applied()).toBe(once)
    expect((await other.stats(0)).pendingBets).toBe(1)
  })

  it('lets two stores on one file (WAL) see each other\'s writes and share the seq', async () => {
    const file = newFile()
    const a = await openStore(file)
    const b = await openStore(file)
    expect(a.client.pragma('journal_mode', { simple: true })).toBe('wal')
    const reg = makeRegister({ wager: 2n ** 56n })
    await a.applyBatch(makeBatch([reg]))
    expect(await b.getBet(reg.trialId)).toMatchObject({ status: 'pending', wager: 2n ** 56n, seq: 1 })
    await b.applyBatch(makeBatch([makeResolve(reg)]))
    expect(await a.getBet(reg.trialId)).toMatchObject({ status: 'settled' })
    // Interleaved writers never hand out the same seq, and an event applied by one is a duplicate for the other.
    const regs = Array.from({ length: 20 }, () => makeRegister())
    await Promise.all(regs.map((r, i) => (i % 2 ? a : b).applyBatch(makeBatch([r]))))
    const seqs = (await a.listBets({ limit: 100 })).bets.map(x => x.seq)
    expect(seqs).toEqual(Array.from({ length: 21 }, (_, i) => 21 - i))
    expect(await b.applyBatch(makeBatch([regs[0]!]))).toMatchObject({ applied: 0, duplicates: 1 })
    // A nonce used through one store is used for the other.
    expect(await a.useNonce('shared', Date.now() + 60_000)).toBe(true)
    expect(await b.useNonce('shared', Date.now() + 60_000)).toBe(false)
    expect(await b.stats(0)).toMatchObject({ totalBets: 1, pendingBets: 20, totalPlayers: 21 })
  })

  it('refuses a batch that would take a total past 2^63 - 1 and keeps the state before it', async () => {
    const store = await openStore(newFile())
    const player = randomWallet()
    const first = makeRegister({ player, wager: 2n ** 62n })
    await store.applyBatch(makeBatch([first, makeResolve(first, { resultIndex: 1 })]))
    const before = await snapshotStore(store, { wallets: [player], now: 1_700_000_000_000 })
    const second = makeRegister({ player, wager: 2n ** 62n })
    await expect(store.applyBatch(makeBatch([second, makeResolve(second, { resultIndex: 1 })]))).rejects.toThrow(/CHECK constraint/)
    expect(await snapshotStore(store, { wallets: [player], now: 1_700_000_000_000 })).toEqual(before)
    // A single amount that does not fit in 64 bits is refused by the driver.
    await expect(store.applyBatch(makeBatch([makeRegister({ wager: 2n ** 63n })]))).rejects.toThrow()
    expect((await store.stats(0)).pendingBets).toBe(0)
  })

  it('adopts an open connection, migrates through drizzle, and leaves the connection open on close', async () => {
    const client = new BetterSqlite3(newFile())
    migrate(drizzle({ client }))
    const store = sqliteStore({ client })
    await store.migrate()
    await store.applyBatch(makeBatch([makeRegister()]))
    await store.close()
    expect(client.prepare('SELECT count(*) FROM bets').pluck().get()).toBe(1)
    await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_ERROR' })
    client.close()
  })

  it('answers leaderboards from indexes without sorting, and bet pages from a seq index', async () => {
    const store = await openStore(newFile())
    const plan = (sql: string, ...args: unknown[]) =>
      (store.client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map(r => r.detail).join(' | ')
    for (const by of ['wagered', 'profit', 'wins', 'bets'] as const) {
      const detail = plan(allTimeLeaderboardSql(by), 10)
      expect(detail).toContain(`players_rank_${by}_idx`)
      expect(detail).not.toContain('TEMP B-TREE')
      expect(plan(windowLeaderboardSql(by), 1, 2, 10)).toContain('COVERING INDEX player_hourly_window_idx')
      const materialized = plan(materializedWindowSql(by), 24, 10)
      expect(materialized).toContain(`player_windows_rank_${by}_idx`)
      expect(materialized).not.toContain('TEMP B-TREE')
    }
    expect(plan(betPageSql(['seq < ?', 'player = ?']), 10, 'x', 11)).toContain('bets_player_seq_idx')
    // No statistics here (no writer thread ran ANALYZE): for player + game SQLite picked the game's index,
    // every bet of the game read to find the player's. The lister names the player's index.
    expect(store.client.prepare(`SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'`).all()).toEqual([])
    for (const filters of [{ game: 'coinflip' }, { game: 'coinflip', status: 'pending' as const }, { won: true }]) {
      const { source, args } = betPageQuery({ player: randomWallet(), ...filters, limit: 10 })
      expect(plan(source, ...args, 11), JSON.stringify(filters)).toContain('bets_player_seq_idx')
    }
    expect(plan(betPageSql(['seq < ?', 'game = ?']), 10, 'x', 11)).toContain('bets_game_seq_idx')
    expect(plan(betPageSql(['seq < ?', `status = 'pending'`]), 10, 11)).toContain('bets_pending_seq_idx')
    expect(plan('SELECT * FROM bets WHERE substr(register_signature, 1, 16) = substr(?, 1, 16) AND register_signature = ?', 'x', 'x')).toContain('bets_register_signature_prefix_idx')
    expect(plan('SELECT * FROM bets WHERE substr(resolve_signature, 1, 16) = substr(?, 1, 16) AND resolve_signature = ?', 'x', 'x')).toContain('bets_resolve_signature_prefix_idx')
    expect(plan(betPageSql(['seq < ?']), 10, 11)).not.toContain('TEMP B-TREE')
  })

  it('bulk-loads to the same state as batch by batch, with every index back afterwards', async () => {
    const w = generateWorkload({ seed: 21, bets: 300, batchSize: 40 })
    const indexes = (store: SqliteStore) => store.client.prepare("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name").pluck().all()
    const plain = await openStore(newFile())
    for (const batch of w.batches) await plain.applyBatch(batch)
    const bulk = await openStore(newFile())
    const before = indexes(bulk)
    const applied = await bulkLoad(bulk, async () => {
      expect(indexes(bulk).length).toBeLessThan(before.length)
      let n = 0
      for (const batch of w.batches) n += (await bulk.applyBatch(batch)).applied
      return n
    })
    expect(applied).toBe(w.events.length)
    expect(indexes(bulk)).toEqual(before)
    expect(bulk.client.pragma('synchronous', { simple: true })).toBe(1)
    expect(await snapshotStore(bulk, { wallets: w.wallets, now: w.now })).toEqual(await snapshotStore(plain, { wallets: w.wallets, now: w.now }))
    // Windows built afterwards agree with the plain store's.
    await warmLeaderboards(bulk, w.now)
    expect(bulk.client.prepare('SELECT count(*) FROM leaderboard_windows').pluck().get()).toBe(3)
    for (const period of ['24h', '7d', '30d'] as const) {
      expect(await bulk.leaderboard({ by: 'profit', period, limit: 20, now: w.now })).toEqual(await plain.leaderboard({ by: 'profit', period, limit: 20, now: w.now }))
    }
    // A load that throws still puts the indexes back.
    await expect(bulkLoad(bulk, () => { throw new Error('boom') })).rejects.toThrow('boom')
    expect(indexes(bulk)).toEqual(before)
  })
})

describe('sqliteStore writer thread', () => {
  const reference = async (batches: ReturnType<typeof generateWorkload>['batches']) => {
    const store = memoryStore()
    for (const batch of batches) await store.applyBatch(batch)
    return store
  }

  it('writes on its thread, reads on the store connection, and bulk loads through both', async () => {
    const store = sqliteStore({ file: newFile(), writerThread: true })
    open.push(store)
    await store.migrate()
    expect(store.writerThread).toBe(true)
    // The indexer's default commit size: bigger on the thread, where it does not hold the event loop.
    expect(store.preferredBatchTransactions).toBe(8000)
    expect(store.preferredGroupWaitMs).toBe(5)
    const w = generateWorkload({ seed: 31, bets: 300 })
    await bulkLoad(store, async () => {
      for (const batch of w.batches) await store.applyBatch(batch)
    })
    // The writer's connection got the bulk load's pragmas and is back to the defaults.
    expect(await snapshotStore(store, { wallets: w.wallets, now: w.now })).toEqual(await snapshotStore(await reference(w.batches), { wallets: w.wallets, now: w.now }))
    expect(store.client.pragma('synchronous', { simple: true })).toBe(1)
  })

  it('takes batches of packed events, on its thread and without one: the same results and state as applyBatch', async () => {
    const w = generateWorkload({ seed: 35, bets: 200, batchSize: 30 })
    const plain = sqliteStore({ file: newFile(), writerThread: false })
    const threaded = sqliteStore({ file: newFile(), writerThread: true })
    const unthreaded = sqliteStore({ file: newFile(), writerThread: false })
    open.push(plain, threaded, unthreaded)
    for (const store of [plain, threaded, unthreaded]) await store.migrate()
    expect(threaded.writerThread).toBe(true)
    for (const [n, batch] of w.batches.entries()) {
      // One list per transaction (events of one signature), packed three transactions a block, every
      // other block left as objects, as the indexer mixes what its decode thread and main thread decoded.
      const perTransaction: ChainEvent[][] = []
      for (const event of batch.events) {
        const last = perTransaction.at(-1)
        if (last && last[0]!.signature === event.signature) last.push(event)
        else perTransaction.push([event])
      }
      const parts: PackedPart[] = []
      for (let i = 0; i < perTransaction.length; i += 3) {
        const block = perTransaction.slice(i, i + 3)
        parts.push((n + i / 3) % 2 === 0 ? { bytes: packTransactions(block), from: 0, to: block.length } : { events: block.flat() })
      }
      const packed = { ...batch, events: { parts } }
      const expected = await plain.applyBatch(batch)
      expect(await threaded.applyPackedBatch!(packed)).toEqual(expected)
      expect(await unthreaded.applyPackedBatch!(packed)).toEqual(expected)
    }
    const snapshot = await snapshotStore(plain, { wallets: w.wallets, now: w.now })
    expect(await snapshotStore(threaded, { wallets: w.wallets, now: w.now })).toEqual(snapshot)
    expect(await snapshotStore(unthreaded, { wallets: w.wallets, now: w.now })).toEqual(snapshot)
  })

  it('keeps a script alive while its batch waits on the writer thread, and lets it end once idle', async () => {
    const runner = fileURLToPath(new URL('../../../scripts/run-ts.mjs', import.meta.url))
    const child = fileURLToPath(new URL('./_writer-child.ts', import.meta.url))
    const file = newFile()
    const { code, stdout } = await new Promise<{ code: number | null, stdout: string }>((resolve) => {
      const p = execFile(process.execPath, [runner, child, file], { timeout: 30_000 }, (_error, out) => resolve({ code: p.exitCode, stdout: out }))
    })
    expect(stdout.trim()).toBe('written 1 on its thread: true')
    expect(code).toBe(0)
    const reader = await openStore(file)
    expect((await reader.stats(Date.now())).pendingBets).toBe(1)
  })

  it('a read of several statements sees one commit, while the writer thread commits beside it', async () => {
    const store = sqliteStore({ file: newFile(), writerThread: true })
    open.push(store)
    await store.migrate()
    expect(store.writerThread).toBe(true)
    const now = Date.now()
    const player = randomWallet()
    // One settled bet per commit, alternating two games, all within the last 24 hours.
    const batchFor = (i: number) => {
      const register = makeRegister({ player, game: i % 2 ? 'dice' : 'coinflip', blockTime: Math.floor(now / 1000) - 60, slot: 1000 + i })
      return makeBatch([register, makeResolve(register)], { now })
    }
    // Both sides go on until 300 reads were made and 150 commits landed: however fast either side is (the
    // thread's first commit waits for it to start), the reads overlap commits.
    let reads = 0
    let committed = 0
    const going = () => reads < 300 || committed < 150
    const writes = (async () => {
      let sent = 0
      const inFlight = new Set<Promise<unknown>>()
      while (going()) {
        const write: Promise<unknown> = store.applyBatch(batchFor(sent++)).finally(() => {
          committed++
          inFlight.delete(write)
        })
        inFlight.add(write)
        // Up to 8 in flight on the thread.
        if (inFlight.size >= 8) await Promise.race(inFlight)
      }
      await Promise.all(inFlight)
      return sent
    })()
    const torn: string[] = []
    for (; going(); reads++) {
      const stats = await store.stats(now)
      if (stats.totalBets !== stats.last24h.bets) torn.push(`stats ${stats.totalBets} / ${stats.last24h.bets}`)
      const p = await store.getPlayer(player)
      const perGame = Object.values(p?.games ?? {}).reduce((sum, g) => sum + g.bets, 0)
      if (p && p.totalBets !== perGame) torn.push(`player ${p.totalBets} / ${perGame}`)
      const history = await store.playerBetHistory(player, { limit: 1000, offset: 0 })
      if (history.bets.length !== history.total) torn.push(`history ${history.bets.length} / ${history.total}`)
      await new Promise(resolve => setImmediate(resolve))
    }
    const sent = await writes
    // Without one snapshot per read, dozens of these reads came out torn.
    expect(torn).toEqual([])
    expect((await store.stats(now)).totalBets).toBe(sent)
  })

  it('answers reads and sign-in writes on a closed store with STORE_ERROR', async () => {
    const store = sqliteStore({ file: newFile(), writerThread: false })
    await store.migrate()
    await store.close()
    for (const read of [
      () => store.stats(Date.now()), () => store.getPlayer('x'), () => store.getPlayerByUsername('x'), () => store.playerBetHistory('x', { limit: 1, offset: 0 }),
      () => store.ensurePlayer('x', 1), () => store.setUsername('x', 'name'), () => store.useNonce('n', Date.now() + 1000),
    ]) {
      await expect(read()).rejects.toMatchObject({ code: 'STORE_ERROR' })
    }
  })

  it('takes better-sqlite3\'s own timeout option as the busy timeout, unless busyTimeout is given', async () => {
    const a = sqliteStore({ file: newFile(), writerThread: false, databaseOptions: { timeout: 12_345 } })
    const b = sqliteStore({ file: newFile(), writerThread: false, busyTimeout: 777, databaseOptions: { timeout: 12_345 } })
    const c = sqliteStore({ file: newFile(), writerThread: false })
    open.push(a, b, c)
    expect([a, b, c].map(store => store.client.pragma('busy_timeout', { simple: true }))).toEqual([12_345, 777, 5_000])
  })

  it('starts no writer thread for a read-only file, so nothing is written to it', async () => {
    const file = newFile()
    const writable = await openStore(file)
    await writable.applyBatch(makeBatch([makeRegister()]))
    await writable.close()
    const store = sqliteStore({ file, writerThread: true, databaseOptions: { readonly: true } })
    open.push(store)
    expect(store.writerThread).toBe(false)
    await expect(store.applyBatch(makeBatch([makeRegister()]))).rejects.toMatchObject({ code: 'SQLITE_READONLY' })
    expect((await store.stats(Date.now())).pendingBets).toBe(1)
  })

  it('answers every leaderboard period from a read-only file, writing nothing', async () => {
    // A windowed leaderboard slides its materialized window forward, a write: read-only, every 24h, 7d
    // and 30d leaderboard threw SQLITE_READONLY.
    const file = newFile()
    const writable = await openStore(file)
    const now = Date.UTC(2026, 11, 6, 9, 30)
    const register = makeRegister({ blockTime: Math.floor(now / 1000) - 600 })
    await writable.applyBatch(makeBatch([register, makeResolve(register, { resultIndex: 0 })], { now }))
    const expected = await Promise.all((['all', '24h', '7d', '30d'] as const).map(period => writable.leaderboard({ by: 'wagered', period, limit: 10, now })))
    await writable.close()
    const store = sqliteStore({ file, databaseOptions: { readonly: true } })
    open.push(store)
    for (const [i, period] of (['all', '24h', '7d', '30d'] as const).entries()) {
      const entries = await store.leaderboard({ by: 'wagered', period, limit: 10, now })
      expect(entries, period).toEqual(expected[i])
      expect(entries.map(e => e.wallet), period).toEqual([register.player])
    }
    // An hour later the stored windows are behind: summed from the hours instead.
    expect(await store.leaderboard({ by: 'wagered', period: '24h', limit: 10, now: now + 3_600_000 })).toEqual(expected[1])
  })

  it('a writer thread that dies fails only the batches it held; the store then writes on its own connection', async () => {
    const store = sqliteStore({ file: newFile(), writerThread: new URL('data:text/javascript,process.exit(7)') })
    open.push(store)
    await store.migrate()
    const w = generateWorkload({ seed: 33, bets: 60 })
    const refused: unknown[] = []
    for (const batch of w.batches) {
      // As the indexer does: a transient failure is applied again.
      for (;;) {
        try {
          await store.applyBatch(batch)
          break
        }
        catch (error) {
          refused.push(error)
          expect((error as { code?: unknown }).code).toBe('STORE_ERROR')
          expect(refused.length).toBeLessThan(5)
        }
      }
    }
    expect(store.writerThread).toBe(false)
    // Recorded for the operator (before, nothing said so: store-failure review).
    expect((await store.listSystemEvents({ limit: 10 })).filter(e => e.type === 'store.writer_thread_ended')).toEqual([
      expect.objectContaining({ severity: 'warn', metadata: { why: expect.stringContaining('7') } }),
    ])
    expect(store.pipelinesBatches).toBe(false)
    expect(store.preferredBatchTransactions).toBeUndefined()
    expect(store.preferredGroupWaitMs).toBeUndefined()
    expect(await snapshotStore(store, { wallets: w.wallets, now: w.now })).toEqual(await snapshotStore(await reference(w.batches), { wallets: w.wallets, now: w.now }))
  })
})
