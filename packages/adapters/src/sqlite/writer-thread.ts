import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import type { Options } from 'better-sqlite3'
import { CasinoError, errorStatus, isCasinoError, packBatchResult, unpackBatchResult, unpackEvents } from '@fare-casino/core/store'
import type { Batch, BatchResult, CasinoErrorCode, PackedBatch, PackedBatchResult } from '@fare-casino/core/store'
import { notWritten } from '../_pipeline'
import { createBatchWriter, gateFor } from './apply-batch'
import { openSqlite } from './connection'
import { prepareStatements } from './statements'

/**
 * The writer thread: `applyBatch` of a SQLite file on a worker thread with its own connection.
 *
 * better-sqlite3 is synchronous: a batch of 1,000 bets held the event loop for ~45 ms, during which no
 * request was answered and no RPC answer was read. On its own thread the batch runs beside them (WAL:
 * the store's main connection keeps reading while it writes). Batches run one at a time in call order;
 * a batch sent while another is pending is refused (writing nothing) when that one failed, so the
 * indexer can send the next batch before the previous one returns (`pipelinesBatches`).
 *
 * This file is its own build entry (`dist/sqlite/writer-thread.mjs`): the worker runs it.
 */

/** How the writer opens the file: what the store's own connection was opened with. */
export interface WriterThreadOptions {
  file: string
  busyTimeout?: number
  cacheSizeKiB?: number
  /** better-sqlite3's options that can cross to a thread (see {@link threadDatabaseOptions}). */
  databaseOptions?: Options
}

/**
 * The part of the store's better-sqlite3 options a thread can be given: `fileMustExist`, `timeout`, and
 * `nativeBinding` as a path (a bundled app points it at its copy of the addon). A `verbose` logger and a
 * `nativeBinding` already loaded are functions and objects of this thread: the writer goes without them.
 */
export function threadDatabaseOptions(options: Options | undefined): Options | undefined {
  if (!options) return undefined
  const out: Options = {}
  if (options.fileMustExist !== undefined) out.fileMustExist = options.fileMustExist
  if (options.timeout !== undefined) out.timeout = options.timeout
  if (typeof options.nativeBinding === 'string') out.nativeBinding = options.nativeBinding
  return out
}

/** A running writer thread. */
export interface WriterThread {
  /**
   * Applies `batch` after every batch sent before it. `after`: it was sent while the one before was
   * pending, so it is refused if that one failed. `failAfterWrites`: the test hook of `failNextBatch`.
   */
  apply(batch: Batch | PackedBatch, options: { after: boolean, failAfterWrites?: number }): Promise<BatchResult>
  /** Runs a pragma on the writer's connection (bulk loads), in order with the batches. */
  pragma(source: string): Promise<void>
  /** Stops the thread after the batches sent so far. */
  close(): Promise<void>
}

const MARK = 'fareCasinoSqliteWriter'
const fromSources = new URL(import.meta.url).pathname.endsWith('.ts')

type Unsent =
  | { kind: 'apply', batch: Batch | PackedBatch, after: boolean, failAfterWrites?: number }
  | { kind: 'pragma', source: string }
type Request = Unsent & { id: number }
interface WireError { message: string, name: string, casinoCode?: string, code?: unknown }
type Reply = { id: number, ok: true, result?: PackedBatchResult } | { id: number, ok: false, error: WireError }

/** An error as plain data: what the indexer tells permanent from transient failures by survives. */
function toWire(error: unknown): WireError {
  const e = error as { message?: unknown, name?: unknown, code?: unknown } | null
  const wire: WireError = { message: String(e?.message ?? error), name: typeof e?.name === 'string' ? e.name : 'Error' }
  if (isCasinoError(error)) wire.casinoCode = error.code
  else if (typeof e?.code === 'string' || typeof e?.code === 'number') wire.code = e.code
  return wire
}

function fromWire(wire: WireError): Error {
  if (wire.casinoCode && wire.casinoCode in errorStatus) return new CasinoError(wire.casinoCode as CasinoErrorCode, wire.message)
  const error = wire.name === 'RangeError' ? new RangeError(wire.message) : new Error(wire.message)
  if (wire.code !== undefined) Object.assign(error, { code: wire.code })
  return error
}

/**
 * Where the worker's module is: `dist/sqlite/writer-thread.mjs`, found from wherever the bundler put
 * this code. From TypeScript sources (tests, benches) the package's build is used when there is one.
 */
export function writerThreadUrl(): URL | undefined {
  const candidates = fromSources
    ? ['../../dist/sqlite/writer-thread.mjs']
    : ['./writer-thread.mjs', './sqlite/writer-thread.mjs', '../sqlite/writer-thread.mjs']
  for (const candidate of candidates) {
    const url = new URL(candidate, import.meta.url)
    if (existsSync(fileURLToPath(url))) return url
  }
  return undefined
}

/**
 * Whether `setting` asks for a writer thread for `file`: never for `:memory:` (a thread cannot share
 * it); `'auto'` uses one on a machine with more than one core when running the built package.
 */
export function wantsWriterThread(setting: boolean | 'auto', file: string | undefined): boolean {
  if (file === undefined || file === '' || file === ':memory:' || file.startsWith('file::memory:')) return false
  if (setting !== 'auto') return setting
  return availableParallelism() > 1 && !fromSources
}

/**
 * Starts a writer thread on `options.file` from the module at `url` (see {@link writerThreadUrl}).
 * `onDeath` is told once when the thread ends without being closed: the batches it held fail (transient
 * `STORE_ERROR`; SQLite rolls back what the thread had not committed) and the caller writes on its own
 * connection from then on.
 */
export function startWriterThread(options: WriterThreadOptions, url: URL, onDeath?: (why: string) => void): WriterThread {
  const worker = new Worker(url, { workerData: { [MARK]: true, options } })
  // Keeps the process alive only while a request waits for its answer: an idle store never holds a
  // process open, and a script awaiting a batch is not ended under it (better-sqlite3 holds no handle).
  worker.unref()
  const pending = new Map<number, { resolve: (reply: Reply) => void }>()
  const settle = (id: number): { resolve: (reply: Reply) => void } | undefined => {
    const p = pending.get(id)
    pending.delete(id)
    if (pending.size === 0) worker.unref()
    return p
  }
  let nextId = 1
  let dead: string | undefined

  const fail = (why: string): void => {
    if (dead === undefined) onDeath?.(why)
    dead ??= why
    for (const p of pending.values()) p.resolve({ id: 0, ok: false, error: { message: `SQLite writer thread ${why}`, name: 'CasinoError', casinoCode: 'STORE_ERROR' } })
    pending.clear()
    worker.unref()
  }
  worker.on('message', (reply: Reply) => {
    settle(reply.id)?.resolve(reply)
  })
  worker.on('error', error => fail(`failed (${error.message})`))
  worker.on('messageerror', () => {
    fail('sent a message that cannot be read')
    void worker.terminate()
  })
  worker.on('exit', code => fail(`exited (${code})`))

  const send = async (request: Unsent): Promise<PackedBatchResult | undefined> => {
    if (dead) throw new CasinoError('STORE_ERROR', `SQLite writer thread ${dead}`)
    const id = nextId++
    const reply = await new Promise<Reply>((resolve) => {
      if (pending.size === 0) worker.ref()
      pending.set(id, { resolve })
      worker.postMessage({ ...request, id })
    })
    if (!reply.ok) throw fromWire(reply.error)
    return reply.result
  }

  return {
    async apply(batch, { after, failAfterWrites }) {
      return unpackBatchResult((await send({ kind: 'apply', batch, after, failAfterWrites }))!)
    },
    async pragma(source) {
      await send({ kind: 'pragma', source })
    },
    async close() {
      if (!dead) {
        // After what was sent: a batch in flight is never cut off halfway by the store closing.
        await send({ kind: 'pragma', source: 'optimize' }).catch(() => {})
        dead = 'closed'
      }
      await worker.terminate()
    },
  }
}

/** A batch with its events as objects: packed ones are read here, on the writer's own thread. */
function unpacked(batch: Batch | PackedBatch): Batch {
  return Array.isArray(batch.events) ? batch as Batch : { ...batch, events: unpackEvents(batch.events) }
}

/** The worker's side: one connection, batches in the order they arrive. */
function serve(): void {
  const port = parentPort!
  const options = (workerData as { options: WriterThreadOptions }).options
  const { client } = openSqlite({ file: options.file, busyTimeout: options.busyTimeout, cacheSizeKiB: options.cacheSizeKiB, databaseOptions: options.databaseOptions })
  let write: ReturnType<typeof createBatchWriter> | undefined
  /** Whether the last batch failed: one sent behind it (`after`) is refused. */
  let lastFailed = false
  port.on('messageerror', () => process.exit(70))
  port.on('message', (request: Request) => {
    let reply: Reply
    try {
      if (request.kind === 'pragma') {
        client.pragma(request.source)
        reply = { id: request.id, ok: true }
      }
      else {
        if (request.after && lastFailed) throw notWritten('the batch before it failed')
        // Prepared on first use: by then the main connection has migrated the file.
        write ??= createBatchWriter(client, prepareStatements(client))
        // As flat values: a backfill's result holds thousands of bets (see packBatchResult).
        reply = { id: request.id, ok: true, result: packBatchResult(write(unpacked(request.batch), gateFor(request.failAfterWrites))) }
        lastFailed = false
      }
    }
    catch (error) {
      if (request.kind === 'apply') lastFailed = true
      reply = { id: request.id, ok: false, error: toWire(error) }
    }
    port.postMessage(reply)
  })
}

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[MARK] === true) serve()
