/**
 * Money is `bigint` in base units everywhere inside fare casino; JSON carries it as a decimal string.
 * The Fare Vault expresses payouts as f64 multiples (`k`) of the wager, so the one place where a float
 * meets money is here, done with a fixed-point scale so that wagers above 2^53 stay exact.
 */

/** Fixed-point scale for multipliers: 1e9 keeps nine decimal digits of `k`. */
const SCALE = 1_000_000_000n

/** `wager * k` rounded down to a base unit, exact for any bigint wager. */
export function applyMultiplier(wager: bigint, k: number): bigint {
  if (!Number.isFinite(k) || k <= 0) return 0n
  const scaled = BigInt(Math.round(k * 1e9))
  return (wager * scaled) / SCALE
}

/** Parses a decimal string of base units; throws on anything else (no floats, no signs but `-`). */
export function parseAmount(value: string): bigint {
  if (!/^-?\d{1,40}$/.test(value)) throw new TypeError(`not an amount in base units: ${value}`)
  return BigInt(value)
}
