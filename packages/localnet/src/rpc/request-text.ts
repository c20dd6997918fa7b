/**
 * What a request body's text says that `JSON.parse` loses, and that changes how jsonrpc-core (serde_json)
 * reads it:
 * - a string with a lone surrogate escape (`"\ud800"`): serde_json refuses the whole text, a parse error;
 * - a request object with a member twice: serde's derived structs refuse it; an `id` twice even the
 *   catch-all reading of an invalid request (a parse error), another member a call (an invalid request);
 * - an id written `1.0` or `1e3`: a float, which jsonrpc-core's id (null, a u64 or a string) is not;
 * - an id above 2^53 (up to u64's 18446744073709551615): a u64, echoed digit for digit, where a double
 *   would round it.
 * - nesting deeper than 127 arrays and objects: past serde_json's recursion limit, a parse error;
 * - a number past the largest f64 (`1e400`, or 400 digits): serde_json refuses it ("number out of range"),
 *   a parse error, where JSON.parse reads Infinity;
 * - the text of each element of a body that is an array, and of each element's own elements: such an
 *   array can be one request written field by field (see dispatch.ts), whose id text matters as above.
 * The body is scanned once JSON.parse has accepted it, so the scanner can trust its syntax.
 */

/** What the text says of one request object: its `id` as written, and which member came twice. */
export interface RequestText {
  /** The `id` member's text (the last one), or undefined without one. */
  id?: string
  /** `id` came twice: no reading of the object takes it (a parse error). */
  duplicateId: boolean
  /** Another member came twice: not a call, only an invalid request with its id. */
  duplicateOther: boolean
}

/** What the text of a body says: a lone surrogate anywhere, and each request object (the body's, or each of a batch's). */
export interface BodyText {
  /** A `\uXXXX` escape of half a surrogate pair in some string: no JSON to serde_json. */
  loneSurrogate: boolean
  /** Arrays and objects nested deeper than serde_json reads (its recursion limit): scanned no further. */
  tooDeep: boolean
  /** A number whose value passes the largest f64 somewhere: no JSON to serde_json. */
  numberOutOfRange: boolean
  /** The body's request (an object), or its elements' (an array; undefined for an element that is no object). */
  requests: RequestText | (RequestText | undefined)[] | undefined
  /**
   * For a body that is an array: the text of each element, and for an element that is an array itself,
   * the text of each of its elements (undefined for the others).
   */
  elements?: { texts: string[], nested: (string[] | undefined)[] }
}

const QUOTE = 0x22
const BACKSLASH = 0x5C
/**
 * Deepest nesting serde_json reads: it starts with a depth budget of 128 and fails when entering an
 * array or object takes it to 0, so 127 levels read and 128 do not.
 */
export const MAX_NESTING = 127

/** Thrown inside the scan when the nesting passes {@link MAX_NESTING}: it stops there (no deep recursion). */
const TOO_DEEP = Symbol('too deep')

/** Scans `text`, valid JSON (JSON.parse accepted it). */
export function scanRequestText(text: string): BodyText {
  let i = 0
  let loneSurrogate = false
  let numberOutOfRange = false
  let depth = 0

  const space = () => {
    for (let c = text.charCodeAt(i); c === 0x20 || c === 0x09 || c === 0x0A || c === 0x0D; c = text.charCodeAt(++i));
  }
  /** Skips a string at `i` (its opening quote), noting a lone surrogate escape. */
  const string = () => {
    i++
    let pendingHigh = false
    for (;;) {
      const c = text.charCodeAt(i)
      if (c === QUOTE) break
      if (c === BACKSLASH && text[i + 1] === 'u') {
        const unit = Number.parseInt(text.slice(i + 2, i + 6), 16)
        if (unit >= 0xDC00 && unit <= 0xDFFF && !pendingHigh) loneSurrogate = true
        if (pendingHigh && !(unit >= 0xDC00 && unit <= 0xDFFF)) loneSurrogate = true
        pendingHigh = unit >= 0xD800 && unit <= 0xDBFF
        i += 6
        continue
      }
      if (pendingHigh) loneSurrogate = true
      pendingHigh = false
      i += c === BACKSLASH ? 2 : 1
    }
    if (pendingHigh) loneSurrogate = true
    i++
  }
  /** Skips any value at `i`; for an object, `member` is told each member's key and value text. */
  const value = (member?: (key: string, from: number, to: number) => void): void => {
    const c = text[i]
    if (c === '"') return string()
    if (c === '[') return array()
    if (c === '{') {
      if (++depth > MAX_NESTING) throw TOO_DEEP
      i++
      space()
      if (text[i] === '}') {
        i++
        depth--
        return
      }
      for (;;) {
        space()
        const keyFrom = i
        string()
        const key = JSON.parse(text.slice(keyFrom, i)) as string
        space()
        i++ // ':'
        space()
        const from = i
        value()
        member?.(key, from, i)
        space()
        if (text[i++] === '}') {
          depth--
          return
        }
      }
    }
    // A number or a literal: up to the next delimiter.
    const from = i
    while (i < text.length && !',}] \t\n\r'.includes(text[i]!)) i++
    if ((c === '-' || (c! >= '0' && c! <= '9')) && !Number.isFinite(Number(text.slice(from, i)))) numberOutOfRange = true
  }

  /** Skips the array at `i`, reading each element with `element`; `texts`, if given, gets each element's text. */
  const array = (element: () => void = value, texts?: string[]): void => {
    if (++depth > MAX_NESTING) throw TOO_DEEP
    i++
    space()
    if (text[i] === ']') {
      i++
      depth--
      return
    }
    for (;;) {
      space()
      const from = i
      element()
      texts?.push(text.slice(from, i))
      space()
      if (text[i++] === ']') {
        depth--
        return
      }
    }
  }

  /** The request at `i`, when it is an object. */
  const request = (): RequestText | undefined => {
    if (text[i] !== '{') {
      value()
      return undefined
    }
    const out: RequestText = { duplicateId: false, duplicateOther: false }
    const seen = new Set<string>()
    value((key, from, to) => {
      if (seen.has(key)) {
        if (key === 'id') out.duplicateId = true
        else out.duplicateOther = true
      }
      seen.add(key)
      if (key === 'id') out.id = text.slice(from, to)
    })
    return out
  }

  space()
  let requests: BodyText['requests']
  let elements: BodyText['elements']
  try {
    if (text[i] === '[') {
      // The batch's own array is a level of nesting too (array() counts it).
      const calls: (RequestText | undefined)[] = []
      const texts: string[] = []
      const nested: (string[] | undefined)[] = []
      array(() => {
        let inner: string[] | undefined
        if (text[i] === '[') array(value, inner = [])
        calls.push(inner ? undefined : request())
        nested.push(inner)
      }, texts)
      requests = calls
      elements = { texts, nested }
    }
    else {
      requests = request()
    }
  }
  catch (error) {
    if (error !== TOO_DEEP) throw error
    return { loneSurrogate, tooDeep: true, numberOutOfRange, requests: undefined }
  }
  return { loneSurrogate, tooDeep: false, numberOutOfRange, requests, ...(elements ? { elements } : {}) }
}

/** Largest id jsonrpc-core reads as a number: u64's maximum. */
const U64_MAX = 2n ** 64n - 1n

/**
 * How jsonrpc-core reads an id written `text` (a member's text, from {@link scanRequestText}): `'float'`
 * for a number it cannot read as a u64 (`1.0`, `1e3`, `-1`, past u64), `'exact'` for a u64 past 2^53
 * (kept as its digits), `'plain'` otherwise (JSON.parse's value is the id).
 */
export function idTextKind(text: string): 'float' | 'exact' | 'plain' {
  const c = text[0]!
  if (c !== '-' && (c < '0' || c > '9')) return 'plain'
  if (!/^\d+$/.test(text) || BigInt(text) > U64_MAX) return 'float'
  return Number.isSafeInteger(Number(text)) ? 'plain' : 'exact'
}
