/**
 * Money is `bigint` in base units everywhere inside fare casino; JSON carries it as a decimal string.
 * The Fare Vault expresses payouts as f64 multiples (`k`) of the wager, so the one place where a float
 * meets money is here, done with a fixed-point scale so that wagers above 2^53 stay exact.
 */

/** Fixed-point scale for multipliers: 1e9 keeps nine decimal digits of `k`. */
const SCALE = 1_000_000_000n

/** Below this, `Math.round(k * 1e9)` gives the nine-decimal rounding of the decimal k prints as. */
const DOUBLE_ROUNDING_SAFE = 2 ** 22

/**
 * `wager * k` rounded down to a base unit, exact for any bigint wager. Total: a finite result for every
 * finite `k >= 0` (an absurd multiplier read from the chain must not make ingestion throw; whether the
 * store can hold the result is the store's business), and 0 for a negative, NaN or infinite `k`.
 */
export function applyMultiplier(wager: bigint, k: number): bigint {
  if (!Number.isFinite(k) || k <= 0) return 0n
  // An integer k (every double from 2^53 on is one) is exact as it is: BigInt(k).
  if (Number.isInteger(k)) return wager * BigInt(k)
  // Below 2^22 a double is within 2.4e-10 of the decimal it prints as, so `k * 1e9` rounds to the same
  // unit as that decimal; from 2^22 on it may not (8975677.13 paid as 8975677.130000001), and past 2^53 /
  // 1e9 the product itself is inexact: k's decimal digits are scaled instead.
  const scaled = k < DOUBLE_ROUNDING_SAFE ? BigInt(Math.round(k * 1e9)) : scaledDecimal(k)
  return (wager * scaled) / SCALE
}

/**
 * `k * 1e9` rounded half up, from k's shortest decimal form (what it prints as): exact where the
 * double product is not. For a `k` of 2^22 or more that is not an integer.
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
