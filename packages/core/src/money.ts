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
  // An integer k (every double from 2^53 on is one) is exact as it is: BigInt(k).
  if (Number.isInteger(k)) return wager * BigInt(k)
  // `k * 1e9` is exact only while it stays below 2^53; past that, k's decimal digits are scaled instead.
  const scaled = k * 1e9 < INTEGER_DOUBLES ? BigInt(Math.round(k * 1e9)) : scaledDecimal(k)
  return (wager * scaled) / SCALE
}

/**
 * `k * 1e9` rounded half up, from k's shortest decimal form (what it prints as): exact where the
 * double product is not. Only for `k` above 2^53 / 1e9 (about 9 million), not an integer.
 */
function scaledDecimal(k: number): bigint {
  const [mantissa, exponent] = k.toExponential().split('e') as [string, string]
  const digits = mantissa.replace('.', '')
  // k = 0.<digits> * 10^(exponent + 1); scaled by 1e9, the first `exponent + 10` digits are whole units.
  const whole = Number(exponent) + 10
  const units = BigInt(digits.slice(0, whole).padEnd(whole, '0'))
  return digits.length > whole && Number(digits[whole]) >= 5 ? units + 1n : units
}

/** Parses a decimal string of base units; throws on anything else (no floats, no signs but `-`). */
export function parseAmount(value: string): bigint {
  if (!/^-?\d{1,40}$/.test(value)) throw new TypeError(`not an amount in base units: ${value}`)
  return BigInt(value)
}
