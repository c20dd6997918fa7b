/**
 * Deterministic pseudo-random streams (xoshiro128**). Every random choice of the localnet
 * (keys, randomness, faults, bot) draws from its own named stream forked from the seed, so adding
 * draws to one concern never shifts the sequence of another.
 */
import { createHash } from 'node:crypto'

/** A seeded random stream. */
export class Rng {
  private s: Uint32Array

  /** Creates the stream named `label` for `seed`. */
  constructor(seed: number, label: string) {
    const h = createHash('sha256').update(`fare-localnet:${seed}:${label}`).digest()
    this.s = new Uint32Array([h.readUInt32LE(0), h.readUInt32LE(4), h.readUInt32LE(8), h.readUInt32LE(12) | 1])
  }

  /** Next unsigned 32-bit integer. */
  next32(): number {
    const s = this.s
    const s0 = s[0]!, s1 = s[1]!, s2 = s[2]!, s3 = s[3]!
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0
    const t = (s1 << 9) >>> 0
    const n2 = (s2 ^ s0) >>> 0
    const n3 = (s3 ^ s1) >>> 0
    s[1] = (s1 ^ n2) >>> 0
    s[0] = (s0 ^ n3) >>> 0
    s[2] = (n2 ^ t) >>> 0
    s[3] = rotl(n3, 11)
    return r
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  float(): number {
    return ((this.next32() >>> 5) * 67108864 + (this.next32() >>> 6)) / 9007199254740992
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n)
  }

  /** Uniform integer in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1)
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.float() < p
  }

  /** n random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i += 4) {
      const v = this.next32()
      out[i] = v & 0xff
      if (i + 1 < n) out[i + 1] = (v >>> 8) & 0xff
      if (i + 2 < n) out[i + 2] = (v >>> 16) & 0xff
      if (i + 3 < n) out[i + 3] = v >>> 24
    }
    return out
  }

  /** A random element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    const v = items[this.int(items.length)]
    if (v === undefined) throw new RangeError('pick from an empty array')
    return v
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0
}
