import { describe, expect, it } from 'vitest'
import { Buffer } from 'node:buffer'
import { parseInPieces, parseJsonBytes, PIECEWISE_PARSE_BYTES } from '../../src/solana/json-pieces'
import { parseRpcBody } from '../../src/solana/rpc'
import { RpcError } from '../../src/solana/rpc-errors'
import { seeded } from '../indexer/fake-chain'

const random = seeded(7)
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
const utf8 = new TextEncoder()
/** What parsing the whole body gives: the reference every body must match. */
const whole = (bytes: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(bytes))

/** Text that tries every way a separator could be faked: escaped quotes, brackets, braces, commas, non-ASCII. */
const tricky = ['plain', ',{"jsonrpc":', '\\",{\\"jsonrpc\\":', '},{', '"', '\\', 'é', '€', '😀', '\n', ']', '[', '{"id":1}', '\u0000']

/** A JSON-RPC answer: a result with nested objects (some whose first key is the envelope's), or an error. */
function answer(id: number): Record<string, unknown> {
  if (random() < 0.1) return { jsonrpc: '2.0', error: { code: -32004, message: pick(tricky) }, id }
  const logs = Array.from({ length: 1 + Math.floor(random() * 8) }, () => Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(tricky)).join(''))
  // An array of objects whose first key is the envelope's own: a separator that is not one.
  const nested = random() < 0.3 ? [{ jsonrpc: pick(tricky), n: 1 }, { jsonrpc: '2.0', id }] : []
  return { jsonrpc: '2.0', result: { slot: id * 7, meta: { err: null, logMessages: logs, nested }, blob: 'x'.repeat(Math.floor(random() * 6000)) }, id }
}

/** A batch body larger than the piecewise threshold. */
function batch(): unknown[] {
  const answers: unknown[] = []
  let size = 0
  for (let id = 1; size <= PIECEWISE_PARSE_BYTES * 1.5; id++) {
    const a = answer(id)
    size += JSON.stringify(a).length
    answers.push(a)
  }
  return answers
}

describe('parseJsonBytes (large arrays parsed element by element)', () => {
  it('gives what JSON.parse of the whole body gives, for compact and spaced bodies', () => {
    for (let round = 0; round < 30; round++) {
      const value = batch()
      const text = random() < 0.3 ? JSON.stringify(value, null, pick([1, 2, '\t'])) : ` \n${JSON.stringify(value)}\r\n`
      const bytes = utf8.encode(text)
      expect(bytes.byteLength).toBeGreaterThan(PIECEWISE_PARSE_BYTES)
      expect(parseJsonBytes(bytes)).toEqual(whole(bytes))
      // A view into a larger buffer reads only its own bytes.
      const padded = new Uint8Array(bytes.byteLength + 20).fill(0x5D)
      padded.set(bytes, 10)
      expect(parseJsonBytes(padded.subarray(10, 10 + bytes.byteLength))).toEqual(whole(bytes))
    }
  })

  it('decodes invalid UTF-8 inside strings as TextDecoder does (U+FFFD), wherever it lies', () => {
    const invalid = [[0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0xFF], [0x80], [0xED, 0xA0, 0x80], [0xC0, 0xAF]]
    for (let round = 0; round < 40; round++) {
      const bytes = utf8.encode(JSON.stringify(batch()))
      // Overwrite bytes inside a string (a run of 'x' in a blob) with a broken sequence, or just before a quote.
      const out = Array.from(bytes)
      for (let k = 0; k < 20; k++) {
        const at = out.indexOf(0x78, Math.floor(random() * out.length))
        if (at < 0) continue
        const broken = pick(invalid)
        out.splice(at, broken.length, ...broken)
      }
      const mutated = Uint8Array.from(out)
      expect(parseJsonBytes(mutated)).toEqual(whole(mutated))
    }
  })

  it('falls back to the whole body when a piece does not parse, and fails as JSON.parse fails', () => {
    // The envelope's first key repeated inside a nested array, right behind a comma: pieces that do not parse.
    // (Past the size of a run, where the search for the end of one starts.)
    const fake = [{ jsonrpc: '2.0', result: { pad: 'y'.repeat(PIECEWISE_PARSE_BYTES), list: [{ jsonrpc: 1 }, { jsonrpc: 2 }, { jsonrpc: 3 }] }, id: 1 }, { jsonrpc: '2.0', result: null, id: 2 }]
    const bytes = utf8.encode(JSON.stringify(fake))
    expect(parseInPieces(Buffer.from(bytes))).toBeUndefined()
    expect(parseJsonBytes(bytes)).toEqual(fake)
    // Truncated, as from a proxy that cut the body: the same SyntaxError as JSON.parse, and a retryable RpcError.
    const cut = bytes.subarray(0, bytes.byteLength - 30)
    expect(() => parseJsonBytes(cut)).toThrow(SyntaxError)
    const error = (() => {
      try {
        parseRpcBody('getTransaction', cut)
      }
      catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(RpcError)
    expect((error as RpcError).retryable).toBe(true)
    // Trailing garbage after a valid array is not JSON either.
    const trailing = utf8.encode(`${JSON.stringify(batch())}]`)
    expect(() => parseJsonBytes(trailing)).toThrow(SyntaxError)
  })

  it('takes the pieces of a compact batch of answers', () => {
    const answers = Array.from({ length: 60 }, (_, id) => ({ jsonrpc: '2.0', result: { slot: id, logMessages: ['Program log: ,{"jsonrpc":'], pad: 'z'.repeat(3000) }, id }))
    const bytes = Buffer.from(JSON.stringify(answers))
    expect(bytes.byteLength).toBeGreaterThan(PIECEWISE_PARSE_BYTES)
    expect(parseInPieces(bytes)).toEqual(answers)
  })

  it('takes the pieces of a large page of signatures in its envelope, with or without the id first', () => {
    const infos = Array.from({ length: 1000 }, (_, i) => ({ blockTime: 1_700_000_000 + i, confirmationStatus: 'finalized', err: i % 7 === 0 ? { InstructionError: [0, { Custom: 1 }] } : null, memo: i % 9 === 0 ? '[1] ,{"blockTime":' : null, signature: `sig${i}`.padEnd(88, 'x'), slot: 300_000_000 - i }))
    for (const text of [
      `{"jsonrpc":"2.0","result":${JSON.stringify(infos)},"id":17}`,
      `{"jsonrpc":"2.0","id":"req-1","result":${JSON.stringify(infos)}}`,
      ` {"jsonrpc":"2.0","result":${JSON.stringify(infos)}} \n`,
    ]) {
      const bytes = Buffer.from(text)
      expect(bytes.byteLength).toBeGreaterThan(PIECEWISE_PARSE_BYTES)
      const pieces = parseInPieces(bytes)
      expect(pieces).toEqual(JSON.parse(text))
      // The envelope's keys in the order the node wrote them.
      expect(JSON.stringify(parseJsonBytes(bytes))).toBe(JSON.stringify(JSON.parse(text)))
    }
    // An envelope that is not plain (an error, another key, an escaped id, a second result), or with nothing
    // to split, is parsed whole.
    const big = JSON.stringify(infos)
    for (const text of [
      `{"jsonrpc":"2.0","error":{"code":-32005,"message":"behind","data":${big}},"id":1}`,
      `{"jsonrpc":"2.0","result":${big},"context":{"slot":1},"id":1}`,
      `{"jsonrpc":"2.0","id":"a\\"b","result":${big}}`,
      `{"jsonrpc":"2.0","result":${big},"id":1,"result":[]}`,
      // One large element (itself holding a result): nothing to split.
      `{"jsonrpc":"2.0","result":[{"result":${big}}],"id":1}`,
    ]) {
      const bytes = Buffer.from(text)
      expect(parseInPieces(bytes)).toBeUndefined()
      expect(parseJsonBytes(bytes)).toEqual(JSON.parse(text))
    }
    // An id that is not JSON: JSON.parse's own error for the whole body, position and all.
    const badId = Buffer.from(`{"jsonrpc":"2.0","result":${big},"id":01}`)
    expect(() => parseJsonBytes(badId)).toThrow((() => {
      try {
        JSON.parse(badId.toString())
      }
      catch (error) {
        return (error as Error).message
      }
      return 'no error'
    })())
  })

  it('parses a body written with spaces between its elements whole, without trying a run of all of it', () => {
    const answers = Array.from({ length: 60 }, (_, id) => ({ jsonrpc: '2.0', result: { pad: 'z'.repeat(3000) }, id }))
    const spaced = Buffer.from(`[${answers.map(a => JSON.stringify(a)).join(', ')}]`)
    expect(spaced.byteLength).toBeGreaterThan(PIECEWISE_PARSE_BYTES)
    expect(parseInPieces(spaced)).toBeUndefined()
    expect(parseJsonBytes(spaced)).toEqual(answers)
  })

  it('parses bodies that are neither (an array of numbers) whole, and an empty result as it is', () => {
    const numbers = Array.from({ length: 40_000 }, (_, i) => i)
    const bytes = utf8.encode(JSON.stringify(numbers))
    expect(bytes.byteLength).toBeGreaterThan(PIECEWISE_PARSE_BYTES)
    expect(parseInPieces(Buffer.from(bytes))).toBeUndefined()
    expect(parseJsonBytes(bytes)).toEqual(numbers)
    expect(parseInPieces(Buffer.from(`{"jsonrpc":"2.0","result":[  ],"id":1}`))).toEqual({ jsonrpc: '2.0', result: [], id: 1 })
  })
})
