/**
 * The checks tweetnacl's `sign.detached.verify` leaves out, which RFC 8032 and libsodium make.
 *
 * A public key of small order (one of the curve's 8 torsion points) has no private key, yet verifies
 * a forged signature: with R the identity and s = 0, [s]B = R + [h]A holds whenever [h]A is the
 * identity, for one message hash in 8 or fewer. `11111111111111111111111111111111`, the System
 * Program's id (y = 0, order 4), is one: anyone could sign in as it in a few tries. A scalar `s` of L or
 * more is the same signature written another way (s and s + L give one point).
 */

/** The field prime 2^255 - 19. */
const P = 2n ** 255n - 19n
/** The order of the base point: a valid signature's `s` is below it. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n
/** y of the two pairs of order-8 points (x and -x share a y); the others are p minus it. */
const Y8 = 2707385501144840649318225287225658788936804267575313519463743609750303402022n
/**
 * The y of every torsion point: the identity (1), order 2 (-1), order 4 (0), order 8 (±Y8). A point's
 * y and its sign bit are its encoding, so this set covers all 8 points whichever sign is written.
 */
const SMALL_ORDER_Y = new Set([1n, P - 1n, 0n, Y8, P - Y8])

/** The little-endian number in `bytes`. */
function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!)
  return n
}

/**
 * True when a 32-byte ed25519 public key may have a private key: its y is canonical (below p) and not
 * that of a small-order point. (Whether the point is on the curve at all, verification finds out.)
 */
export function isStrictPublicKey(key: Uint8Array): boolean {
  if (key.length !== 32) return false
  const y = littleEndian(key) & ((1n << 255n) - 1n) // the top bit is x's sign
  return y < P && !SMALL_ORDER_Y.has(y)
}

/** True when a 64-byte ed25519 signature's scalar `s` (its second half) is below L, as RFC 8032 requires. */
export function hasCanonicalScalar(signature: Uint8Array): boolean {
  return signature.length === 64 && littleEndian(signature.subarray(32)) < L
}
