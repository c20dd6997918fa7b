import nacl from 'tweetnacl'
import { decodeBase58 } from './address'

/**
 * True when `signature` (base58, 64 bytes) is `wallet`'s ed25519 signature of the UTF-8 bytes of
 * `message`. Never throws: malformed input is simply not a valid signature.
 */
export function verifySiwsSignature(message: string, signature: string, wallet: string): boolean {
  const sig = decodeBase58(signature)
  const key = decodeBase58(wallet)
  if (!sig || sig.length !== nacl.sign.signatureLength || !key || key.length !== nacl.sign.publicKeyLength) return false
  try {
    return nacl.sign.detached.verify(new TextEncoder().encode(message), sig, key)
  }
  catch {
    return false
  }
}
