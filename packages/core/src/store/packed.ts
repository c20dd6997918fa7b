import { deserialize, serialize } from 'node:v8'
import type { ChainEvent } from './types'

/**
 * Chain events kept as the bytes the indexer's decode thread wrote them in, until the thread that
 * writes them to the store reads them.
 *
 * Decoded on one thread, written on another: as objects, every event was serialized by the decode
 * thread, read by the main thread, written again for the store's writer thread and read there, two
 * copies of each object graph for a main thread that never looks inside. As bytes (`node:v8`, the
 * format `postMessage` itself uses), the main thread passes them along as they are.
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

/** The events of several transactions (one list each) as one block of bytes of its own (transferable). */
export function packTransactions(perTransaction: readonly (readonly ChainEvent[])[]): Uint8Array {
  const bytes = serialize(perTransaction)
  // A Buffer may be a view into a larger pool: a block of its own can be transferred.
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes)
}

/** The events of transaction `index` of a block that {@link packTransactions} wrote. */
export function unpackTransaction(bytes: Uint8Array, index: number): ChainEvent[] {
  return (deserialize(bytes) as ChainEvent[][])[index] ?? []
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
    if (!perTransaction) read.set(part.bytes, perTransaction = deserialize(part.bytes) as ChainEvent[][])
    // A part past its block is a bug upstream: events would be skipped while the cursor moves past them.
    if (part.from < 0 || part.from > part.to || part.to > perTransaction.length) {
      throw new RangeError(`packed part ${part.from}..${part.to} outside a block of ${perTransaction.length} transactions`)
    }
    for (let i = part.from; i < part.to; i++) for (const event of perTransaction[i]!) out.push(event)
  }
  return out
}
