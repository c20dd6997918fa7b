import { Buffer } from 'node:buffer'

/**
 * JSON.parse of a large JSON array (a getTransaction batch body, a page of signatures), element by
 * element.
 *
 * V8 keeps a string of more than 128 KiB (less a 16-byte header) in its large-object space: each one
 * is a fresh mapping of memory, page-faulted in, then unmapped once collected. Where a page fault is
 * slow, as on this project's machines, that is most of what parsing costs: decoding a body of 131,056
 * bytes took 14 µs and one of 131,064 bytes 640 µs, all of it in the kernel. A getTransaction batch body
 * of 50 transactions of 2.7 KB (134 KB) took 700-975 µs to parse whole, 330-400 µs element by element,
 * each a few KB in V8's reused young generation. Below the threshold one string is cheaper (~8%). A page of
 * 1,000 signatures (~200 KB) is such a body too, 41 of them before the first fetch of a 40,000-transaction
 * backlog.
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

/**
 * `JSON.parse` of UTF-8 bytes. A large array, or a response envelope whose `result` is a large array
 * (a page of getSignaturesForAddress), is parsed element by element: the same value, keys in the same
 * order, and the same SyntaxError when the body is not JSON (bodies longer than V8's longest string,
 * 512 MiB, which JSON.parse of the whole cannot take, are parsed).
 */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  if (bytes.byteLength > PIECEWISE_PARSE_BYTES) {
    const parsed = parseInPieces(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    if (parsed) return parsed
  }
  return JSON.parse(utf8.decode(bytes))
}

const OPEN_BRACKET = 0x5B
const CLOSE_BRACKET = 0x5D
const OPEN_BRACE = 0x7B
const CLOSE_BRACE = 0x7D
const QUOTE = 0x22
const COLON = 0x3A
const BACKSLASH = 0x5C
/** The size of a run of elements parsed at once: with the next element it stays below V8's large-object size. */
const PIECE_BYTES = 64 * 1024
/** A key longer than this is not a JSON-RPC envelope's: not worth searching for. */
const MAX_KEY_BYTES = 64
/** An envelope's head or tail is a few dozen bytes: more is not a plain envelope. */
const MAX_ENVELOPE_BYTES = 128

/**
 * `{"jsonrpc":"2.0",`, then the id or not (a number, or a string of printable ASCII without escapes),
 * then `"result":[`: the result is the envelope's own (no other object is open).
 */
const ENVELOPE_HEAD = /^\{"jsonrpc":"2\.0",(?:"id":(?:-?\d+|"[\x20\x21\x23-\x5B\x5D-\x7E]*"),)?"result":\[/
/** `]`, then the id (or null) or not, then `}`. */
const ENVELOPE_TAIL = /^\](?:,"id":(?:-?\d+|"[\x20\x21\x23-\x5B\x5D-\x7E]*"|null))?\}$/

/** JSON's whitespace: space, tab, line feed, carriage return. */
const isSpace = (byte: number | undefined): boolean => byte === 0x20 || byte === 0x0A || byte === 0x0D || byte === 0x09

/**
 * What `text` holds, with its large array parsed element by element: `text` is an array, or a plain
 * envelope around an array result. Undefined when it is neither, when the elements are not objects
 * written compactly, or when a piece does not parse (the caller then parses the whole).
 */
export function parseInPieces(text: Buffer): unknown {
  let start = 0
  while (isSpace(text[start])) start++
  let end = text.length
  while (end > start && isSpace(text[end - 1])) end--
  if (text[start] === OPEN_BRACKET && text[end - 1] === CLOSE_BRACKET) return elementsIn(text, start + 1, end - 1)
  if (text[start] !== OPEN_BRACE || text[end - 1] !== CLOSE_BRACE) return undefined
  const head = ENVELOPE_HEAD.exec(text.toString('latin1', start, Math.min(end, start + MAX_ENVELOPE_BYTES)))?.[0]
  const close = text.lastIndexOf(CLOSE_BRACKET, end - 1)
  if (head === undefined || close < start + head.length || end - close > MAX_ENVELOPE_BYTES) return undefined
  const tail = text.toString('latin1', close, end)
  if (!ENVELOPE_TAIL.test(tail)) return undefined
  const result = elementsIn(text, start + head.length, close)
  if (!result) return undefined
  // The envelope with its result as null, in place (its keys keep their order), then the array there. An
  // envelope that is not JSON (an id of `01`) is parsed whole, for JSON.parse's own error.
  let envelope: Record<string, unknown>
  try {
    envelope = JSON.parse(`${head.slice(0, -1)}null${tail.slice(1)}`) as Record<string, unknown>
  }
  catch {
    return undefined
  }
  envelope.result = result
  return envelope
}

/**
 * The elements of the array whose inside is [from, end) of `text`, or undefined. Parsed a run of
 * elements at a time, each run about {@link PIECE_BYTES} (a few elements of a batch body, hundreds of
 * signatures): one parse per element cost more than the large string it avoids.
 */
function elementsIn(text: Buffer, from: number, end: number): unknown[] | undefined {
  while (isSpace(text[from])) from++
  while (end > from && isSpace(text[end - 1])) end--
  if (from === end) return []
  const separator = separatorAt(text, from)
  if (!separator) return undefined
  const elements: unknown[] = []
  try {
    for (;;) {
      // The first separator past the run's size ends the run (a run is at least one element).
      const found = from + PIECE_BYTES < end ? text.indexOf(separator, from + PIECE_BYTES) : -1
      const stop = found < 0 || found >= end ? end : found
      // No separator at all (JSON written with spaces, `}, {`): one run would be the whole, a large string
      // and its copy in brackets. Parsed whole instead, once.
      if (elements.length === 0 && stop === end && end - from > PIECEWISE_PARSE_BYTES) return undefined
      const run = JSON.parse(`[${text.toString('utf8', from, stop)}]`) as unknown[]
      for (const element of run) elements.push(element)
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
