import bs58 from 'bs58'
import { describe, expect, it } from 'vitest'
import { decodeBase64, decodeBase64Transient, encodeBase58, encodePublicKey } from '../../src/solana/codecs'
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

describe('decodeBase64Transient', () => {
  /** Its answer copied at once (the next call overwrites it), or the error it throws. */
  const transient = (text: string): Uint8Array | Error => {
    try {
      return decodeBase64Transient(text).slice()
    }
    catch (error) {
      return error as Error
    }
  }
  const strict = (text: string): Uint8Array | Error => {
    try {
      return decodeBase64(text)
    }
    catch (error) {
      return error as Error
    }
  }

  it('gives decodeBase64\'s bytes, padded or not, small or past its first buffer', () => {
    for (const b of [...samples(), bytes(1500), bytes(5000), bytes(20)]) {
      const text = Buffer.from(b).toString('base64')
      expect(transient(text)).toEqual(b)
      expect(transient(text.replace(/=+$/, ''))).toEqual(b)
    }
  })

  it('throws where decodeBase64 throws and reads what it reads, on text Node\'s decoder would read otherwise', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    // Past U+00FF, characters whose low byte is a base64 letter, '-', '=' or a space (Node's decoder reads the
    // low byte), and lone surrogates.
    const wide = ['\u0155', '\u0141', '\u0151', '\u012D', '\u013D', '\u0120', '\u2B41', '\uD841', '\uDC41', '\uFF2F']
    const odd = ['-', '_', '=', ' ', '\n', '\t', '!', '.', 'é', '\u0000', '\u00A0', ...wide]
    let refused = 0
    for (let i = 0; i < 20_000; i++) {
      let text = ''
      const length = Math.floor(random() * 24)
      for (let c = 0; c < length; c++) text += random() < 0.12 ? odd[Math.floor(random() * odd.length)]! : alphabet[Math.floor(random() * 64)]!
      const want = strict(text)
      const got = transient(text)
      if (want instanceof Error) {
        refused++
        expect(got, JSON.stringify(text)).toBeInstanceOf(Error)
      }
      else {
        expect(got, JSON.stringify(text)).toEqual(want)
      }
    }
    expect(refused).toBeGreaterThan(1000)
    for (const text of ['a', 'ab!c', 'abc=d', 'YQ=', 'Y===', 'é', 'ab-_', 'YQ==YQ==', 'YW Jj=', 'Q\u0155JD', 'AAA\u0141', 'QUJDR\u0151==', 'QUJ\uD841', 'QU\u012DD']) {
      expect(transient(text), JSON.stringify(text)).toBeInstanceOf(Error)
    }
    expect(transient(' YW\nJj')).toEqual(new TextEncoder().encode('abc'))
  })

  it('hands back a view that the next call overwrites', () => {
    const first = decodeBase64Transient(btoa('first'))
    decodeBase64Transient(btoa('other'))
    expect(new TextDecoder().decode(first)).toBe('other')
  })
})
