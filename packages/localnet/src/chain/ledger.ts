/**
 * The ledger: a slot clock, landed transactions in order, and per-address indexes.
 * A transaction lands in the current slot, the one `processed` readers see. As on a real cluster, a slot
 * is `confirmed` only once it is over (the next slot has started), so the transactions of a slot a
 * reader saw confirmed never change; it is finalized `finalizedLagSlots` slots after that. Confirmed and
 * finalized readers and subscribers see a slot's transactions from then on, all at once.
 */
import { createHash } from 'node:crypto'
import bs58 from 'bs58'
import type { Commitment, PreparedTx, TxRecord } from './types'

/** Callbacks fired by the ledger; listeners must not throw. */
export interface LedgerListener {
  /** A transaction landed in the current slot (processed). */
  landed?(tx: TxRecord): void
  /** Transactions of a newly confirmed slot, in ledger order. */
  confirmed?(txs: TxRecord[], slot: number): void
  /** A new slot started; root is the finalized slot. */
  slot?(slot: number, parent: number, root: number): void
  /** Transactions of a newly finalized slot, in ledger order. */
  finalized?(txs: TxRecord[], slot: number): void
}

/** Options of the ledger. */
export interface LedgerOptions {
  seed: number
  /** Slot duration in ms. */
  slotMs: number
  finalizedLagSlots: number
}

/** In-memory chain state. */
export class Ledger {
  readonly txs: TxRecord[] = []
  private readonly bySig = new Map<string, TxRecord>()
  private readonly byAddress = new Map<string, TxRecord[]>()
  private readonly slotTimes: number[] = []
  private readonly listeners = new Set<LedgerListener>()
  /**
   * Slot 0 is the genesis block, rooted from the start and holding no transaction (as on a real cluster):
   * transactions land from slot 1 on, so that every one is confirmed before it is finalized. In slot 0,
   * with the root at 0 too, a bet was finalized the moment it landed.
   */
  private current = 1
  private nextIndex = 0
  /** Transactions before these indexes of `txs` have been handed to the `confirmed` / `finalized` listeners. */
  private confirmedPtr = 0
  private finalizedPtr = 0

  private readonly start = Date.now()

  constructor(private readonly opts: LedgerOptions) {
    const now = Math.floor(this.start / 1000)
    this.slotTimes.push(now, now)
  }

  /**
   * Catches the slot up with the wall clock. Slots follow time, not timer callbacks, so a
   * burst of synchronous bets that starves the event loop still spreads over the right slots.
   */
  sync(now = Date.now()): void {
    const target = 1 + Math.floor((now - this.start) / this.opts.slotMs)
    while (this.current < target) this.tick()
  }

  /** Registers a listener; returns an unsubscribe function. */
  listen(l: LedgerListener): () => void {
    this.listeners.add(l)
    return () => this.listeners.delete(l)
  }

  /** Current (processed) slot: where transactions land. */
  get slot(): number {
    return this.current
  }

  /** Highest confirmed slot: the last one that is over. */
  get confirmedSlot(): number {
    return this.current - 1
  }

  /** Highest finalized (rooted) slot. */
  get finalizedSlot(): number {
    return Math.max(0, this.confirmedSlot - this.opts.finalizedLagSlots)
  }

  /** Highest slot visible at a commitment. */
  slotAt(commitment: Commitment): number {
    return commitment === 'finalized' ? this.finalizedSlot : commitment === 'confirmed' ? this.confirmedSlot : this.current
  }

  /** Blockhash of a slot: deterministic from seed and slot. */
  blockhash(slot = this.current): string {
    return bs58.encode(createHash('sha256').update(`fare-localnet:blockhash:${this.opts.seed}:${slot}`).digest())
  }

  /** Unix seconds when a slot was produced, or undefined for a future slot. */
  blockTime(slot: number): number | undefined {
    return this.slotTimes[slot]
  }

  /** Advances the clock by one slot and finalizes what became final. */
  tick(): void {
    const parent = this.current
    this.current += 1
    this.nextIndex = 0
    this.slotTimes.push(Math.floor(Date.now() / 1000))
    const root = this.finalizedSlot
    for (const l of this.listeners) l.slot?.(this.current, parent, root)
    this.confirmedPtr = this.flush(this.confirmedPtr, this.confirmedSlot, (l, batch, slot) => l.confirmed?.(batch, slot))
    this.finalizedPtr = this.flush(this.finalizedPtr, root, (l, batch, slot) => l.finalized?.(batch, slot))
  }

  /**
   * Hands the transactions from index `from` of slots up to `upTo` to `fire`, one call per slot so that
   * subscribers see per-slot batches in order; returns the index after the last one handed.
   */
  private flush(from: number, upTo: number, fire: (l: LedgerListener, batch: TxRecord[], slot: number) => void): number {
    let ptr = from
    while (ptr < this.txs.length && this.txs[ptr]!.slot <= upTo) {
      const slot = this.txs[ptr]!.slot
      const start = ptr
      while (ptr < this.txs.length && this.txs[ptr]!.slot === slot) ptr++
      const batch = this.txs.slice(start, ptr)
      for (const l of this.listeners) fire(l, batch, slot)
    }
    return ptr
  }

  /** Lands a prepared transaction in the current slot. */
  land(p: PreparedTx): TxRecord {
    if (this.bySig.has(p.signature)) throw new Error(`duplicate signature ${p.signature}`)
    this.sync()
    const rec: TxRecord = {
      ...p,
      seq: this.txs.length,
      slot: this.current,
      transactionIndex: this.nextIndex++,
      blockTime: this.slotTimes[this.current]!,
    }
    this.txs.push(rec)
    this.bySig.set(rec.signature, rec)
    for (const key of new Set(rec.accountKeys)) {
      let list = this.byAddress.get(key)
      if (!list) this.byAddress.set(key, (list = []))
      list.push(rec)
    }
    for (const l of this.listeners) l.landed?.(rec)
    return rec
  }

  /** A transaction visible at a commitment, or undefined. */
  get(signature: string, commitment: Commitment): TxRecord | undefined {
    const rec = this.bySig.get(signature)
    if (!rec || rec.slot > this.slotAt(commitment)) return undefined
    return rec
  }

  /** Transactions mentioning an address, oldest first (all commitments; callers filter). */
  forAddress(address: string): readonly TxRecord[] {
    return this.byAddress.get(address) ?? []
  }
}
