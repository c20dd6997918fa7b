import bs58 from 'bs58'
import { decodeBase64, encodePublicKey } from './codecs'

/**
 * A minimal Borsh reader for the Fare Vault event layouts: little-endian integers, f64, 32-byte
 * pubkeys (returned base58), u32-length-prefixed strings and vectors. Every read is bounds-checked
 * so that a truncated or hostile payload throws a `RangeError` instead of yielding garbage.
 */
export class BorshReader {
  private offset = 0
  private readonly view: DataView

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  /** Bytes not read yet. */
  remaining(): number {
    return this.bytes.length - this.offset
  }

  private take(n: number): number {
    if (n < 0 || this.offset + n > this.bytes.length) {
      throw new RangeError(`borsh: need ${n} bytes at offset ${this.offset}, have ${this.remaining()}`)
    }
    const at = this.offset
    this.offset += n
    return at
  }

  u8(): number {
    return this.view.getUint8(this.take(1))
  }

  u32(): number {
    return this.view.getUint32(this.take(4), true)
  }

  u64(): bigint {
    return this.view.getBigUint64(this.take(8), true)
  }

  f64(): number {
    return this.view.getFloat64(this.take(8), true)
  }

  /** A 32-byte public key as base58. */
  pubkey(): string {
    return encodePublicKey(this.bytes, this.take(32))
  }

  /** A u32-length-prefixed UTF-8 string; invalid UTF-8 throws (fatal decoding). */
  string(): string {
    const length = this.u32()
    const at = this.take(length)
    return utf8.decode(this.bytes.subarray(at, at + length))
  }

  /** A u32-length-prefixed vector; the length is checked against the bytes left before reading. */
  vec<T>(itemSize: number, read: () => T): T[] {
    const length = this.u32()
    if (length * itemSize > this.remaining()) throw new RangeError(`borsh: vector of ${length} does not fit`)
    const out: T[] = []
    for (let i = 0; i < length; i++) out.push(read())
    return out
  }
}

// `ignoreBOM`: a leading U+FEFF is part of the string on chain (TextDecoder drops it by default).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Decodes standard base64 (as in `Program data:` lines) to bytes; throws on invalid input. */
export function fromBase64(text: string): Uint8Array {
  return decodeBase64(text)
}

/** Encodes bytes as standard base64. */
export function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

/**
 * A Borsh writer, the mirror of {@link BorshReader}: used by tests and benches to build events by hand.
 */
export class BorshWriter {
  private chunks: Uint8Array[] = []

  bytes(value: Uint8Array): this {
    this.chunks.push(value)
    return this
  }

  u8(value: number): this {
    return this.bytes(Uint8Array.of(value))
  }

  u32(value: number): this {
    const b = new Uint8Array(4)
    new DataView(b.buffer).setUint32(0, value, true)
    return this.bytes(b)
  }

  u64(value: bigint): this {
    const b = new Uint8Array(8)
    new DataView(b.buffer).setBigUint64(0, value, true)
    return this.bytes(b)
  }

  f64(value: number): this {
    const b = new Uint8Array(8)
    new DataView(b.buffer).setFloat64(0, value, true)
    return this.bytes(b)
  }

  pubkey(base58: string): this {
    const b = bs58.decode(base58)
    if (b.length !== 32) throw new RangeError(`not a 32-byte public key: ${base58}`)
    return this.bytes(b)
  }

  string(value: string): this {
    const b = new TextEncoder().encode(value)
    return this.u32(b.length).bytes(b)
  }

  /** Concatenates everything written. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0))
    let at = 0
    for (const c of this.chunks) {
      out.set(c, at)
      at += c.length
    }
    return out
  }
}
