import nacl from 'tweetnacl'
import { decodeBase58 } from './address'
import { hasCanonicalScalar, isStrictPublicKey } from './ed25519-strict'

/**
 * True when `signature` (base58, 64 bytes) is `wallet`'s ed25519 signature of the UTF-8 bytes of
 * `message`. Never throws: malformed input is simply not a valid signature. Strict where tweetnacl is
 * not (see `ed25519-strict.ts`): a key of small order, which no private key has, never verifies, nor
 * does a signature whose scalar is not reduced.
 */
export function verifySiwsSignature(message: string, signature: string, wallet: string): boolean {
  const sig = decodeBase58(signature)
  const key = decodeBase58(wallet)
  if (!sig || sig.length !== nacl.sign.signatureLength || !key || key.length !== nacl.sign.publicKeyLength) return false
  if (!isStrictPublicKey(key) || !hasCanonicalScalar(sig)) return false
  try {
    return nacl.sign.detached.verify(new TextEncoder().encode(message), sig, key)
  }
  catch {
    return false
  }
}
