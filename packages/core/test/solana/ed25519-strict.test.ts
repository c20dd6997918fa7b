import bs58 from 'bs58'
import nacl from 'tweetnacl'
import { describe, expect, it } from 'vitest'
import { hasCanonicalScalar, isStrictPublicKey } from '../../src/solana/ed25519-strict'
import { verifySiwsSignature } from '../../src/solana/siws-verify'
import { createWallet } from '../http/_harness'

const P = 2n ** 255n - 19n
const L = 2n ** 252n + 27742317777372353535851937790883648493n
const Y8 = 2707385501144840649318225287225658788936804267575313519463743609750303402022n

/** `n` as 32 little-endian bytes, with x's sign bit set when `negative`. */
function encode(n: bigint, negative = false): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xFFn)
  if (negative) out[31]! |= 0x80
  return out
}

/** The 8 torsion points as canonical encodings (x's sign written for the six with x ≠ 0). */
const smallOrder: [string, Uint8Array][] = [
  ['identity', encode(1n)],
  ['order 2', encode(P - 1n)],
  ['order 4 (the System Program id)', encode(0n)],
  ['order 4, -x', encode(0n, true)],
  ['order 8', encode(Y8)],
  ['order 8, -x', encode(Y8, true)],
  ['order 8, -y', encode(P - Y8)],
  ['order 8, -y, -x', encode(P - Y8, true)],
]

/** R = the identity, s = 0: valid for a key A of small order whenever [h]A is the identity. */
const forged = new Uint8Array([...encode(1n), ...new Uint8Array(32)])
const messages = Array.from({ length: 64 }, (_, i) => `sign in #${i}`)
const text = new TextEncoder()

describe('strict ed25519 verification', () => {
  it('never lets a small-order key sign in with a forged signature, which tweetnacl alone accepts', () => {
    expect(bs58.encode(encode(0n))).toBe('11111111111111111111111111111111')
    for (const [name, key] of smallOrder) {
      expect(isStrictPublicKey(key), name).toBe(false)
      const address = bs58.encode(key)
      const naclAccepts = messages.filter(m => nacl.sign.detached.verify(text.encode(m), forged, key)).length
      // The forgery is real: plain tweetnacl takes it for one message in up to 8 (here, 64 messages).
      expect(naclAccepts, name).toBeGreaterThan(0)
      for (const m of messages) expect(verifySiwsSignature(m, bs58.encode(forged), address), `${name}: ${m}`).toBe(false)
    }
  })

  it('refuses a key whose y is written at or above p (a second encoding of a small y)', () => {
    for (const y of [P, P + 1n, 2n ** 255n - 1n]) expect(isStrictPublicKey(encode(y)), String(y - P)).toBe(false)
  })

  it('takes every real key, and refuses a signature whose scalar is not reduced below L', () => {
    for (let i = 0; i < 200; i++) expect(isStrictPublicKey(nacl.sign.keyPair().publicKey)).toBe(true)
    const wallet = createWallet()
    const message = 'sign in'
    const signature = bs58.decode(wallet.sign(message))
    expect(hasCanonicalScalar(signature)).toBe(true)
    expect(verifySiwsSignature(message, bs58.encode(signature), wallet.address)).toBe(true)
    // s + L names the same point: tweetnacl accepts it, RFC 8032 does not.
    let s = 0n
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i]!)
    const malleable = new Uint8Array([...signature.subarray(0, 32), ...encode(s + L)])
    expect(nacl.sign.detached.verify(text.encode(message), malleable, bs58.decode(wallet.address))).toBe(true)
    expect(hasCanonicalScalar(malleable)).toBe(false)
    expect(verifySiwsSignature(message, bs58.encode(malleable), wallet.address)).toBe(false)
  })
})
