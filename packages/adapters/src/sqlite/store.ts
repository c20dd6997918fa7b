import type { Database } from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { CasinoError, hourOf, isChatMessageId, isChatPosition, unpackEvents, windowStartHour } from '@fare-casino/core/store'
import type { Batch, BatchResult, CasinoStats, CasinoStore, ChatMessage, PackedBatch, Player } from '@fare-casino/core/store'
import { createBatchWriter, gateFor } from './apply-batch'
import { openSqlite, type SqliteConnectionOptions } from './connection'
import { migrate } from './migrate'
import { createBetLister, createLeaderboard } from './queries'
import {
  type BetRow, type ChatRow, type JackpotRow, type PlayerGameRow, type PlayerRow, type SystemEventRow,
  systemEventValues, toBet, toChatMessage, toJackpot, toPlayer, toSystemEvent,
} from './rows'
import * as schema from './schema'
import { prepareStatements, type SqliteStatements } from './statements'
import { startWriterThread, threadDatabaseOptions, wantsWriterThread, writerThreadUrl } from './writer-thread'

/** The cursor row as better-sqlite3 reads it (safe integers). */
interface CursorRow {
  signature: string
  slot: bigint
  updated_at: bigint
  published_signature: string | null
  published_slot: bigint | null
}

/** Options of {@link sqliteStore}: a file (or `':memory:'`) or an open better-sqlite3 connection. */
export type SqliteStoreOptions = SqliteConnectionOptions & {
  /** Where the migrations are read from. @default the `migrations/sqlite` folder shipped in this package */
  migrationsFolder?: string
  /**
   * Runs `applyBatch` on a worker thread with its own connection to the file, so that a batch never
   * holds the event loop (see `writer-thread.ts`). `'auto'`: for a file (never `:memory:`, a
   * connection passed in, or a read-only file), on a machine with more than one core, when running the
   * built package. The thread opens the file with `databaseOptions` but `verbose` and a loaded
   * `nativeBinding` (give its path instead), which cannot cross to a thread. A URL:
   * the worker module to run instead of the package's (tests). A thread that dies fails only the batches
   * it held; the store then writes on its own connection.
   * @default 'auto'
   */
  writerThread?: boolean | 'auto' | URL
}

/** A SQLite `CasinoStore`, with its connection and a drizzle database over it for custom queries. */
export interface SqliteStore extends CasinoStore {
  readonly name: 'sqlite'
  /** The better-sqlite3 connection. Its statements read integers as bigint only where the store asks. */
  readonly client: Database
  /** drizzle over the same connection, with the store's schema. */
  readonly db: BetterSQLite3Database<typeof schema>
  /**
   * Test hook (the contract suite's `FailureInjection`): the next `applyBatch` throws after
   * `afterWrites` row writes, or just before committing when it writes less. It rolls back like any failure.
   */
  failNextBatch(afterWrites: number): void
  /** Whether batches are written on the writer thread (see {@link SqliteStoreOptions.writerThread}). */
  readonly writerThread: boolean
  /** Runs a pragma on every connection of the store (the writer thread's too), e.g. for a bulk load. */
  pragma(source: string): Promise<void>
}

/**
 * The commit size the writer thread asks the indexer for. A commit writes each page it dirtied once
 * (WAL frames, then the checkpoint), and a bet dirties pages all over the random-key indexes and the
 * per-player totals, leaderboards and windows: the more bets a commit holds, the more of them share a
 * page. Measured on a 100,000-bet backfill (bench/ingest, 2026-12-04): 9,979 bets/s at 2,000
 * transactions per commit, 11,221 at 4,000, 12,875 at 8,000. A commit of 8,000 holds the write lock
 * for ~200 ms, during a backfill only: live, a commit holds what has just arrived.
 */
const WRITER_BATCH_TRANSACTIONS = 8000

/**
 * How long the writer thread lets the indexer hold a short group for more while backfilling. Its
 * commits are pipelined and cost little beside the rows they write, and while a backlog is decoded it
 * is what the run waits for: held 25 ms (the indexer's default) before most commits, it sat idle for
 * a sixth of a run. In alternating runs of bench/ingest (2026-12-04, vault's event mix, three rounds):
 * cold 15,194 / 16,563 / 17,419 → 17,276 / 17,344 / 18,268 bets/s, warm 19,251 / 21,151 / 19,613 →
 * 21,743 / 22,607 / 21,383. Postgres and Redis, whose commits each cost round trips, did not gain.
 */
const WRITER_GROUP_WAIT_MS = 5

/**
 * A `CasinoStore` on SQLite (better-sqlite3, WAL). The default store of fare casino: one file, no server.
 * Several processes may share the file; `applyBatch` takes the write lock for the whole batch.
 *
 * Money is exact up to 2^63 - 1 base units (SQLite's 64-bit integers): a write that would take a total
 * past it fails, and its batch is rolled back.
 *
 * @example
 * const store = sqliteStore({ file: './casino.db' })
 * await store.migrate()
 */
export function sqliteStore(options: SqliteStoreOptions): SqliteStore {
  const { client, owned } = openSqlite(options)
  let prepared: ReturnType<typeof build> | undefined
  /** Armed by `failNextBatch` for the next `applyBatch` only. */
  let failAfter: number | undefined
  let closed = false
  const setting = options.writerThread ?? 'auto'
  // A read-only store writes nothing: no thread, whose own connection would write to the file.
  const readonly = options.file !== undefined && options.databaseOptions?.readonly === true
  const threadUrl = options.file === undefined || readonly || !wantsWriterThread(setting instanceof URL || setting, options.file)
    ? undefined
    : setting instanceof URL ? setting : writerThreadUrl()
  let threadAlive = threadUrl !== undefined
  const thread = threadUrl && options.file !== undefined
    ? startWriterThread({
      file: options.file,
      busyTimeout: options.busyTimeout,
      cacheSizeKiB: options.cacheSizeKiB,
      databaseOptions: threadDatabaseOptions(options.databaseOptions),
    }, threadUrl, (why) => {
      threadAlive = false
      deathUnreported = why
    })
    : undefined
  /** Why the writer thread ended, until the first batch written without it records it. */
  let deathUnreported: string | undefined
  /**
   * Records the writer thread's end where an operator looks (the owner's /api/admin/events): from then on
   * the main thread writes, and its event loop waits on every commit. Recorded with the first batch
   * written after it, when the schema surely exists (the thread may end before `migrate()`).
   */
  const reportDeath = (): void => {
    if (deathUnreported === undefined) return
    const why = deathUnreported
    deathUnreported = undefined
    q().s.addSystemEvent.run(...systemEventValues({
      type: 'store.writer_thread_ended', severity: 'warn', createdAt: Date.now(),
      message: 'the SQLite writer thread ended; the store writes on the main thread from now on', metadata: { why },
    }))
  }
  /** Batches sent to the writer thread and not settled yet. */
  let inFlight = 0

  // Statements need the schema: they are prepared on first use, after `migrate()` (here or elsewhere).
  const q = () => {
    if (closed) throw new CasinoError('STORE_ERROR', 'the SQLite store is closed')
    return prepared ??= build(client, prepareStatements(client))
  }

  const getPlayer = (s: SqliteStatements, wallet: string): Player | null => {
    const row = s.player.get(wallet) as PlayerRow | undefined
    return row ? toPlayer(row, s.playerGames.all(wallet) as PlayerGameRow[]) : null
  }

  const ensurePlayer = client.transaction((wallet: string, now: number) => {
    const { s } = q()
    const existing = getPlayer(s, wallet)
    if (existing) {
      s.touchPlayer.run(now, wallet)
      return { player: { ...existing, lastSeenAt: Math.max(existing.lastSeenAt, now) }, created: false }
    }
    s.insertPlayer.run(wallet, now, now)
    s.countPlayer.run()
    return { player: getPlayer(s, wallet)!, created: true }
  })

  const setUsername = client.transaction((wallet: string, username: string | null) => {
    const { s } = q()
    if (!s.player.get(wallet)) throw new CasinoError('NOT_FOUND', 'player not found')
    try {
      s.setUsername.run(username, wallet)
    }
    catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new CasinoError('USERNAME_TAKEN', 'username is taken', { cause: error })
      throw error
    }
    return getPlayer(s, wallet)!
  })

  // Reads of several statements run in one read transaction: WAL gives it one snapshot, so a commit of
  // the writer thread (or another process) landing between two statements cannot show half of a batch,
  // such as a player's totals without the per-game rows of the same bets.
  // Each takes the statements from q() before BEGIN: a closed store says so (STORE_ERROR), not
  // better-sqlite3's BEGIN on a closed connection.
  const readPlayer = client.transaction((s: SqliteStatements, wallet: string) => getPlayer(s, wallet))
  const readPlayerByUsername = client.transaction((s: SqliteStatements, username: string) => {
    const row = s.playerByUsername.get(username) as PlayerRow | undefined
    return row ? toPlayer(row, s.playerGames.all(row.wallet) as PlayerGameRow[]) : null
  })
  const readHistory = client.transaction((s: SqliteStatements, wallet: string, limit: number, offset: number) => {
    const rows = s.playerHistory.all(wallet, limit, offset) as BetRow[]
    return { bets: rows.map(toBet), total: Number(s.playerBetCount.get(wallet) as bigint) }
  })
  const readStats = client.transaction((s: SqliteStatements, now: number): CasinoStats => {
    const c = s.casino.get() as { bets: bigint, wins: bigint, wagered: bigint, payout: bigint, pending: bigint, players: bigint }
    const day = s.hourlyRange.get(windowStartHour('24h', now), hourOf(Math.floor(now / 1000))) as { bets: bigint, wins: bigint, wagered: bigint, payout: bigint }
    return {
      totalBets: Number(c.bets),
      totalWins: Number(c.wins),
      totalWagered: c.wagered,
      totalPayout: c.payout,
      totalPlayers: Number(c.players),
      pendingBets: Number(c.pending),
      last24h: { bets: Number(day.bets), wins: Number(day.wins), wagered: BigInt(day.wagered), payout: BigInt(day.payout) },
    }
  })

  const useNonce = client.transaction((nonce: string, expiresAt: number, now: number) => {
    const { s } = q()
    s.purgeNonces.run(now)
    return s.useNonce.run(nonce, expiresAt).changes === 1
  })

  /** A batch written by the writer thread, behind those sent before it. */
  const applyOnThread = (batch: Batch | PackedBatch): Promise<BatchResult> => {
    const armedAfter = failAfter
    failAfter = undefined
    if (closed) return Promise.reject(new CasinoError('STORE_ERROR', 'the SQLite store is closed'))
    const after = inFlight > 0
    inFlight++
    return thread!.apply(batch, { after, failAfterWrites: armedAfter }).finally(() => {
      inFlight--
    })
  }

  const store: SqliteStore = {
    name: 'sqlite',
    client,
    db: drizzle({ client, schema }),

    async migrate() {
      migrate(client, options.migrationsFolder === undefined ? {} : { migrationsFolder: options.migrationsFolder })
    },
    async close() {
      if (closed) return
      closed = true
      await thread?.close()
      if (owned) client.close()
    },
    async ping() {
      q().s.ping.get()
    },
    failNextBatch(afterWrites) {
      failAfter = afterWrites
    },

    get writerThread() {
      return threadAlive
    },
    // Written with the batch (see writePlan), on either connection.
    recordsIgnoredEvents: true,
    // On the writer thread, batches are applied one after another in call order: the next one may be
    // sent before the previous returns.
    get pipelinesBatches() {
      return threadAlive
    },
    // Bigger commits on the writer thread: see WRITER_BATCH_TRANSACTIONS. On the main thread a batch
    // holds the event loop for as long as it writes, so the indexer's default (1,000) stays.
    get preferredBatchTransactions() {
      return threadAlive ? WRITER_BATCH_TRANSACTIONS : undefined
    },
    // A short wait for more on the writer thread: see WRITER_GROUP_WAIT_MS.
    get preferredGroupWaitMs() {
      return threadAlive ? WRITER_GROUP_WAIT_MS : undefined
    },

    async pragma(source) {
      q()
      client.pragma(source)
      if (threadAlive) await thread?.pragma(source)
    },

    async applyBatch(batch) {
      if (thread && threadAlive) return applyOnThread(batch)
      reportDeath()
      const armedAfter = failAfter
      failAfter = undefined
      return q().applyBatch(batch, gateFor(armedAfter))
    },
    // With the writer thread, the bytes go to it as they are: the events are read there, not here.
    async applyPackedBatch(batch) {
      if (thread && threadAlive) return applyOnThread(batch)
      return store.applyBatch({ ...batch, events: unpackEvents(batch.events) })
    },
    async getCursor() {
      const row = q().s.cursor.get() as CursorRow | undefined
      if (!row) return null
      const published = row.published_signature === null ? null : { signature: row.published_signature, slot: Number(row.published_slot) }
      return { signature: row.signature, slot: Number(row.slot), updatedAt: Number(row.updated_at), published }
    },

    async getBet(idOrSignature) {
      const { s } = q()
      const row = (s.betById.get(idOrSignature) ?? s.betByRegisterSignature.get(idOrSignature, idOrSignature) ?? s.betByResolveSignature.get(idOrSignature, idOrSignature)) as BetRow | undefined
      return row ? toBet(row) : null
    },
    async listBets(query) {
      return q().listBets(query)
    },
    async playerBetHistory(wallet, page) {
      return readHistory(q().s, wallet, Math.max(0, Math.floor(page.limit)), Math.max(0, Math.floor(page.offset)))
    },

    async getPlayer(wallet) {
      return readPlayer(q().s, wallet)
    },
    async getPlayerByUsername(username) {
      return readPlayerByUsername(q().s, username)
    },
    async ensurePlayer(wallet, now) {
      q()
      return ensurePlayer.immediate(wallet, now)
    },
    async setUsername(wallet, username) {
      q()
      return setUsername.immediate(wallet, username)
    },
    async leaderboard(query) {
      return q().leaderboard(query)
    },

    async stats(now) {
      return readStats(q().s, now)
    },
    async listJackpots(limit) {
      return (q().s.jackpots.all(Math.max(0, Math.floor(limit))) as JackpotRow[]).map(toJackpot)
    },

    async addChatMessage(input): Promise<ChatMessage> {
      return toChatMessage(q().s.addChat.get(input.wallet, input.wallet, input.message, input.createdAt) as ChatRow)
    },
    async listChat(query) {
      let before = Number.MAX_SAFE_INTEGER
      if (query.before !== undefined) {
        // Ids are decimal rowids; anything else names no message, so nothing is before it.
        if (!isChatPosition(query.before)) return []
        before = Number(query.before)
      }
      return (q().s.listChat.all(before, Math.max(0, Math.floor(query.limit))) as ChatRow[]).map(toChatMessage)
    },
    async deleteChatMessage(id, deletedAt) {
      if (!isChatMessageId(id)) return false
      return q().s.deleteChat.run(deletedAt, Number(id)).changes === 1
    },

    async recordSystemEvent(event) {
      q().s.addSystemEvent.run(...systemEventValues(event))
    },
    async listSystemEvents(query) {
      return (q().s.listSystemEvents.all(Math.max(0, Math.floor(query.limit))) as SystemEventRow[]).map(toSystemEvent)
    },
    async useNonce(nonce, expiresAt) {
      q()
      return useNonce.immediate(nonce, expiresAt, Date.now())
    },
    async isNonceUsed(nonce) {
      return q().s.isNonceUsed.get(nonce, Date.now()) !== undefined
    },
  }
  return store
}

function build(client: Database, s: SqliteStatements) {
  return {
    s,
    applyBatch: createBatchWriter(client, s),
    listBets: createBetLister(client),
    leaderboard: createLeaderboard(client, s),
  }
}
