/**
 * Fast encoders for the two text forms the indexer reads on every transaction: base58 public keys
 * (three or four per event) and base64 `Program data:` payloads. The generic `bs58` works byte by byte
 * over the whole output (O(n²) with a small constant, a few µs per key) and Node's `atob` is written
 * in JS over strings; both showed at the top of the ingest profile. These work on fixed-size limbs and
 * lookup tables instead, and agree with `bs58` and `atob` byte for byte (tests compare them).
 */

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
/** 58^5: each limb holds five base58 digits, and limb * 65536 + carry stays below 2^53 (exact in a double). */
const LIMB = 656_356_768
/** Five-digit groups for every value of a limb would be too many; two-digit pairs are enough. */
const PAIRS: string[] = []
for (let i = 0; i < 58 * 58; i++) PAIRS.push(ALPHABET[Math.floor(i / 58)]! + ALPHABET[i % 58]!)

/** 64 bytes are 88 digits: 18 limbs. */
const limbs = new Float64Array(18)

/**
 * Base58 of `length` bytes of `bytes` from `offset` (up to 64 bytes: keys and signatures), the same
 * string `bs58.encode` gives, leading zero bytes as leading '1's.
 */
export function encodeBase58(bytes: Uint8Array, offset = 0, length = bytes.length - offset): string {
  if (length > 64) throw new RangeError('encodeBase58: at most 64 bytes')
  let zeros = 0
  while (zeros < length && bytes[offset + zeros] === 0) zeros++
  // Big number in base 58^5, least significant limb first.
  let used = 0
  const end = offset + length
  let i = offset + zeros
  // Two bytes per step when the count is even after the zeros, so the first step may take one.
  if ((end - i) % 2 === 1) {
    limbs[0] = bytes[i++]!
    used = limbs[0] > 0 ? 1 : 0
  }
  for (; i < end; i += 2) {
    let carry = bytes[i]! * 256 + bytes[i + 1]!
    for (let j = 0; j < used; j++) {
      const v = limbs[j]! * 65536 + carry
      carry = Math.floor(v / LIMB)
      limbs[j] = v - carry * LIMB
    }
    while (carry > 0) {
      const q = Math.floor(carry / LIMB)
      limbs[used++] = carry - q * LIMB
      carry = q
    }
  }
  let out = ''
  for (let j = 0; j < used; j++) {
    // Five digits of one limb, prepended: limbs are least significant first.
    let v = limbs[j]!
    const lo = v % 3364
    v = (v - lo) / 3364
    const mid = v % 3364
    const hi = (v - mid) / 3364
    out = ALPHABET[hi]! + PAIRS[mid]! + PAIRS[lo]! + out
  }
  // The most significant limb was padded to five digits: strip its leading '1's (zeros).
  let start = 0
  while (start < out.length && out.charCodeAt(start) === 49) start++
  return '1'.repeat(zeros) + out.slice(start)
}

const B64 = new Int8Array(128).fill(-1)
for (let i = 0; i < 64; i++) B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i

/**
 * Decodes standard base64 with `atob`'s rules (padding optional, whitespace ignored, a length of
 * 4n + 1 or a character outside the alphabet throws).
 */
export function decodeBase64(text: string): Uint8Array {
  let end = text.length
  // Padding only counts on a multiple of four; anywhere else '=' is invalid (the slow path throws).
  if (end % 4 === 0 && end > 0 && text.charCodeAt(end - 1) === 61) end--
  if (end % 4 === 3 && text.length % 4 === 0 && text.charCodeAt(end - 1) === 61) end--
  if (end % 4 === 1) return decodeBase64Slow(text)
  const out = new Uint8Array(Math.floor(end * 3 / 4))
  let at = 0
  let i = 0
  for (; i + 4 <= end; i += 4) {
    const a = sextet(text, i)
    const b = sextet(text, i + 1)
    const c = sextet(text, i + 2)
    const d = sextet(text, i + 3)
    if ((a | b | c | d) < 0) return decodeBase64Slow(text)
    const n = (a << 18) | (b << 12) | (c << 6) | d
    out[at++] = n >> 16
    out[at++] = (n >> 8) & 0xFF
    out[at++] = n & 0xFF
  }
  const left = end - i
  if (left >= 2) {
    const a = sextet(text, i)
    const b = sextet(text, i + 1)
    const c = left === 3 ? sextet(text, i + 2) : 0
    if ((a | b | c) < 0) return decodeBase64Slow(text)
    out[at++] = (a << 2) | (b >> 4)
    if (left === 3) out[at++] = ((b & 0xF) << 4) | (c >> 2)
  }
  return out
}

/** Where {@link decodeBase64Transient} decodes (written as a Buffer, handed out as a plain Uint8Array): grown on demand, reused by every call. */
let scratch = Buffer.allocUnsafeSlow(1024)
let scratchBytes = new Uint8Array(scratch.buffer, scratch.byteOffset, scratch.length)

/**
 * {@link decodeBase64}'s bytes (same rules, same errors), decoded by Node's native decoder into a buffer
 * that the NEXT call overwrites: for a payload read at once and dropped, as a `Program data:` line is
 * (the event decoder copies out every field it keeps). About seven times faster than the JavaScript
 * loop, and it allocates nothing: a register carries five such lines.
 *
 * Node's decoder is lenient where `atob` is not: it skips whitespace and any character outside the
 * alphabet, reads base64url's `-` and `_`, and reads a character above U+00FF by its low byte (U+0155
 * as 'U'). Text with `-`, `_` or any character outside ASCII goes to {@link decodeBase64}. A skipped
 * character always leaves fewer bytes than the text's length promises, and a short count goes there
 * too (a length of 4n + 1, which one skipped character would not shorten, goes there first).
 */
export function decodeBase64Transient(text: string): Uint8Array {
  let end = text.length
  if (end % 4 === 0 && end > 0 && text.charCodeAt(end - 1) === 61) end--
  if (end % 4 === 3 && text.length % 4 === 0 && text.charCodeAt(end - 1) === 61) end--
  // byteLength (native) equals the length only for ASCII text.
  if (end % 4 === 1 || text.includes('-') || text.includes('_') || Buffer.byteLength(text, 'utf8') !== text.length) return decodeBase64(text)
  const expected = Math.floor(end * 3 / 4)
  if (scratch.length < expected) {
    scratch = Buffer.allocUnsafeSlow(Math.max(expected, 2 * scratch.length))
    scratchBytes = new Uint8Array(scratch.buffer, scratch.byteOffset, scratch.length)
  }
  const written = scratch.write(text, 'base64')
  return written === expected ? scratchBytes.subarray(0, written) : decodeBase64(text)
}

function sextet(text: string, i: number): number {
  const code = text.charCodeAt(i)
  return code < 128 ? B64[code]! : -1
}

/** Whitespace, odd padding or invalid characters: `atob` decides (and throws where it throws). */
function decodeBase64Slow(text: string): Uint8Array {
  const binary = atob(text)
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}

interface CachedKey {
  bytes: Uint8Array
  text: string
}

/** Recently seen public keys by a 32-bit hash of their bytes (checked byte for byte on a hit). */
const keyCache = new Map<number, CachedKey>()
/** Bounded: trial keys are seen twice (register, resolve) and never again. */
const KEY_CACHE_SIZE = 65_536

/**
 * Base58 of the 32-byte public key at `offset`, from a cache of recent keys: players, pools, mints
 * and a trial's own key (its register, then its resolve) repeat, and a hit costs a hash and a
 * compare instead of an encoding.
 */
export function encodePublicKey(bytes: Uint8Array, offset: number): string {
  let h = 0x811C9DC5
  for (let i = offset; i < offset + 32; i += 4) {
    h = Math.imul(h ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)), 0x01000193)
  }
  const hit = keyCache.get(h)
  if (hit) {
    let same = true
    for (let i = 0; i < 32; i++) {
      if (hit.bytes[i] !== bytes[offset + i]) {
        same = false
        break
      }
    }
    if (same) return hit.text
  }
  const text = encodeBase58(bytes, offset, 32)
  if (keyCache.size >= KEY_CACHE_SIZE) keyCache.clear()
  keyCache.set(h, { bytes: bytes.slice(offset, offset + 32), text })
  return text
}
