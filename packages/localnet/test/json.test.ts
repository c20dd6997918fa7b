import { describe, expect, it } from 'vitest'
import { uiAmountOf } from '../src/rpc/encode-tx'
import { F64, formatF64, toJson } from '../src/rpc/json'

describe('formatF64 (serde_json, which prints f64 with ryu)', () => {
  it('lays out the shortest digits as ryu does, not as JavaScript does', () => {
    const cases: [number, string][] = [
      [15, '15.0'], [0, '0.0'], [-0, '-0.0'], [3.8, '3.8'], [972944387504.1191, '972944387504.1191'],
      [0.000917512, '0.000917512'], [0.00001, '0.00001'], [0.000012, '0.000012'],
      // Below 1e-5 ryu writes an exponent, where JavaScript still writes `0.000005`.
      [0.000005, '5e-6'], [0.0000015, '1.5e-6'], [4.940656e-318, '4.940656e-318'], [5e-324, '5e-324'],
      // An integer below 1e16 keeps its digits; from 1e16 on ryu writes an exponent, without a `+`.
      [1234567890123456, '1234567890123456.0'], [1e16, '1e16'], [-2.109808898695963e16, '-2.109808898695963e16'],
      [1.7976931348623157e308, '1.7976931348623157e308'],
    ]
    for (const [value, text] of cases) expect(formatF64(value), String(value)).toBe(text)
    expect(formatF64(Number.NaN)).toBe('null')
    // Whatever the layout, the text reads back as the same double.
    for (const [value, text] of cases) expect(Object.is(Number(text), value), text).toBe(true)
  })

  it('is what toJson writes for an F64', () => {
    expect(toJson({ uiAmount: new F64(0.000005), decimals: 6 }, true)).toBe('{"decimals":6,"uiAmount":5e-6}')
  })
})

describe('uiAmount of a token balance', () => {
  it('is the amount as an f64 over 10^decimals as an f64, as Agave computes it', () => {
    // Read back from the decimal string, a balance past 2^53 differed in its last digits.
    expect(formatF64(uiAmountOf(99_999_999_997_015_000n, 6)!)).toBe('99999999997.01501')
    expect(formatF64(uiAmountOf(15_000_000n, 6)!)).toBe('15.0')
    expect(formatF64(uiAmountOf(1n, 9)!)).toBe('1e-9')
    // Zero, and 10^decimals past a u64: none.
    expect([uiAmountOf(0n, 6), uiAmountOf(5n, 20)]).toEqual([null, null])
  })
})
