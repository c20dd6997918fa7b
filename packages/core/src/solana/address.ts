import bs58 from 'bs58'

/** Solana public keys are 32 bytes; base58 makes them 32 to 44 characters. */
const BASE58_RE = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/

/** True when `value` is a base58 string that decodes to exactly 32 bytes (a Solana address). */
export function isWalletAddress(value: unknown): value is string {
  if (typeof value !== 'string' || !BASE58_RE.test(value)) return false
  try {
    return bs58.decode(value).length === 32
  }
  catch {
    return false
  }
}

/** Decodes a base58 string, or returns null when it is not base58. */
export function decodeBase58(value: string): Uint8Array | null {
  try {
    return bs58.decode(value)
  }
  catch {
    return null
  }
}
