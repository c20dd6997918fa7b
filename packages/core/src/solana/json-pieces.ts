import { Buffer } from 'node:buffer'

/**
 * JSON.parse of a large JSON array, element by element.
 *
 * V8 keeps a string of more than 128 KiB (less a 16-byte header) in its large-object space: each one
 * is a fresh mapping of memory, page-faulted in, then unmapped once collected. Where a page fault is
 * slow, as on this project's machines, that is most of what parsing costs: decoding a body of 131,056
 * bytes took 14 µs and one of 131,064 bytes 640 µs, all of it in the kernel. A getTransaction batch body
 * of 50 transactions of 2.7 KB (134 KB) took 700-975 µs to parse whole, 330-400 µs element by element,
 * each a few KB in V8's reused young generation. Below the threshold one string is cheaper (~8%).
 *
 * The elements are found with a native byte search for what separates two of them as nodes write it
 * (compact JSON): a comma and the opening of an object with the first element's first key,
 * `,{"jsonrpc":`. Inside a JSON string a quote is always escaped, so that text only occurs between two
 * values. Should it occur between two values of a nested array (an object with the same first key), a
 * piece would not parse, and the whole text is parsed instead. When every piece parses, the result is
 * exactly what JSON.parse gives the whole text, which is `[` piece `,` piece … `]`.
 */

/**
 * Bodies up to this size are parsed whole: below V8's large-object size (131,056 one-byte characters on
 * Node 20; a little margin for other header sizes), one string is cheaper.
 */
export const PIECEWISE_PARSE_BYTES = 128 * 1024 - 64

const utf8 = new TextDecoder()

/** `JSON.parse` of UTF-8 bytes; a large array is parsed element by element (same result, see above). */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  if (bytes.byteLength > PIECEWISE_PARSE_BYTES) {
    const elements = parseArrayInPieces(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    if (elements) return elements
  }
  return JSON.parse(utf8.decode(bytes))
}

const OPEN_BRACKET = 0x5B
const CLOSE_BRACKET = 0x5D
const OPEN_BRACE = 0x7B
const QUOTE = 0x22
const COLON = 0x3A
const BACKSLASH = 0x5C
/** A key longer than this is not a JSON-RPC envelope's: not worth searching for. */
const MAX_KEY_BYTES = 64

/** JSON's whitespace: space, tab, line feed, carriage return. */
const isSpace = (byte: number | undefined): boolean => byte === 0x20 || byte === 0x0A || byte === 0x0D || byte === 0x09

/**
 * The elements of the array `text` holds, each parsed on its own, or undefined when it is not an array
 * of objects written compactly, or when a piece does not parse (the caller then parses the whole).
 */
export function parseArrayInPieces(text: Buffer): unknown[] | undefined {
  let start = 0
  while (isSpace(text[start])) start++
  let end = text.length
  while (end > start && isSpace(text[end - 1])) end--
  if (text[start] !== OPEN_BRACKET || text[end - 1] !== CLOSE_BRACKET) return undefined
  start++
  end-- // the elements lie in [start, end)
  while (isSpace(text[start])) start++
  const separator = separatorAt(text, start)
  if (!separator) return undefined
  const elements: unknown[] = []
  try {
    for (let from = start; ;) {
      const found = text.indexOf(separator, from)
      const stop = found < 0 || found >= end ? end : found
      elements.push(JSON.parse(text.toString('utf8', from, stop)))
      if (stop === end) return elements
      from = stop + 1
    }
  }
  catch {
    return undefined
  }
}

/** `,{"key":` for the object at `at` whose first key is `key` written plainly, or undefined. */
function separatorAt(text: Buffer, at: number): Buffer | undefined {
  if (text[at] !== OPEN_BRACE || text[at + 1] !== QUOTE) return undefined
  for (let i = at + 2; i < at + 2 + MAX_KEY_BYTES && i < text.length; i++) {
    const byte = text[i]
    if (byte === BACKSLASH) return undefined
    if (byte === QUOTE) return text[i + 1] === COLON ? Buffer.concat([Buffer.from(','), text.subarray(at, i + 2)]) : undefined
  }
  return undefined
}
