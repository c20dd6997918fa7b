import bs58 from 'bs58'
import { describe, expect, it } from 'vitest'
import { decodeBase64, encodeBase58, encodePublicKey } from '../../src/solana/codecs'
import { seeded } from '../indexer/fake-chain'

const random = seeded(99)
const bytes = (length: number): Uint8Array => Uint8Array.from({ length }, () => Math.floor(random() * 256))

/** Byte strings that stress base58's edges: leading zeros, all zeros, all 0xFF, odd lengths. */
function samples(): Uint8Array[] {
  const out: Uint8Array[] = [new Uint8Array(0), new Uint8Array(32), new Uint8Array(64).fill(0xFF), Uint8Array.of(0), Uint8Array.of(0, 0, 1)]
  for (let i = 0; i < 3000; i++) {
    const b = bytes([32, 64, 1, 5, 33, 31][i % 6]!)
    if (i % 7 === 0) b[0] = 0
    if (i % 11 === 0 && b.length > 1) b[1] = 0
    out.push(b)
  }
  return out
}

describe('encodeBase58', () => {
  it('gives the same text as bs58 for keys, signatures and odd lengths', () => {
    for (const b of samples()) expect(encodeBase58(b), Buffer.from(b).toString('hex')).toBe(bs58.encode(b))
  })

  it('encodes a slice in place', () => {
    const b = bytes(100)
    expect(encodeBase58(b, 10, 32)).toBe(bs58.encode(b.subarray(10, 42)))
  })
})

describe('encodePublicKey', () => {
  it('answers from its cache only for the very same bytes', () => {
    const keys = Array.from({ length: 2000 }, () => bytes(32))
    for (let round = 0; round < 2; round++) {
      for (const k of keys) expect(encodePublicKey(k, 0)).toBe(bs58.encode(k))
    }
    // Same hash input shape, one byte different.
    const a = bytes(32)
    const b = a.slice()
    b[31] = b[31]! ^ 1
    expect(encodePublicKey(a, 0)).toBe(bs58.encode(a))
    expect(encodePublicKey(b, 0)).toBe(bs58.encode(b))
  })
})

describe('decodeBase64', () => {
  it('agrees with atob, padded or not', () => {
    for (const b of samples()) {
      const text = Buffer.from(b).toString('base64')
      expect(decodeBase64(text)).toEqual(b)
      expect(decodeBase64(text.replace(/=+$/, ''))).toEqual(b)
    }
  })

  it('throws where atob throws', () => {
    for (const text of ['a', 'ab!c', 'abc=d', 'YQ=', 'Y===', 'é']) {
      expect(() => atob(text), text).toThrow()
      expect(() => decodeBase64(text), text).toThrow()
    }
    expect(decodeBase64(' YW\nJj')).toEqual(new TextEncoder().encode('abc'))
  })
})
