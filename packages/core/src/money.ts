/**
 * Money is `bigint` in base units everywhere inside fare casino; JSON carries it as a decimal string.
 * The Fare Vault expresses payouts as f64 multiples (`k`) of the wager, so the one place where a float
 * meets money is here, done with a fixed-point scale so that wagers above 2^53 stay exact.
 */

/** Fixed-point scale for multipliers: 1e9 keeps nine decimal digits of `k`. */
const SCALE = 1_000_000_000n

/** From here on every double is an integer, and `k * 1e9` is no longer exact (nor, past ~1.8e299, finite). */
const INTEGER_DOUBLES = 2 ** 53

/**
 * `wager * k` rounded down to a base unit, exact for any bigint wager. Total: a finite result for every
 * finite `k >= 0` (an absurd multiplier read from the chain must not make ingestion throw; whether the
 * store can hold the result is the store's business), and 0 for a negative, NaN or infinite `k`.
 */
export function applyMultiplier(wager: bigint, k: number): bigint {
  if (!Number.isFinite(k) || k <= 0) return 0n
  // A double this large is an integer: BigInt(k) is exact, where k * 1e9 would round (or overflow to Infinity).
  if (k >= INTEGER_DOUBLES) return wager * BigInt(k)
  const scaled = BigInt(Math.round(k * 1e9))
  return (wager * scaled) / SCALE
}

/** Parses a decimal string of base units; throws on anything else (no floats, no signs but `-`). */
export function parseAmount(value: string): bigint {
  if (!/^-?\d{1,40}$/.test(value)) throw new TypeError(`not an amount in base units: ${value}`)
  return BigInt(value)
}
