import { describe, expect, it } from 'vitest'
import { applyMultiplier, parseAmount } from '../src/money'

describe('applyMultiplier', () => {
  it('is exact above 2^53 for ordinary multipliers', () => {
    expect(applyMultiplier(2n ** 60n, 1.98)).toBe((2n ** 60n * 198n) / 100n)
    expect(applyMultiplier(2n ** 64n - 1n, 1)).toBe(2n ** 64n - 1n)
    expect(applyMultiplier(10n, 0.5)).toBe(5n)
  })

  it('gives a finite payout for every finite k, however large (an absurd on-chain value must not throw)', () => {
    const wager = 2n ** 64n - 1n
    for (const k of [1e299, 1.8e299, 1e300, 1e308, Number.MAX_VALUE, 2 ** 1000]) {
      const payout = applyMultiplier(wager, k)
      // Every double this large is an integer: the product is exact.
      expect(payout).toBe(wager * BigInt(k))
    }
    // Around the switch between the two paths, the result grows with k.
    expect(applyMultiplier(1n, 1e290)).toBe(BigInt(1e290))
  })

  it('is exact for a large k, where k * 1e9 passes 2^53 (the double product was off by units)', () => {
    expect(applyMultiplier(1000n, 1e15)).toBe(10n ** 18n) // was 999999999999999983
    expect(applyMultiplier(3n, 2 ** 53 - 1)).toBe(3n * (2n ** 53n - 1n)) // was one unit low
    expect(applyMultiplier(7n, 4_600_000_001)).toBe(7n * 4_600_000_001n)
    // Not an integer: k's decimal digits, scaled by 1e9, then the wager.
    expect(applyMultiplier(4n, 1e10 + 0.25)).toBe(40_000_000_001n)
    expect(applyMultiplier(2n, 9_007_199.5)).toBe(18_014_399n)
    // From 2^22 on, k's binary value may round to another unit than the decimal it prints as.
    expect(applyMultiplier(10n ** 9n, 8_975_677.13)).toBe(8_975_677_130_000_000n) // was …001
    // Below the switch nothing changes: nine decimals of k, rounded.
    expect(applyMultiplier(10n ** 9n, 1.0000000005)).toBe(1_000_000_001n)
  })

  it('pays nothing for a negative, NaN or infinite k', () => {
    for (const k of [-1, -Number.MAX_VALUE, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0]) {
      expect(applyMultiplier(2n ** 60n, k)).toBe(0n)
    }
  })
})

describe('parseAmount', () => {
  it('parses base units and refuses anything else', () => {
    expect(parseAmount('18446744073709551615')).toBe(2n ** 64n - 1n)
    expect(() => parseAmount('1.5')).toThrow(TypeError)
  })
})
