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

/** Formats an f64 like serde_json (ryu): integral values get `.0`, exponents have no `+`. */
export function formatF64(v: number): string {
  if (!Number.isFinite(v)) return 'null'
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`
  return String(v).replace('e+', 'e')
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
