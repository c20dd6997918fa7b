import { deserialize, serialize } from 'node:v8'
import { pushFees, readFees } from './fees'
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
 * events and (when it has any) the signature, slot and block time of its first event, then each
 * event's kind and fields in a fixed order by kind (a register's fees as a count and then each one's type
 * and amount). `node:v8` writes every property name of every
 * object, every event of a transaction repeats its signature (a register carries five events), and an
 * event's id repeats it again (`<signature>:<index>`): an event as its transaction writes only its
 * index, and a fee or pool update its fields' values. Half the bytes or less, and packing takes half
 * the time it took with objects.
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

/** The first value of each event: its kind, plus {@link OWN} when its signature, slot or block time differ from its transaction's. */
const REGISTERED = 0
const RESOLVED = 1
const JACKPOT = 2
const OTHER = 3
/** A FeeCharged with the decoder's fields (`feeType`, `poolId`, `trialId`, `feeAmount`), as their values. */
const FEE = 4
/** A PoolAccumulatedAmountUpdated with the decoder's fields (`poolId`, `trialId`, `newAccumulatedAmount`), as their values. */
const POOL_UPDATE = 5
/** Added to the kind of an event whose signature, slot and block time follow (not its transaction's). */
const OWN = 8

const FEE_FIELDS = ['feeType', 'poolId', 'trialId', 'feeAmount']
const POOL_UPDATE_FIELDS = ['poolId', 'trialId', 'newAccumulatedAmount']

/** Whether `data` is an object with exactly `fields`, in that order. */
function shaped(data: Record<string, unknown> | null | undefined, fields: readonly string[]): boolean {
  if (data === null || typeof data !== 'object') return false
  const keys = Object.keys(data)
  if (keys.length !== fields.length) return false
  for (let i = 0; i < keys.length; i++) if (keys[i] !== fields[i]) return false
  return true
}

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

/** Appends one event's values to `out`; `first` is its transaction's first event (whose header was written). */
function pushEvent(out: unknown[], e: ChainEvent, first: ChainEvent): void {
  // Object.is: exact for any number (-0 is not 0), as the objects' own round trip would be.
  const own = e.signature !== first.signature || !Object.is(e.slot, first.slot) || !Object.is(e.blockTime, first.blockTime)
  const id = shortId(e.id, e.signature)
  const head = (kind: number): void => {
    if (own) out.push(kind + OWN, id, e.signature, e.slot, e.blockTime)
    else out.push(kind, id)
  }
  switch (e.kind) {
    case 'trialRegistered':
      head(REGISTERED)
      out.push(e.trialId, e.player, e.pool, e.mint, e.wager, e.qk, e.extraDataHash, e.game, e.poolAccumulatedAmount, e.transactionIndex)
      pushFees(out, e.fees)
      return
    case 'trialResolved':
      head(RESOLVED)
      out.push(e.trialId, e.resultIndex, e.randomness, e.transactionIndex)
      return
    case 'jackpotReleased':
      head(JACKPOT)
      out.push(e.pool, e.trialId, e.receiver, e.amount)
      return
    default: {
      const d = e.data
      if (e.kind === 'feeCharged' && shaped(d, FEE_FIELDS)) {
        head(FEE)
        out.push(d.feeType, d.poolId, d.trialId, d.feeAmount)
      }
      else if (e.kind === 'poolAccumulatedAmountUpdated' && shaped(d, POOL_UPDATE_FIELDS)) {
        head(POOL_UPDATE)
        out.push(d.poolId, d.trialId, d.newAccumulatedAmount)
      }
      else {
        head(OTHER)
        out.push(e.kind, d)
      }
    }
  }
}

/** The events of several transactions (one list each) as one block of bytes of its own (transferable). */
export function packTransactions(perTransaction: readonly (readonly ChainEvent[])[]): Uint8Array {
  const values: unknown[] = []
  for (const events of perTransaction) {
    values.push(events.length)
    const first = events[0]
    if (!first) continue
    values.push(first.signature, first.slot, first.blockTime)
    for (const event of events) pushEvent(values, event, first)
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
    out.push(events)
    if (count === 0) continue
    const txSignature = v[i] as string
    const txSlot = v[i + 1] as number
    const txBlockTime = v[i + 2] as number
    i += 3
    for (let k = 0; k < count; k++) {
      const code = v[i] as number
      const short = v[i + 1] as string | number
      let signature = txSignature
      let slot = txSlot
      let blockTime = txBlockTime
      const kind = code >= OWN ? code - OWN : code
      if (code >= OWN) {
        signature = v[i + 2] as string
        slot = v[i + 3] as number
        blockTime = v[i + 4] as number
        i += 5
      }
      else {
        i += 2
      }
      const id = typeof short === 'number' ? `${signature}:${short}` : short
      // Literals of one shape per kind, fields in the order of the types (and of the decoder's).
      switch (kind) {
        case REGISTERED: {
          const fees = readFees(v, i + 10)
          events.push({
            id, kind: 'trialRegistered', signature, slot, blockTime, trialId: v[i] as string, player: v[i + 1] as string, pool: v[i + 2] as string,
            mint: v[i + 3] as string | null, wager: v[i + 4] as bigint, qk: v[i + 5] as [number, number][], extraDataHash: v[i + 6] as string, game: v[i + 7] as string,
            fees, poolAccumulatedAmount: v[i + 8] as bigint | null, transactionIndex: v[i + 9] as number | undefined,
          })
          i += 11 + 2 * fees.length
          break
        }
        case RESOLVED:
          events.push({
            id, kind: 'trialResolved', signature, slot, blockTime, trialId: v[i] as string, resultIndex: v[i + 1] as number, randomness: v[i + 2] as number,
            transactionIndex: v[i + 3] as number | undefined,
          })
          i += 4
          break
        case JACKPOT:
          events.push({ id, kind: 'jackpotReleased', signature, slot, blockTime, pool: v[i] as string, trialId: v[i + 1] as string, receiver: v[i + 2] as string, amount: v[i + 3] as bigint })
          i += 4
          break
        case FEE:
          events.push({ id, kind: 'feeCharged', signature, slot, blockTime, data: { feeType: v[i], poolId: v[i + 1], trialId: v[i + 2], feeAmount: v[i + 3] } })
          i += 4
          break
        case POOL_UPDATE:
          events.push({ id, kind: 'poolAccumulatedAmountUpdated', signature, slot, blockTime, data: { poolId: v[i], trialId: v[i + 1], newAccumulatedAmount: v[i + 2] } })
          i += 3
          break
        case OTHER:
          events.push({ id, kind: v[i] as OtherVaultEvent['kind'], signature, slot, blockTime, data: v[i + 1] as Record<string, unknown> })
          i += 2
          break
        default:
          throw new RangeError(`packed events: unknown kind ${String(code)}`)
      }
    }
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
