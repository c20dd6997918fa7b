/**
 * JSON output the way Agave's serde_json writes it: object keys of a `result` sorted (the value
 * passes through a BTreeMap), u64 as bare integers (bigint here, never rounded through a double),
 * and f64 always with a decimal point (`15.0`), which JSON.stringify cannot express.
 */

/** Marks a number that must print as an f64 (`1.0`, not `1`). */
export class F64 {
  constructor(readonly value: number) {}
}

/** Text that is already serialized JSON (cached answers): written as is. */
export class RawJson {
  constructor(readonly text: string) {}
}

/**
 * Formats an f64 like serde_json, which prints with ryu: the shortest digits that read back the same
 * (JavaScript finds the same ones), laid out by ryu's rules, which are not JavaScript's. With `kk` the
 * position of the decimal point after the first digit: `12340000000.0` while the value is an integer
 * below 1e16, `12.34` below 1e16, `0.001234` down to 1e-5, and an exponent beyond (`5e-6`, `1.5e16`;
 * JavaScript writes `0.000005` and `15000000000000000`). Non-finite values have no JSON: `null`.
 */
export function formatF64(v: number): string {
  if (!Number.isFinite(v)) return 'null'
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0'
  const [mantissa, exponent] = Math.abs(v).toExponential().split('e') as [string, string]
  const digits = mantissa.replace('.', '')
  const length = digits.length
  const kk = Number(exponent) + 1
  const sign = v < 0 ? '-' : ''
  if (kk >= length && kk <= 16) return `${sign}${digits}${'0'.repeat(kk - length)}.0`
  if (kk > 0 && kk <= 16) return `${sign}${digits.slice(0, kk)}.${digits.slice(kk)}`
  if (kk > -5 && kk <= 0) return `${sign}0.${'0'.repeat(-kk)}${digits}`
  return `${sign}${length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`}e${kk - 1}`
}

/** Serializes a value; with `sortKeys` every object's keys come out in byte order. */
export function toJson(value: unknown, sortKeys: boolean): string {
  if (value === null || value === undefined) return 'null'
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null'
    case 'bigint':
      return value.toString()
    case 'boolean':
      return value ? 'true' : 'false'
    case 'object': {
      if (value instanceof RawJson) return value.text
      if (value instanceof F64) return formatF64(value.value)
      if (Array.isArray(value)) return `[${value.map((v) => toJson(v, sortKeys)).join(',')}]`
      const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      if (sortKeys) keys.sort()
      return `{${keys.map((k) => `${JSON.stringify(k)}:${toJson((value as Record<string, unknown>)[k], sortKeys)}`).join(',')}}`
    }
    default:
      return 'null'
  }
}
