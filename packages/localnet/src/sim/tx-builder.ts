/**
 * Compiles instructions into Solana wire-format messages (legacy or v0 with an address lookup
 * table) and signs them with real ed25519 keys. The compiler follows web3.js's CompiledKeys rules
 * exactly (payer first; writable signers, readonly signers, writable, readonly; first-seen order;
 * lookups drained in first-seen order), and a test checks the bytes equal web3.js's own
 * compileToLegacyMessage/compileToV0Message. It exists because web3.js's compiler costs ~1 ms a
 * message, which would cap placeBet far below the indexer tests' needs.
 */
import { VersionedTransaction } from '@solana/web3.js'
import bs58 from 'bs58'
import { keyBytes, type Signer } from '../keys'
import type { Ix } from '../program/instructions'

/** A lookup table: its address and the addresses it holds. */
export interface LookupTable {
  key: string
  addresses: string[]
}

/** A compiled message in index form. */
export interface CompiledMessage {
  version: 'legacy' | 0
  header: { numRequiredSignatures: number; numReadonlySignedAccounts: number; numReadonlyUnsignedAccounts: number }
  staticAccountKeys: string[]
  recentBlockhash: string
  instructions: Array<{ programIdIndex: number; accounts: number[]; data: Uint8Array }>
  addressTableLookups: Array<{ accountKey: string; writableIndexes: number[]; readonlyIndexes: number[] }>
  /** Serialized message (what signatures cover). */
  bytes: Uint8Array
}

/** A compiled, signed transaction and its account index space. */
export interface BuiltTx {
  message: CompiledMessage
  signatures: string[]
  signature: string
  /** Full wire transaction. */
  wire: Uint8Array
  version: 'legacy' | 0
  /** Static keys, then loaded writable, then loaded readonly. */
  accountKeys: string[]
  loaded: { writable: string[]; readonly: string[] }
  writable: boolean[]
}

interface KeyMeta {
  signer: boolean
  writable: boolean
  invoked: boolean
}

class ByteSink {
  private readonly parts: Uint8Array[] = []
  private size = 0
  push(b: Uint8Array | number[]): this {
    const u = b instanceof Uint8Array ? b : Uint8Array.from(b)
    this.parts.push(u)
    this.size += u.length
    return this
  }
  /** compact-u16 length prefix. */
  len(n: number): this {
    const out: number[] = []
    let v = n
    for (;;) {
      let byte = v & 0x7f
      v >>= 7
      if (v === 0) {
        out.push(byte)
        break
      }
      byte |= 0x80
      out.push(byte)
    }
    return this.push(out)
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.size)
    let at = 0
    for (const p of this.parts) {
      out.set(p, at)
      at += p.length
    }
    return out
  }
}

/** Compiles a message the way web3.js does. */
export function compileMessage(payer: string, ixs: Ix[], recentBlockhash: string, version: 'legacy' | 0, table?: LookupTable): CompiledMessage {
  const metas = new Map<string, KeyMeta>()
  const meta = (a: string) => {
    let m = metas.get(a)
    if (!m) metas.set(a, (m = { signer: false, writable: false, invoked: false }))
    return m
  }
  const p = meta(payer)
  p.signer = p.writable = true
  for (const ix of ixs) {
    meta(ix.programId).invoked = true
    for (const k of ix.keys) {
      const m = meta(k.address)
      m.signer ||= k.signer
      m.writable ||= k.writable
    }
  }
  const lookups: CompiledMessage['addressTableLookups'] = []
  const loadedW: string[] = []
  const loadedR: string[] = []
  if (version === 0 && table) {
    const drain = (pred: (m: KeyMeta) => boolean, idx: number[], out: string[]) => {
      for (const [a, m] of [...metas]) {
        if (!pred(m)) continue
        const i = table.addresses.indexOf(a)
        if (i >= 0 && i < 256) {
          idx.push(i)
          out.push(a)
          metas.delete(a)
        }
      }
    }
    const w: number[] = []
    const r: number[] = []
    drain((m) => !m.signer && !m.invoked && m.writable, w, loadedW)
    drain((m) => !m.signer && !m.invoked && !m.writable, r, loadedR)
    if (w.length || r.length) lookups.push({ accountKey: table.key, writableIndexes: w, readonlyIndexes: r })
  }
  const entries = [...metas]
  const pick = (s: boolean, w: boolean) => entries.filter(([, m]) => m.signer === s && m.writable === w).map(([a]) => a)
  const ws = pick(true, true)
  const rs = pick(true, false)
  const wn = pick(false, true)
  const rn = pick(false, false)
  const staticAccountKeys = [...ws, ...rs, ...wn, ...rn]
  const header = { numRequiredSignatures: ws.length + rs.length, numReadonlySignedAccounts: rs.length, numReadonlyUnsignedAccounts: rn.length }
  const space = [...staticAccountKeys, ...loadedW, ...loadedR]
  const index = new Map(space.map((a, i) => [a, i]))
  const instructions = ixs.map((ix) => ({
    programIdIndex: index.get(ix.programId)!,
    accounts: ix.keys.map((k) => index.get(k.address)!),
    data: ix.data,
  }))
  const sink = new ByteSink()
  if (version === 0) sink.push([0x80])
  sink.push([header.numRequiredSignatures, header.numReadonlySignedAccounts, header.numReadonlyUnsignedAccounts])
  sink.len(staticAccountKeys.length)
  for (const a of staticAccountKeys) sink.push(keyBytes(a))
  sink.push(keyBytes(recentBlockhash))
  sink.len(instructions.length)
  for (const ix of instructions) {
    sink.push([ix.programIdIndex]).len(ix.accounts.length).push(ix.accounts).len(ix.data.length).push(ix.data)
  }
  if (version === 0) {
    sink.len(lookups.length)
    for (const l of lookups) sink.push(keyBytes(l.accountKey)).len(l.writableIndexes.length).push(l.writableIndexes).len(l.readonlyIndexes.length).push(l.readonlyIndexes)
  }
  return { version, header, staticAccountKeys, recentBlockhash, instructions, addressTableLookups: lookups, bytes: sink.finish() }
}

/** Input of {@link buildTx}. */
export interface BuildTxInput {
  payer: Signer
  signers: Signer[]
  instructions: Ix[]
  recentBlockhash: string
  version: 'legacy' | 0
  /** Used only for v0 messages. */
  lookupTable?: LookupTable
}

/** Compiles and signs. Throws if a required signer is missing. */
export function buildTx(input: BuildTxInput): BuiltTx {
  const message = compileMessage(input.payer.address, input.instructions, input.recentBlockhash, input.version, input.lookupTable)
  const bySigner = new Map<string, Signer>()
  for (const s of [input.payer, ...input.signers]) bySigner.set(s.address, s)
  const n = message.header.numRequiredSignatures
  const wire = new ByteSink().len(n)
  const signatures: string[] = []
  for (let i = 0; i < n; i++) {
    const address = message.staticAccountKeys[i]!
    const s = bySigner.get(address)
    if (!s) throw new Error(`missing signer ${address}`)
    const sig = s.sign(message.bytes)
    wire.push(sig)
    signatures.push(bs58.encode(sig))
  }
  wire.push(message.bytes)
  const loaded = { writable: [] as string[], readonly: [] as string[] }
  const table = input.lookupTable
  if (table) {
    for (const l of message.addressTableLookups) {
      for (const i of l.writableIndexes) loaded.writable.push(table.addresses[i]!)
      for (const i of l.readonlyIndexes) loaded.readonly.push(table.addresses[i]!)
    }
  }
  const st = message.staticAccountKeys.length
  const h = message.header
  const accountKeys = [...message.staticAccountKeys, ...loaded.writable, ...loaded.readonly]
  const writable = accountKeys.map((_, i) => {
    if (i >= st) return i < st + loaded.writable.length
    if (i < h.numRequiredSignatures) return i < h.numRequiredSignatures - h.numReadonlySignedAccounts
    return i < st - h.numReadonlyUnsignedAccounts
  })
  return { message, signatures, signature: signatures[0]!, wire: wire.finish(), version: input.version, accountKeys, loaded, writable }
}

/** The web3.js VersionedTransaction of a built transaction (parsed from its wire bytes). */
export function toVersionedTransaction(wire: Uint8Array): VersionedTransaction {
  return VersionedTransaction.deserialize(wire)
}
