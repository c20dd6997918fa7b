/**
 * Minimal Borsh writer and reader for the field types the Fare Vault uses
 * (pubkey, u8, u64, f64, string, vec<[f64;2]>). Little-endian throughout, as Borsh mandates.
 */
import bs58 from 'bs58'
import { keyBytes } from '../keys'

const utf8 = new TextEncoder()
// `ignoreBOM`: a leading U+FEFF is part of a Rust String (TextDecoder drops it by default).
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true })

/** Appends Borsh-encoded values to a growable byte buffer. */
export class BorshWriter {
  private buf: Uint8Array
  private view: DataView
  private len = 0

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial)
    this.view = new DataView(this.buf.buffer)
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n))
    next.set(this.buf.subarray(0, this.len))
    this.buf = next
    this.view = new DataView(next.buffer)
  }

  /** Raw bytes, no length prefix (discriminators, fixed arrays). */
  bytes(b: Uint8Array): this {
    this.reserve(b.length)
    this.buf.set(b, this.len)
    this.len += b.length
    return this
  }

  /** A 32-byte public key given in base58. */
  pubkey(b58: string): this {
    return this.bytes(keyBytes(b58))
  }

  u8(v: number): this {
    this.reserve(1)
    this.view.setUint8(this.len, v)
    this.len += 1
    return this
  }

  u32(v: number): this {
    this.reserve(4)
    this.view.setUint32(this.len, v, true)
    this.len += 4
    return this
  }

  /** u64 from a bigint; throws outside 0..2^64-1 so a bad amount never wraps silently. */
  u64(v: bigint): this {
    if (v < 0n || v > 0xffff_ffff_ffff_ffffn) throw new RangeError(`u64 out of range: ${v}`)
    this.reserve(8)
    this.view.setBigUint64(this.len, v, true)
    this.len += 8
    return this
  }

  f64(v: number): this {
    this.reserve(8)
    this.view.setFloat64(this.len, v, true)
    this.len += 8
    return this
  }

  /** Borsh string: u32 LE byte length, then UTF-8. */
  string(s: string): this {
    const b = utf8.encode(s)
    return this.u32(b.length).bytes(b)
  }

  /** The QK tuple struct: vec<[f64;2]> = u32 LE count, then (q, k) pairs. */
  qk(pairs: ReadonlyArray<readonly [number, number]>): this {
    this.u32(pairs.length)
    for (const [q, k] of pairs) this.f64(q).f64(k)
    return this
  }

  /** A copy of the bytes written so far. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len)
  }
}

/** Reads Borsh values in order from a byte array; throws on a short buffer. */
export class BorshReader {
  private offset = 0
  private readonly view: DataView

  constructor(private readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  }

  private need(n: number): number {
    const at = this.offset
    if (at + n > this.data.length) throw new RangeError('borsh: unexpected end of data')
    this.offset += n
    return at
  }

  bytes(n: number): Uint8Array {
    const at = this.need(n)
    return this.data.subarray(at, at + n)
  }

  pubkey(): string {
    return bs58.encode(this.bytes(32))
  }

  u8(): number {
    return this.view.getUint8(this.need(1))
  }

  u32(): number {
    return this.view.getUint32(this.need(4), true)
  }

  u64(): bigint {
    return this.view.getBigUint64(this.need(8), true)
  }

  f64(): number {
    return this.view.getFloat64(this.need(8), true)
  }

  string(): string {
    const n = this.u32()
    return utf8Decoder.decode(this.bytes(n))
  }

  qk(): Array<[number, number]> {
    const n = this.u32()
    const out: Array<[number, number]> = []
    for (let i = 0; i < n; i++) out.push([this.f64(), this.f64()])
    return out
  }

  /** Bytes not consumed yet; a decoder checks this is 0 to reject trailing garbage. */
  remaining(): number {
    return this.data.length - this.offset
  }
}
