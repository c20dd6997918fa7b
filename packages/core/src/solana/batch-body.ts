import { Buffer } from 'node:buffer'

/**
 * What a JSON-RPC batch body says before anyone parses it. The indexer hands getTransaction batch
 * bodies to its decode thread unparsed, but the rate-limit pacing has to learn of a refusal where the
 * request was queued: these read the bytes with native searches, without building a single object.
 */

/** True when a JSON body's first byte after white space opens an array (a batch answer). */
export function opensArray(bytes: Uint8Array): boolean {
  // A UTF-8 byte order mark, which the parser drops too.
  const from = bytes[0] === 0xEF && bytes[1] === 0xBB && bytes[2] === 0xBF ? 3 : 0
  for (let i = from; i < bytes.length; i++) {
    const byte = bytes[i]
    if (!isJsonSpace(byte!)) return byte === 0x5B
  }
  return false
}

/**
 * The `"code"` key, searched for without its opening quote: a search starting with `"`, the most
 * common byte of JSON, took three times as long (38 against 12 µs over a 110 KB batch). No
 * getTransaction result has this key; only a JSON-RPC error object does.
 */
const CODE_KEY_TAIL = Buffer.from('code"')

/**
 * True when one of a batch body's answers is an error with code 429 (a provider's "too many requests"
 * for that call alone). Only a key can match: a `"` inside a JSON string is always escaped, so text
 * such as `"code": 429` in a log line reads `\"code\": 429` in the body and is never found here.
 * Written as `429` only: `429.0` or `4.29e2` (which no provider is known to send) are missed, and a 429
 * nested in another error's `data` is found; either way the cost is one pause more or less, never an answer.
 */
export function hasRateLimitedAnswer(bytes: Uint8Array): boolean {
  const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let at = body.indexOf(CODE_KEY_TAIL, 1); at !== -1; at = body.indexOf(CODE_KEY_TAIL, at + CODE_KEY_TAIL.length)) {
    if (body[at - 1] !== 0x22) continue
    let i = skipSpace(body, at + CODE_KEY_TAIL.length)
    if (body[i] !== 0x3A) continue
    i = skipSpace(body, i + 1)
    // 4, 2, 9, then no further digit, fraction or exponent: the number 429 exactly.
    if (body[i] === 0x34 && body[i + 1] === 0x32 && body[i + 2] === 0x39 && !continuesNumber(body[i + 3])) return true
  }
  return false
}

/** JSON's white space: space, tab, line feed, carriage return. */
function isJsonSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0A || byte === 0x0D
}

function skipSpace(body: Uint8Array, from: number): number {
  let i = from
  while (i < body.length && isJsonSpace(body[i]!)) i++
  return i
}

/** True for a byte that would make the number go on: a digit, `.`, `e` or `E`. */
function continuesNumber(byte: number | undefined): boolean {
  return byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || byte === 0x2E || byte === 0x65 || byte === 0x45)
}
