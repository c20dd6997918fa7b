/**
 * Real ed25519 keys, signed with node:crypto: an order of magnitude faster than signing in
 * JavaScript, which is what lets placeBet reach thousands of signed transactions per second.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { Keypair } from '@solana/web3.js'
import bs58 from 'bs58'

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

/** An ed25519 signer: base58 public key plus a fast sign function. */
export interface Signer {
  /** Base58 public key. */
  readonly address: string
  /** The 32-byte secret seed. */
  readonly seed: Uint8Array
  /** Signs a message, returning the 64-byte signature. */
  sign(message: Uint8Array): Uint8Array
}

/** Builds a signer from a 32-byte seed. */
export function signerFromSeed(seed: Uint8Array): Signer {
  if (seed.length !== 32) throw new RangeError('seed must be 32 bytes')
  const key: KeyObject = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' })
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' })
  const address = bs58.encode(spki.subarray(spki.length - 32))
  return {
    address,
    seed,
    sign: (message) => new Uint8Array(sign(null, message, key)),
  }
}

/**
 * A fresh random signer (trial accounts). Generating in OpenSSL avoids the slow PKCS#8 import path
 * (~640 µs here, more than everything else a bet does). The keys are read back as DER, never as JWK:
 * on Node 20, exporting a JWK allocates V8 strings under the key's lock, and a GC that collects the
 * keygen job right then deadlocks the thread (seen as a frozen test run; a loop of 5,000 reproduces it).
 */
export function randomSigner(): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' })
  const spki = publicKey.export({ format: 'der', type: 'spki' })
  const pub = new Uint8Array(spki.subarray(spki.length - 32))
  const address = bs58.encode(pub)
  rememberKeyBytes(address, pub)
  return { address, seed: new Uint8Array(pkcs8.subarray(pkcs8.length - 32)), sign: (m) => new Uint8Array(sign(null, m, privateKey)) }
}

const keyBytesCache = new Map<string, Uint8Array>()

function rememberKeyBytes(address: string, bytes: Uint8Array): void {
  // Bounded: trial keys are single-use, so an unbounded cache would only grow.
  if (keyBytesCache.size > 100_000) keyBytesCache.clear()
  keyBytesCache.set(address, bytes)
}

/** The 32 raw bytes of a base58 address (cached: base58 decoding is slow). */
export function keyBytes(address: string): Uint8Array {
  let b = keyBytesCache.get(address)
  if (!b) {
    b = bs58.decode(address)
    if (b.length !== 32) throw new RangeError(`not a 32-byte address: ${address}`)
    rememberKeyBytes(address, b)
  }
  return b
}

/** A signer whose seed is sha256(label): stable across runs and seeds (mint, pool, resolver...). */
export function labelledSigner(label: string): Signer {
  return signerFromSeed(new Uint8Array(createHash('sha256').update(`fare-localnet:key:${label}`).digest()))
}

/** The web3.js Keypair for a signer (64-byte secret = seed ‖ public key). */
export function toKeypair(signer: Signer): Keypair {
  const secret = new Uint8Array(64)
  secret.set(signer.seed, 0)
  secret.set(bs58.decode(signer.address), 32)
  return Keypair.fromSecretKey(secret, { skipValidation: true })
}
