import { deserialize, serialize } from 'node:v8'
import type { ChainEvent, OtherVaultEvent } from './types'

/**
 * Chain events kept as the bytes the indexer's decode thread wrote them in, until the thread that
 * writes them to the store reads them.
 *
 * Decoded on one thread, written on another: as objects, every event was serialized by the decode
 * thread, read by the main thread, written again for the store's writer thread and read there, two
 * copies of each object graph for a main thread that never looks inside. As bytes (`node:v8`, the
 * format `postMessage` itself uses), the main thread passes them along as they are.
 *
 * The bytes hold one flat array of values, not the event objects: per transaction its number of
 * events, then each event's fields in a fixed order by kind. `node:v8` writes every property name
 * of every object, and an event's id repeats its signature (`<signature>:<index>`): an id of that
 * form is written as its index. Half the bytes, and packing takes half the time it took with objects.
 */

/**
 * A run of transactions' events: the transactions `from` (inclusive) to `to` (exclusive) of a block of
 * bytes that {@link packTransactions} wrote (the events of one fetch batch, one list per transaction),
 * or events as objects.
 */
export type PackedPart = { bytes: Uint8Array, from: number, to: number } | { events: ChainEvent[] }

/** Events in chain order, as parts. */
export interface PackedEvents {
  parts: PackedPart[]
}

/** The first value of each event: its kind. */
const REGISTERED = 0
const RESOLVED = 1
const JACKPOT = 2
const OTHER = 3

/** `index` when `id` is `<signature>:<index>` (as the decoder writes ids), else the id itself. */
function shortId(id: string, signature: string): string | number {
  const at = signature.length
  if (id.length <= at + 1 || id.length > at + 8 || id.charCodeAt(at) !== 58 || !id.startsWith(signature)) return id
  let n = 0
  for (let i = at + 1; i < id.length; i++) {
    const d = id.charCodeAt(i) - 48
    if (d < 0 || d > 9) return id
    n = n * 10 + d
  }
  // A leading zero ("s:01") would not come back the same.
  return id.charCodeAt(at + 1) === 48 && id.length > at + 2 ? id : n
}

/** Appends one event's values to `out`. */
function pushEvent(out: unknown[], e: ChainEvent): void {
  const id = shortId(e.id, e.signature)
  switch (e.kind) {
    case 'trialRegistered':
      out.push(REGISTERED, id, e.signature, e.slot, e.blockTime, e.trialId, e.player, e.pool, e.mint, e.wager, e.qk, e.extraDataHash, e.game)
      return
    case 'trialResolved':
      out.push(RESOLVED, id, e.signature, e.slot, e.blockTime, e.trialId, e.resultIndex, e.randomness)
      return
    case 'jackpotReleased':
      out.push(JACKPOT, id, e.signature, e.slot, e.blockTime, e.pool, e.trialId, e.receiver, e.amount)
      return
    default:
      out.push(OTHER, id, e.signature, e.slot, e.blockTime, e.kind, e.data)
  }
}

/** The events of several transactions (one list each) as one block of bytes of its own (transferable). */
export function packTransactions(perTransaction: readonly (readonly ChainEvent[])[]): Uint8Array {
  const values: unknown[] = []
  for (const events of perTransaction) {
    values.push(events.length)
    for (const event of events) pushEvent(values, event)
  }
  const bytes = serialize(values)
  // A Buffer may be a view into a larger pool: a block of its own can be transferred.
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes)
}

/** Every transaction's events of a block that {@link packTransactions} wrote. */
function readBlock(bytes: Uint8Array): ChainEvent[][] {
  const v = deserialize(bytes) as unknown[]
  const out: ChainEvent[][] = []
  let i = 0
  while (i < v.length) {
    const count = v[i++] as number
    const events: ChainEvent[] = []
    for (let k = 0; k < count; k++) {
      const kind = v[i] as number
      const signature = v[i + 2] as string
      const short = v[i + 1] as string | number
      const id = typeof short === 'number' ? `${signature}:${short}` : short
      const slot = v[i + 3] as number
      const blockTime = v[i + 4] as number
      // Literals of one shape per kind, fields in the order of the types (and of the decoder's).
      if (kind === REGISTERED) {
        events.push({
          id, kind: 'trialRegistered', signature, slot, blockTime, trialId: v[i + 5] as string, player: v[i + 6] as string, pool: v[i + 7] as string,
          mint: v[i + 8] as string | null, wager: v[i + 9] as bigint, qk: v[i + 10] as [number, number][], extraDataHash: v[i + 11] as string, game: v[i + 12] as string,
        })
        i += 13
      }
      else if (kind === RESOLVED) {
        events.push({ id, kind: 'trialResolved', signature, slot, blockTime, trialId: v[i + 5] as string, resultIndex: v[i + 6] as number, randomness: v[i + 7] as number })
        i += 8
      }
      else if (kind === JACKPOT) {
        events.push({ id, kind: 'jackpotReleased', signature, slot, blockTime, pool: v[i + 5] as string, trialId: v[i + 6] as string, receiver: v[i + 7] as string, amount: v[i + 8] as bigint })
        i += 9
      }
      else if (kind === OTHER) {
        events.push({ id, kind: v[i + 5] as OtherVaultEvent['kind'], signature, slot, blockTime, data: v[i + 6] as Record<string, unknown> })
        i += 7
      }
      else {
        throw new RangeError(`packed events: unknown kind ${String(kind)}`)
      }
    }
    out.push(events)
  }
  return out
}

/** The events of transaction `index` of a block that {@link packTransactions} wrote. */
export function unpackTransaction(bytes: Uint8Array, index: number): ChainEvent[] {
  return readBlock(bytes)[index] ?? []
}

/** Every event of `packed`, in order, as objects. */
export function unpackEvents(packed: PackedEvents): ChainEvent[] {
  const out: ChainEvent[] = []
  // A block split into several parts (events of another source between its transactions, as live
  // notifications fetched apart) is read once.
  const read = new Map<Uint8Array, ChainEvent[][]>()
  for (const part of packed.parts) {
    if ('events' in part) {
      for (const event of part.events) out.push(event)
      continue
    }
    let perTransaction = read.get(part.bytes)
    if (!perTransaction) read.set(part.bytes, perTransaction = readBlock(part.bytes))
    // A part past its block is a bug upstream: events would be skipped while the cursor moves past them.
    if (part.from < 0 || part.from > part.to || part.to > perTransaction.length) {
      throw new RangeError(`packed part ${part.from}..${part.to} outside a block of ${perTransaction.length} transactions`)
    }
    for (let i = part.from; i < part.to; i++) for (const event of perTransaction[i]!) out.push(event)
  }
  return out
}
