import { existsSync } from 'node:fs'
import { availableParallelism, getPriority, setPriority } from 'node:os'
import { fileURLToPath } from 'node:url'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { RpcError, type RpcErrorKind } from '../solana/rpc-errors'
import { packTransactions } from '../store/packed'
import type { ChainEvent } from '../store/types'
import type { DecodeOptions } from './decode'
import { type DecodedAnswer, type DecodeRequest, decodeTransactionsBody } from './decode-batch'
import type { ResolvedIndexerFilter } from './types'

/**
 * The decode thread: a worker thread that turns getTransaction batch bodies into the casino's events.
 *
 * Parsing the JSON of a transaction and decoding its logs is most of what ingestion costs the CPU, and
 * the garbage it leaves is most of the main thread's GC. Handing the raw bytes to a second thread
 * (transferred, not copied) leaves the main thread with the I/O, the store and the publishing, so the
 * two run on two cores. The worker is the same pure code (`decodeTransactionsBody`) the main thread
 * runs without it; if the worker dies, the requests it held fail as retryable errors (fetched again)
 * and decoding continues on the main thread: a bet is never lost to it.
 *
 * This file is its own build entry (`dist/indexer/decode-thread.mjs`): the worker runs it.
 */

/** What the worker needs to decode: plain data (a function cannot cross threads). */
export interface DecodeThreadOptions {
  programId: string
  filter: ResolvedIndexerFilter
  /** extra_data_hash -> game id. */
  games: Map<string, string>
}

/** A running decode thread. */
export interface DecodeThread {
  /** Decodes a batch body on the thread (the bytes are transferred: the caller must not reuse them). */
  decode(bytes: Uint8Array, request: DecodeRequest): Promise<DecodedAnswer[]>
  /** Stops the thread; requests still in it fail (retryable). */
  close(): Promise<void>
}

const MARK = 'fareCasinoDecodeThread'
/** True when this module runs from its TypeScript source (tests, benches), not from the build. */
const fromSources = new URL(import.meta.url).pathname.endsWith('.ts')

interface WireError { method: string, kind: RpcErrorKind, message: string, code: number | null, retryable: boolean }
/**
 * What an answer has besides its slot and events, rarely, by the answer's index: warnings, why it is
 * undecodable, that it is not served yet, or its error.
 */
interface WireNote { index: number, warnings?: string[], undecodable?: string, notServed?: true, error?: WireError }
/**
 * A batch's answers as a few flat lists rather than an object each (copying fifty small objects between
 * threads cost more than their events): `slots` has each served answer's slot (whatever the node wrote
 * there), `packed` the events of every answer, one list per answer, `counts` of them, and `notes` the rest.
 */
type Reply = { id: number, slots: unknown[], packed: Uint8Array, counts: number[], notes: WireNote[] } | { id: number, error: WireError }

/** An `RpcError` as plain data: a class instance loses its identity between threads. */
function toWire(error: unknown): WireError {
  if (error instanceof RpcError) return { method: error.method, kind: error.kind, message: error.message, code: error.code, retryable: error.retryable }
  // A bug, not the node: worth retrying (and reported by the pipeline), never a reason to skip a bet.
  return { method: 'getTransaction', kind: 'invalid-response', message: `decode thread: ${(error as Error)?.message ?? String(error)}`, code: null, retryable: true }
}

function fromWire(error: WireError): RpcError {
  return new RpcError(error.method, error.kind, error.message, { code: error.code, retryable: error.retryable })
}

/** The batch's answers as the worker wrote them (see {@link Reply}). */
function toReply(id: number, answers: DecodedAnswer[]): Reply {
  const slots: unknown[] = []
  const perAnswer: ChainEvent[][] = []
  const notes: WireNote[] = []
  answers.forEach((a, index) => {
    if (!a.ok) notes.push({ index, error: toWire(a.error) })
    else if (!a.value) notes.push({ index, notServed: true })
    else if (a.value.warnings.length > 0 || a.value.undecodable !== null) {
      notes.push({ index, warnings: a.value.warnings, undecodable: a.value.undecodable ?? undefined })
    }
    slots.push(a.ok && a.value ? a.value.slot : null)
    perAnswer.push(a.ok && a.value ? a.value.events : [])
  })
  // The events go as bytes the main thread passes along unread (see store/packed.ts).
  return { id, slots, packed: packTransactions(perAnswer), counts: perAnswer.map(events => events.length), notes }
}

/** The answers of a reply, their events left packed. */
function answersOf(reply: Extract<Reply, { slots: unknown }>): DecodedAnswer[] {
  const { packed: bytes, counts, notes } = reply
  let next = 0
  return reply.slots.map((slot, index): DecodedAnswer => {
    const note = notes[next]?.index === index ? notes[next++] : undefined
    if (note?.error) return { ok: false, error: fromWire(note.error) }
    if (note?.notServed) return { ok: true, value: null }
    const packed = { bytes, index, count: counts[index]! }
    return { ok: true, value: { slot: slot as number, events: [], packed, warnings: note?.warnings ?? [], undecodable: note?.undecodable ?? null } }
  })
}

/** Decoding as the options say, with the game registry as a lookup. */
export function decodeOptionsOf(options: DecodeThreadOptions): DecodeOptions {
  return { programId: options.programId, filter: options.filter, gameOf: hash => options.games.get(hash) ?? 'unknown' }
}

/**
 * Where the worker's module is: the build entry `dist/indexer/decode-thread.mjs`, found from wherever
 * the bundler put this code (the entry itself, `dist/index.mjs`, or a chunk in `dist/shared/`). From
 * TypeScript sources (tests, benches) Node cannot run a `.ts` file in a worker, so the package's build is
 * used when there is one. Undefined when none exists (an app bundled by another tool): no thread then.
 */
export function decodeThreadUrl(): URL | undefined {
  const candidates = fromSources
    ? ['../../dist/indexer/decode-thread.mjs']
    : ['./decode-thread.mjs', './indexer/decode-thread.mjs', '../indexer/decode-thread.mjs']
  for (const candidate of candidates) {
    const url = new URL(candidate, import.meta.url)
    if (existsSync(fileURLToPath(url))) return url
  }
  return undefined
}

/**
 * Whether `setting` asks for a decode thread here: `'auto'` uses one on a machine with more than one
 * core when running the built package (from sources, only when asked for with `true`).
 */
export function wantsDecodeThread(setting: boolean | 'auto'): boolean {
  if (setting !== 'auto') return setting
  return availableParallelism() > 1 && !fromSources
}

/**
 * Starts a decode thread from the module at `url` (see {@link decodeThreadUrl}). `onDeath` is told once
 * when the thread ends without being closed (decoding then continues on the main thread).
 * Throws when Node cannot start a worker (thread or memory limits).
 */
export function startDecodeThread(options: DecodeThreadOptions, url: URL, onDeath?: (why: string) => void): DecodeThread {
  const worker = new Worker(url, { workerData: { [MARK]: true, options } })
  // Never what keeps a process alive: the indexer's own timers and sockets decide that.
  worker.unref()
  const pending = new Map<number, { resolve: (answers: DecodedAnswer[]) => void, reject: (error: unknown) => void }>()
  let nextId = 1
  let dead = false
  let closing = false
  const local = decodeOptionsOf(options)

  const fail = (why: string): void => {
    if (!dead && !closing) onDeath?.(why)
    dead = true
    for (const p of pending.values()) p.reject(new RpcError('getTransaction', 'network', `decode thread ${why}; fetching again`, { retryable: true }))
    pending.clear()
  }
  worker.on('message', (reply: Reply) => {
    const p = pending.get(reply.id)
    if (!p) return
    pending.delete(reply.id)
    if ('error' in reply) p.reject(fromWire(reply.error))
    else p.resolve(answersOf(reply))
  })
  worker.on('error', error => fail(`failed (${error.message})`))
  // A message that cannot be deserialized would leave its request waiting forever: end the thread.
  worker.on('messageerror', () => {
    fail('sent a message that cannot be read')
    void worker.terminate()
  })
  worker.on('exit', code => fail(`exited (${code})`))

  return {
    async decode(bytes, request) {
      // A dead thread: the main thread decodes (slower, never stuck).
      if (dead) return decodeTransactionsBody(bytes, request, local)
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
      const owned = whole ? bytes : bytes.slice()
      const id = nextId++
      return new Promise<DecodedAnswer[]>((resolve, reject) => {
        pending.set(id, { resolve, reject })
        worker.postMessage({ id, bytes: owned, request }, [owned.buffer as ArrayBuffer])
      })
    },
    async close() {
      closing = true
      dead = true
      await worker.terminate()
    },
  }
}

/**
 * How much lower than the process the decode thread runs (Linux nice values; 19 is the lowest).
 *
 * Decoding is bulk work that nothing waits on but the store's writer: when the cores are all busy, the
 * main thread (requests, sockets, publishing) and the store's writer (which holds SQLite's write lock)
 * should go first, and the decoder take what is left. On a two-core machine catching up a backlog,
 * the writer otherwise fell behind the decoder and finished alone, one core idle, for a tenth of the
 * run. In alternating runs of bench/ingest (2026-12-04, four rounds): cold 17,478 / 18,650 / 19,036 /
 * 19,121 → 19,773 / 20,098 / 19,524 / 19,012 bets/s, warm 22,919 / 21,910 / 23,584 / 23,018 → 23,637 /
 * 24,973 / 24,822 / 23,182, and less CPU in all (1,862-2,025 → 1,776-1,846 ms). A core left idle still
 * runs it at full speed: only contention is arbitrated.
 */
export const DECODE_THREAD_NICENESS = 4

/**
 * Lowers this thread's scheduling priority by {@link DECODE_THREAD_NICENESS}. Linux only: there a nice
 * value is per thread, while on macOS and Windows the same call would lower the whole process. Never
 * raises it (a process already niced keeps at least its value), and a refusal is harmless.
 */
function lowerThreadPriority(): void {
  if (process.platform !== 'linux') return
  try {
    const current = getPriority(0)
    const lowered = Math.min(19, current + DECODE_THREAD_NICENESS)
    if (lowered > current) setPriority(0, lowered)
  }
  catch {
    // refused: the thread keeps the process's priority
  }
}

/** The worker's side: answers each batch with its decoded answers, or the error of the whole batch. */
function serve(): void {
  lowerThreadPriority()
  const port = parentPort!
  const options = decodeOptionsOf((workerData as { options: DecodeThreadOptions }).options)
  // A batch that cannot be read here would never be answered: the thread ends, the main thread decodes.
  port.on('messageerror', () => process.exit(70))
  port.on('message', (message: { id: number, bytes: Uint8Array, request: DecodeRequest }) => {
    let reply: Reply
    try {
      reply = toReply(message.id, decodeTransactionsBody(message.bytes, message.request, options))
    }
    catch (error) {
      reply = { id: message.id, error: toWire(error) }
    }
    port.postMessage(reply, 'packed' in reply ? [reply.packed.buffer as ArrayBuffer] : [])
  })
}

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[MARK] === true) serve()
