import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { FARE_VAULT_PROGRAM_ID, startLocalnet, type Localnet } from '../src/index'

let net: Localnet

async function rpc(body: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(net.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) })
  return { status: res.status, text: await res.text() }
}

/** True if every object's keys inside `v` are sorted. */
function sortedDeep(v: unknown): boolean {
  if (Array.isArray(v)) return v.every(sortedDeep)
  if (v && typeof v === 'object') {
    const keys = Object.keys(v)
    return keys.join() === [...keys].sort().join() && Object.values(v).every(sortedDeep)
  }
  return true
}

/** A WebSocket client of `url` that keeps every frame; `waitFor` the first matching one (it fails after 5 s). */
async function socketTo(url: string) {
  const ws = new WebSocket(url)
  const frames: string[] = []
  ws.on('message', (d) => frames.push(String(d)))
  await new Promise((r) => ws.once('open', r))
  const waitFor = async (pred: (f: string) => boolean): Promise<string> => {
    for (let i = 0; i < 500; i++) {
      const f = frames.find(pred)
      if (f) return f
      await new Promise((r) => setTimeout(r, 10))
    }
    throw new Error('no such frame within 5 s')
  }
  /** Sends a call with `id` and resolves to its answer's error, if any, and result. */
  const ask = async (id: number, method: string, params?: unknown): Promise<{ error?: unknown, result?: unknown }> => {
    ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }))
    return JSON.parse(await waitFor(f => f.includes(`"id":${id}}`))) as { error?: unknown, result?: unknown }
  }
  return { ws, frames, waitFor, ask, send: (o: unknown) => ws.send(JSON.stringify(o)) }
}

beforeAll(async () => {
  net = await startLocalnet({ seed: 3, slotMs: 50, resolveDelayMs: 20 })
})
afterAll(async () => {
  await net.close()
})

describe('JSON-RPC wire format', () => {
  it('echoes ids in jsonrpc-core order and sorts result keys', async () => {
    const p = await net.createPlayer()
    const bet = await net.placeBet({ player: p, wager: 3_000_000n, game: 'coinFlip', host: p.publicKey })
    await net.waitForIdle()
    const r = await rpc({ jsonrpc: '2.0', id: 'abc', method: 'getTransaction', params: [bet.signature, { commitment: 'confirmed', encoding: 'json', maxSupportedTransactionVersion: 0 }] })
    expect(r.status).toBe(200)
    expect(r.text.startsWith('{"jsonrpc":"2.0","result":{"blockTime":')).toBe(true)
    expect(r.text.endsWith(',"id":"abc"}\n')).toBe(true)
    const body = JSON.parse(r.text)
    expect(sortedDeep(body.result)).toBe(true)
    expect(Object.keys(body.result.meta)).toEqual(['computeUnitsConsumed', 'costUnits', 'err', 'fee', 'innerInstructions', 'loadedAddresses', 'logMessages', 'postBalances', 'postTokenBalances', 'preBalances', 'preTokenBalances', 'rewards', 'status'])
    expect(body.result.meta.status).toEqual({ Ok: null })
    // serde prints f64 with a decimal point: an integral uiAmount is `N.0`.
    expect(r.text).toMatch(/"uiAmount":\d+\.\d+/)
    const b64 = await rpc({ jsonrpc: '2.0', id: 2, method: 'getTransaction', params: [bet.signature, { commitment: 'confirmed', encoding: 'base64' }] })
    const t = JSON.parse(b64.text).result
    expect(t.transaction[1]).toBe('base64')
    expect(t.version).toBeUndefined()
    const sigs = JSON.parse((await rpc({ jsonrpc: '2.0', id: 3, method: 'getSignaturesForAddress', params: [FARE_VAULT_PROGRAM_ID, { commitment: 'confirmed', limit: 1 }] })).text)
    expect(Object.keys(sigs.result[0])).toEqual(['blockTime', 'confirmationStatus', 'err', 'memo', 'signature', 'slot', 'transactionIndex'])
    const bh = await rpc({ jsonrpc: '2.0', id: 4, method: 'getLatestBlockhash' })
    expect(bh.text).toMatch(/^\{"jsonrpc":"2.0","result":\{"context":\{"apiVersion":"4.1.1","slot":\d+\},"value":\{"blockhash":"\w+","lastValidBlockHeight":\d+\}\},"id":4\}\n$/)
    expect((await rpc({ jsonrpc: '2.0', id: 5, method: 'getVersion' })).text).toBe('{"jsonrpc":"2.0","result":{"feature-set":3345198602,"solana-core":"4.1.1"},"id":5}\n')
    expect((await rpc({ jsonrpc: '2.0', id: 6, method: 'getHealth' })).text).toBe('{"jsonrpc":"2.0","result":"ok","id":6}\n')
  })

  it('answers errors with Agave codes and texts', async () => {
    expect((await rpc('{not json')).text).toBe('{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}\n')
    expect((await rpc({ jsonrpc: '2.0', id: 1, method: 'nope' })).text).toBe('{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":1}\n')
    const limit = await rpc({ jsonrpc: '2.0', id: 1, method: 'getSignaturesForAddress', params: [FARE_VAULT_PROGRAM_ID, { limit: 1001 }] })
    expect(limit.text).toBe('{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid limit; max 1000"},"id":1}\n')
    const zero = await rpc({ jsonrpc: '2.0', id: 1, method: 'getSignaturesForAddress', params: [FARE_VAULT_PROGRAM_ID, { limit: 0 }] })
    expect(JSON.parse(zero.text).error.code).toBe(-32602)
    const processed = await rpc({ jsonrpc: '2.0', id: 1, method: 'getTransaction', params: ['1'.repeat(64), { commitment: 'processed' }] })
    expect(processed.text).toBe('{"jsonrpc":"2.0","error":{"code":-32602,"message":"Method does not support commitment below `confirmed`"},"id":1}\n')
    const badKey = await rpc({ jsonrpc: '2.0', id: 1, method: 'getSignaturesForAddress', params: ['abc'] })
    expect(JSON.parse(badKey.text).error).toEqual({ code: -32602, message: 'Invalid param: WrongSize' })
    const future = await rpc({ jsonrpc: '2.0', id: 1, method: 'getBlockTime', params: [10_000_000] })
    expect(JSON.parse(future.text).error).toEqual({ code: -32004, message: 'Block not available for slot 10000000' })
    // Answered ahead of the JSON-RPC server, whatever the method, with no content type.
    for (const method of ['GET', 'POST', 'PUT']) {
      const health = await fetch(`${net.rpcUrl}/health`, { method, ...(method === 'GET' ? {} : { body: '{}', headers: { 'content-type': 'application/json' } }) })
      expect([health.status, health.headers.get('content-type'), await health.text()], method).toEqual([200, null, 'ok'])
    }
    const head = await fetch(`${net.rpcUrl}/health`, { method: 'HEAD' })
    expect([head.status, head.headers.get('content-length')]).toEqual([200, '2'])
  })

  it('reads requests as jsonrpc-core does: 1.0 calls, unknown members, bad ids, notifications, an empty batch', async () => {
    expect((await rpc({ id: 7, method: 'getSlot' })).text).toBe('{"error":{"code":-32600,"message":"Unsupported JSON-RPC protocol version"},"id":7}\n')
    const invalid = (id: unknown) => `{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid request"},"id":${JSON.stringify(id)}}\n`
    expect((await rpc({ jsonrpc: '2.0', id: 1, method: 'getSlot', extra: 1 })).text).toBe(invalid(1))
    expect((await rpc({ jsonrpc: '1.0', id: 'a', method: 'getSlot' })).text).toBe(invalid('a'))
    expect((await rpc({ jsonrpc: '2.0', id: 2, method: 'getSlot', params: 5 })).text).toBe(invalid(2))
    expect((await rpc({ jsonrpc: '2.0', id: 3, method: 'getHealth', params: null })).text).toBe('{"jsonrpc":"2.0","result":"ok","id":3}\n')
    // What cannot be read as a call at all (a bad id, not an object) makes the whole body a parse error.
    const parseError = '{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}\n'
    for (const body of [{ jsonrpc: '2.0', id: true, method: 'getSlot' }, { jsonrpc: '2.0', id: -1, method: 'getSlot' }, 5, null]) expect((await rpc(body)).text).toBe(parseError)
    expect((await rpc([{ jsonrpc: '2.0', id: 1, method: 'getSlot' }, { jsonrpc: '2.0', id: 1.5, method: 'getSlot' }])).text).toBe(parseError)
    expect(await rpc({ jsonrpc: '2.0', method: 'getSlot' })).toEqual({ status: 200, text: '' })
    expect(await rpc([])).toEqual({ status: 200, text: '' })
  })

  it('reads an array as one request written field by field before reading it as a batch, as serde reads jsonrpc-core\'s types', async () => {
    // Request is `Single(Call) | Batch(Vec<Call>)`, untagged: an array is tried as a call first, and serde
    // reads a struct from an array as its fields in order (MethodCall: jsonrpc, method, params, id).
    const parseError = '{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}\n'
    const health = (id: string) => `{"jsonrpc":"2.0","result":"ok","id":${id}}`
    expect((await rpc('["2.0","getHealth",null,1]')).text).toBe(`${health('1')}\n`)
    expect((await rpc('["2.0","getHealth",[],"a"]')).text).toBe(`${health('"a"')}\n`)
    expect((await rpc('["2.0","getHealth",null,9007199254740993]')).text).toBe(`${health('9007199254740993')}\n`)
    const slot = JSON.parse((await rpc(['2.0', 'getSlot', [{ commitment: 'processed' }], 2])).text) as { result: number, id: number }
    expect(slot).toEqual({ jsonrpc: '2.0', result: expect.any(Number), id: 2 })
    expect((await rpc(['2.0', 'getSlot', 5, 3])).text).toBe(parseError)
    // Its params are params, read as the object form's are (an `id` in them is no request id).
    const params = '{"id":9007199254740993}'
    expect((await rpc(`["2.0","getHealth",${params},4]`)).text).toBe((await rpc(`{"jsonrpc":"2.0","method":"getHealth","params":${params},"id":4}`)).text)
    // Without a version: a JSON-RPC 1.0 call, refused as the object form is.
    expect((await rpc([null, 'getSlot', null, 7])).text).toBe('{"error":{"code":-32600,"message":"Unsupported JSON-RPC protocol version"},"id":7}\n')
    // Two or three fields: a notification (no id), run and not answered.
    expect(await rpc(['2.0', 'getSlot'])).toEqual({ status: 200, text: '' })
    expect(await rpc(['2.0', 'getSlot', null])).toEqual({ status: 200, text: '' })
    // A field of another type, a field too many, an id no reading takes: neither a call nor a batch.
    for (const body of ['["1.0","getHealth",null,1]', '["2.0",5,null,1]', '["2.0","getHealth",null,1.0]', '["2.0","getHealth",null,-1]', '["2.0","getHealth",null,1,2]', '["2.0"]']) {
      expect((await rpc(body)).text, body).toBe(parseError)
    }
    // Inside a batch, each element is read the same way.
    expect((await rpc('[["2.0","getHealth",null,1],{"jsonrpc":"2.0","id":2,"method":"getHealth"},["2.0","getHealth"]]')).text).toBe(`[${health('1')},${health('2')}]\n`)
    expect((await rpc('[["2.0","getHealth",null,1],["2.0","getHealth",null,1.5]]')).text).toBe(parseError)
    // And over the WebSocket.
    const socket = await socketTo(net.wsUrl)
    socket.ws.send('["2.0","slotUnsubscribe",[424242],9]')
    expect(await socket.waitFor(f => f.includes('"id":9'))).toBe('{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid subscription id."},"id":9}')
    socket.ws.send('[["2.0","slotUnsubscribe",[424242],10]]')
    expect(await socket.waitFor(f => f.includes('"id":10'))).toBe('[{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid subscription id."},"id":10}]')
    socket.ws.close()
  })

  it('reads what JSON.parse would lose as serde_json does: id digits, floats, members twice, lone surrogates', async () => {
    const parseError = '{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}\n'
    const health = (id: string) => `{"jsonrpc":"2.0","result":"ok","id":${id}}\n`
    // A u64 id is echoed digit for digit (a double rounded 2^53 + 1 and u64's maximum).
    for (const id of ['9007199254740993', '18446744073709551615', '0']) {
      expect((await rpc(`{"jsonrpc":"2.0","id":${id},"method":"getHealth"}`)).text, id).toBe(health(id))
    }
    expect((await rpc(`[{"jsonrpc":"2.0","id":9007199254740993,"method":"getHealth"}]`)).text).toBe(`[${health('9007199254740993').trim()}]\n`)
    // No id reading takes a float, a number past u64, or an id given twice: the whole body is a parse error.
    for (const id of ['1.0', '1e3', '1E3', '-0', '18446744073709551616']) {
      expect((await rpc(`{"jsonrpc":"2.0","id":${id},"method":"getHealth"}`)).text, id).toBe(parseError)
    }
    expect((await rpc('{"jsonrpc":"2.0","id":1,"id":2,"method":"getHealth"}')).text).toBe(parseError)
    expect((await rpc('[{"jsonrpc":"2.0","id":1,"method":"getHealth"},{"jsonrpc":"2.0","id":2.0,"method":"getHealth"}]')).text).toBe(parseError)
    // Another member twice: not a call, an invalid request with its id.
    expect((await rpc('{"jsonrpc":"2.0","id":4,"method":"getHealth","method":"getHealth"}')).text)
      .toBe('{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid request"},"id":4}\n')
    // A lone surrogate escape anywhere is no JSON to serde_json; a pair is a character.
    expect((await rpc('{"jsonrpc":"2.0","id":5,"method":"getSlot","params":[{"commitment":"\\ud800"}]}')).text).toBe(parseError)
    expect((await rpc('{"jsonrpc":"2.0","id":5,"method":"getSlot","params":[{"commitment":"\\udc00x"}]}')).text).toBe(parseError)
    expect((await rpc('{"jsonrpc":"2.0","id":"\\ud83d\\ude00","method":"getHealth"}')).text).toBe(health('"\ud83d\ude00"'))
    expect((await rpc('{"jsonrpc":"2.0","id":6,"method":"getHealth","params":null}')).text).toBe(health('6'))
    // Nesting past serde_json's recursion limit (127 levels) is no JSON to it, however deep (no stack spent).
    const nested = (levels: number) => `{"jsonrpc":"2.0","id":7,"method":"getHealth","params":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`
    expect((await rpc(nested(127))).text).not.toBe(parseError)
    for (const levels of [128, 20_000]) expect((await rpc(nested(levels))).text, String(levels)).toBe(parseError)
    expect((await rpc(`[${nested(126)}]`)).text).not.toBe(parseError)
    expect((await rpc(`[${nested(127)}]`)).text).toBe(parseError)
    // A number past the largest f64 is out of range to serde_json, wherever it is (JSON.parse reads Infinity).
    for (const n of ['1e400', '-1e400', `1${'0'.repeat(400)}`]) {
      expect((await rpc(`{"jsonrpc":"2.0","id":8,"method":"getBlockTime","params":[${n}]}`)).text, n).toBe(parseError)
      expect((await rpc(`{"jsonrpc":"2.0","id":8,"method":"getSlot","params":[{"commitment":"confirmed","x":${n}}]}`)).text, n).toBe(parseError)
    }
    expect((await rpc('{"jsonrpc":"2.0","id":8,"method":"getBlockTime","params":[1.7976931348623157e308]}')).text).toContain('invalid type: floating point')
    // The WebSocket reads its frames the same way.
    const socket = await socketTo(net.wsUrl)
    socket.ws.send('{"jsonrpc":"2.0","id":18446744073709551615,"method":"slotUnsubscribe","params":[424242]}')
    expect(await socket.waitFor(f => f.includes('18446744073709551615'))).toBe('{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid subscription id."},"id":18446744073709551615}')
    socket.ws.send('{"jsonrpc":"2.0","id":1e3,"method":"slotUnsubscribe","params":[424242]}')
    expect(await socket.waitFor(f => f.includes('Parse error'))).toBe(parseError.trim())
    const before = socket.frames.length
    socket.ws.send(nested(20_000))
    for (let i = 0; i < 500 && socket.frames.length === before; i++) await new Promise(r => setTimeout(r, 10))
    expect(socket.frames.slice(before)).toEqual([parseError.trim()])
    // Still up and answering.
    socket.ws.send('{"jsonrpc":"2.0","id":8,"method":"slotUnsubscribe","params":[424242]}')
    await socket.waitFor(f => f.includes('"id":8}'))
    socket.ws.close()
    expect(await rpc([{ jsonrpc: '2.0', method: 'getSlot' }])).toEqual({ status: 200, text: '' })
  })

  it('takes any u8 as maxSupportedTransactionVersion, the legacy binary encoding, and words a bad u64 as serde does', async () => {
    const p = await net.createPlayer()
    const bet = await net.placeBet({ player: p, wager: 2_000_000n, game: 'dice', host: p.publicKey, version: 0 })
    await net.waitForIdle()
    const get = async (config: Record<string, unknown>) => JSON.parse((await rpc({ jsonrpc: '2.0', id: 1, method: 'getTransaction', params: [bet.signature, { commitment: 'confirmed', ...config }] })).text)
    expect((await get({ maxSupportedTransactionVersion: 1 })).result.version).toBe(0)
    // An untagged enum (a bare encoding, or a config): whatever does not fit either is one error naming it.
    const wrapper = { code: -32602, message: 'Invalid params: data did not match any variant of untagged enum RpcEncodingConfigWrapper.' }
    for (const config of [{ maxSupportedTransactionVersion: 256 }, { maxSupportedTransactionVersion: -1 }, { encoding: 'foo' }]) expect((await get(config)).error, JSON.stringify(config)).toEqual(wrapper)
    for (const second of ['foo', 5, [1]]) expect(JSON.parse((await rpc({ jsonrpc: '2.0', id: 1, method: 'getTransaction', params: [bet.signature, second] })).text).error, String(second)).toEqual(wrapper)
    // A bare known encoding is taken (this v0 transaction is then refused for its version, not its params).
    expect(JSON.parse((await rpc({ jsonrpc: '2.0', id: 1, method: 'getTransaction', params: [bet.signature, 'base64'] })).text).error?.code).not.toBe(-32602)
    // Types are read before the signature is checked.
    expect(JSON.parse((await rpc({ jsonrpc: '2.0', id: 1, method: 'getTransaction', params: ['nope', 'foo'] })).text).error).toEqual(wrapper)
    expect(JSON.parse((await rpc({ jsonrpc: '2.0', id: 1, method: 'getTransaction', params: [123] })).text).error).toEqual({ code: -32602, message: 'Invalid params: invalid type: integer `123`, expected a string.' })
    const binary = (await get({ encoding: 'binary', maxSupportedTransactionVersion: 0 })).result
    const base58 = (await get({ encoding: 'base58', maxSupportedTransactionVersion: 0 })).result
    expect(binary.transaction).toBe(base58.transaction[0])
    expect({ ...binary, transaction: null }).toEqual({ ...base58, transaction: null })
    const time = async (slot: unknown) => JSON.parse((await rpc({ jsonrpc: '2.0', id: 1, method: 'getBlockTime', params: [slot] })).text).error?.message
    expect(await time('abc')).toBe('Invalid params: invalid type: string "abc", expected u64.')
    expect(await time(-1)).toBe('Invalid params: invalid value: integer `-1`, expected u64.')
    expect(await time(1.5)).toBe('Invalid params: invalid type: floating point `1.5`, expected u64.')
  })

  it('words a getSignaturesForAddress config of the wrong types as serde does, before checking the address', async () => {
    const error = async (params: unknown[]) => (JSON.parse((await rpc({ jsonrpc: '2.0', id: 1, method: 'getSignaturesForAddress', params })).text) as { error?: { message: string } }).error?.message
    expect(await error([FARE_VAULT_PROGRAM_ID, 5])).toBe('Invalid params: invalid type: integer `5`, expected struct RpcSignaturesForAddressConfig.')
    expect(await error(['nope', 5])).toBe('Invalid params: invalid type: integer `5`, expected struct RpcSignaturesForAddressConfig.')
    expect(await error([FARE_VAULT_PROGRAM_ID, { limit: '5' }])).toBe('Invalid params: invalid type: string "5", expected usize.')
    // serde quotes the string as Rust's Debug does, not as JSON does.
    expect(await error([FARE_VAULT_PROGRAM_ID, { limit: 'a\u0001\u007f"\\b\n' }])).toBe('Invalid params: invalid type: string "a\\u{1}\\u{7f}\\"\\\\b\\n", expected usize.')
    expect(await error([FARE_VAULT_PROGRAM_ID, { limit: -1 }])).toBe('Invalid params: invalid value: integer `-1`, expected usize.')
    expect(await error([FARE_VAULT_PROGRAM_ID, { limit: 1.5 }])).toBe('Invalid params: invalid type: floating point `1.5`, expected usize.')
    expect(await error([FARE_VAULT_PROGRAM_ID, { before: 5 }])).toBe('Invalid params: invalid type: integer `5`, expected a string.')
    expect(await error([FARE_VAULT_PROGRAM_ID, { limit: 0 }])).toBe('Invalid limit; max 1000')
    // Fields are read in the order serde_json keeps them, sorted by name: `limit` before `until`.
    expect(await error([FARE_VAULT_PROGRAM_ID, { until: 5, limit: 'x' }])).toBe('Invalid params: invalid type: string "x", expected usize.')
    // Past 2^64 - 1 a number is an f64 to serde_json; Rust prints it without an exponent.
    expect(await error([FARE_VAULT_PROGRAM_ID, { limit: 1e20 }])).toBe('Invalid params: invalid type: floating point `100000000000000000000.0`, expected usize.')
    expect(await error([FARE_VAULT_PROGRAM_ID, { limit: 1.5e-7 }])).toBe('Invalid params: invalid type: floating point `0.00000015`, expected usize.')
    expect(await error([true])).toBe('Invalid params: invalid type: boolean `true`, expected a string.')
    expect(await error(['nope'])).toBe('Invalid param: WrongSize')
    expect(await (async () => (JSON.parse((await rpc({ jsonrpc: '2.0', id: 1, method: 'getSlot', params: [5] })).text) as { error: { message: string } }).error.message)()).toBe('Invalid params: invalid type: integer `5`, expected struct RpcContextConfig.')
  })

  it('counts params as jsonrpc-derive does before reading any, with its errors', async () => {
    const error = async (method: string, params?: unknown) => (JSON.parse((await rpc({ jsonrpc: '2.0', id: 1, method, ...(params === undefined ? {} : { params }) })).text) as { error?: unknown }).error
    const sig = '1'.repeat(64)
    // Optional params after the required ones (`Option<…>` last in Agave's signatures).
    expect(await error('getSignaturesForAddress', [FARE_VAULT_PROGRAM_ID, {}, 1])).toEqual({ code: -32602, message: 'Invalid parameters: Expected from 1 to 2 parameters.', data: '"Got: 3"' })
    expect(await error('getTransaction', [sig, {}, 1])).toEqual({ code: -32602, message: 'Invalid parameters: Expected from 1 to 2 parameters.', data: '"Got: 3"' })
    expect(await error('getSlot', [{}, 1])).toEqual({ code: -32602, message: 'Invalid parameters: Expected from 0 to 1 parameters.', data: '"Got: 2"' })
    expect(await error('getTransaction', [])).toEqual({ code: -32602, message: '`params` should have at least 1 argument(s)' })
    expect(await error('getSignaturesForAddress')).toEqual({ code: -32602, message: '`params` should have at least 1 argument(s)' })
    expect(await error('getSlot', { commitment: 'confirmed' })).toEqual({ code: -32602, message: '`params` should be an array' })
    // No params at all.
    expect(await error('getHealth', [1])).toEqual({ code: -32602, message: 'Invalid parameters: No parameters were expected', data: 'Array([Number(1)])' })
    // serde_json's maps are BTreeMaps: keys sorted by their bytes.
    expect(await error('getVersion', { n: [1.5, null, true, 1e-6, 1e20], a: 'b"\n\u0000\u009b', 10: { z: 1, y: {} }, 9: 0 })).toEqual({
      code: -32602, message: 'Invalid parameters: No parameters were expected',
      data: 'Map({"10": Object {"y": Object {}, "z": Number(1)}, "9": Number(0), "a": String("b\\"\\n\\0\\u{9b}"), "n": Array [Number(1.5), Null, Bool(true), Number(1e-6), Number(1e20)]})',
    })
    expect(await error('getGenesisHash', [])).toBeUndefined()
    // Required params only: serde's tuple.
    expect(await error('getBlockTime', [1, 2])).toEqual({ code: -32602, message: 'Invalid params: invalid length 2, expected fewer elements in array.' })
    // serde reads the elements before it finds one too many, and every param's type before a method checks a key.
    expect(await error('getBlockTime', ['x', 1])).toEqual({ code: -32602, message: 'Invalid params: invalid type: string "x", expected u64.' })
    expect(await error('getBalance', ['nope', 5])).toEqual({ code: -32602, message: 'Invalid params: invalid type: integer `5`, expected struct RpcContextConfig.' })
    expect(await error('getSlot', [{ minContextSlot: 'x' }])).toEqual({ code: -32602, message: 'Invalid params: invalid type: string "x", expected u64.' })
    expect(await error('getBlockTime', [])).toEqual({ code: -32602, message: 'Invalid params: invalid length 0, expected a tuple of size 1.' })
    expect(await error('getBlockTime')).toEqual({ code: -32602, message: 'Invalid params: invalid type: null, expected a tuple of size 1.' })
  })

  it('reads a commitment it does not know as the default, finalized, as Agave\'s flattened config does', async () => {
    // Finalized trails by far more slots than the test takes: it stays 0 while processed moves on.
    const slow = await startLocalnet({ seed: 5, slotMs: 20, resolveDelayMs: 20, finalizedLagSlots: 1_000_000 })
    try {
      const slot = async (commitment: unknown): Promise<number> => {
        const res = await fetch(slow.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getSlot', params: [{ commitment }] }) })
        return (await res.json() as { result: number }).result
      }
      // Confirmed trails processed by one slot (a slot is confirmed once it is over).
      while (await slot('processed') < 3) await new Promise((r) => setTimeout(r, 20))
      for (const other of ['bogus', 'recent', 'singleGossip', 'max', 'root', 5, null]) expect(await slot(other), String(other)).toBe(0)
      expect(await slot('finalized')).toBe(0)
      expect(await slot('confirmed')).toBeGreaterThanOrEqual(2)
    }
    finally {
      await slow.close()
    }
  })

  it('answers a batch with one output per request, matched by id', async () => {
    const r = await rpc([
      { jsonrpc: '2.0', id: 1, method: 'getSlot' },
      { jsonrpc: '2.0', id: 2, method: 'nope' },
      { jsonrpc: '2.0', id: 3, method: 'getSlot', params: [{ commitment: 'processed' }] },
    ])
    const out = JSON.parse(r.text) as Array<{ id: number; result?: number; error?: { code: number } }>
    expect(out.map((o) => o.id)).toEqual([1, 2, 3])
    expect(out[1]!.error!.code).toBe(-32601)
    expect(out[2]!.result!).toBeGreaterThanOrEqual(out[0]!.result!)
  })
})

describe('HTTP around the JSON-RPC (jsonrpc-http-server, as Agave runs it)', () => {
  const post = (headers: Record<string, string>, body: string) => fetch(net.rpcUrl, { method: 'POST', headers, body })
  const slot = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getSlot' })

  it('takes application/json bodies only, up to 50 KiB', async () => {
    for (const type of ['application/json', 'Application/JSON; charset=UTF-8', 'application/json;charset=utf-8']) expect((await post({ 'content-type': type }, slot)).status, type).toBe(200)
    for (const type of ['text/plain', 'application/json; charset=latin1', 'application/json;  charset=utf-8', 'application/json ; charset=utf-8']) {
      const res = await post({ 'content-type': type }, slot)
      expect(res.status).toBe(415)
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8')
      expect(await res.text()).toBe('Supplied content type is not allowed. Content-Type: application/json is required\n')
    }
    // JSON's whitespace pads a request to exactly the limit, and one byte past it.
    const padded = (bytes: number) => slot + ' '.repeat(bytes - slot.length)
    expect((await post({ 'content-type': 'application/json' }, padded(50 * 1024))).status).toBe(200)
    const big = await post({ 'content-type': 'application/json' }, padded(50 * 1024 + 1))
    expect([big.status, await big.text()]).toEqual([413, 'request body size exceeds allowed maximum'])
    const huge = await post({ 'content-type': 'application/json' }, padded(5 * 1024 * 1024))
    expect(huge.status).toBe(413)
  })

  it('refuses a body that is not UTF-8 before reading any JSON, naming the first bad byte', async () => {
    const at = (prefix: string, bad: number[]) => fetch(net.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat([Buffer.from(prefix), Buffer.from(bad)]) })
    for (const [bad, index] of [[[0xFF], 4], [[0xC3], 4], [[0xE2, 0x82], 4], [[0xED, 0xA0, 0x80], 4], [[0xC0, 0x80], 4], [[0xF4, 0x90, 0x80, 0x80], 4]] as const) {
      const res = await at('{"a"', [...bad])
      expect(res.status).toBe(400)
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8')
      expect(await res.text()).toBe(`utf-8 encoding error at byte ${index} in request body`)
    }
    // Multi-byte characters before the bad byte count as their bytes.
    expect(await (await at('["é€😀"', [0xFF])).text()).toBe('utf-8 encoding error at byte 12 in request body')
    const ok = await fetch(net.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: '€😀', method: 'getSlot' }) })
    expect((await ok.json() as { id: string }).id).toBe('€😀')
  })

  it('answers a CORS preflight and adds the CORS headers for another origin, echoing it', async () => {
    const pre = await fetch(net.rpcUrl, { method: 'OPTIONS', headers: { 'origin': 'HTTP://localhost:5173/app', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,solana-client' } })
    expect(pre.status).toBe(200)
    expect(await pre.text()).toBe('')
    expect(Object.fromEntries([...pre.headers].filter(([k]) => k.startsWith('access-control-') || k === 'allow' || k === 'vary'))).toEqual({
      'access-control-allow-headers': 'content-type, solana-client',
      'access-control-allow-methods': 'OPTIONS, POST',
      'access-control-allow-origin': 'http://localhost:5173',
      'access-control-max-age': '86400',
      'allow': 'OPTIONS, POST',
      'vary': 'origin',
    })
    const withOrigin = await post({ 'content-type': 'application/json', 'origin': 'https://casino.example' }, slot)
    expect(withOrigin.headers.get('access-control-allow-origin')).toBe('https://casino.example')
    expect((await post({ 'content-type': 'application/json' }, slot)).headers.get('access-control-allow-origin')).toBeNull()
    // The server's own origin needs no CORS; a null origin (a file, a sandboxed frame) is refused.
    expect((await post({ 'content-type': 'application/json', 'origin': net.rpcUrl }, slot)).headers.get('access-control-allow-origin')).toBeNull()
    const nullOrigin = await post({ 'content-type': 'application/json', 'origin': 'null' }, slot)
    expect([nullOrigin.status, await nullOrigin.text()]).toEqual([403, 'Origin of the request is not whitelisted. CORS headers would not be sent and any side-effects were cancelled as well.\n'])
    const get = await fetch(net.rpcUrl)
    expect([get.status, get.headers.get('content-type'), await get.text()]).toEqual([405, 'text/plain; charset=utf-8', 'Used HTTP Method is not allowed. POST or OPTIONS is required\n'])
  })

  it('refuses a malformed before or until, in Agave\'s order of checks; an unknown one is not an error', async () => {
    const call = async (config: Record<string, unknown>) => JSON.parse((await rpc({ jsonrpc: '2.0', id: 1, method: 'getSignaturesForAddress', params: [FARE_VAULT_PROGRAM_ID, config] })).text)
    expect((await call({ before: 'notasig' })).error).toEqual({ code: -32602, message: 'Invalid param: WrongSize' })
    expect((await call({ until: '0OIl' })).error).toEqual({ code: -32602, message: 'Invalid param: Invalid' })
    expect((await call({ until: '2'.repeat(89) })).error).toEqual({ code: -32602, message: 'Invalid param: WrongSize' })
    expect((await call({ until: 'z'.repeat(88) })).error).toEqual({ code: -32602, message: 'Invalid param: Invalid' }) // more than 64 bytes
    expect((await call({ before: 'notasig', limit: 5000 })).error.message).toBe('Invalid param: WrongSize')
    expect((await call({ commitment: 'processed', limit: 5000 })).error.message).toBe('Invalid limit; max 1000')
    expect((await call({ before: '1'.repeat(64), commitment: 'confirmed' })).result).toEqual([])
    expect(Array.isArray((await call({ until: '1'.repeat(64), commitment: 'confirmed' })).result)).toBe(true)
  })
})

describe('WebSocket frames', () => {
  it('numbers subscriptions from 0, as Agave does, and notifies subscription 0 like any other', async () => {
    const fresh = await startLocalnet({ seed: 9, slotMs: 50, resolveDelayMs: 20 })
    try {
      const { ws, ask, waitFor } = await socketTo(fresh.wsUrl)
      expect(await ask(1, 'logsSubscribe', [{ mentions: [FARE_VAULT_PROGRAM_ID] }, { commitment: 'confirmed' }])).toEqual({ jsonrpc: '2.0', result: 0, id: 1 })
      expect(await ask(2, 'slotSubscribe')).toEqual({ jsonrpc: '2.0', result: 1, id: 2 })
      const p = await fresh.createPlayer()
      await fresh.placeBet({ player: p, wager: 1_000_000n, game: 'dice', host: p.publicKey })
      expect(await waitFor((f) => f.includes('logsNotification'))).toMatch(/"subscription":0\}\}$/)
      ws.close()
    }
    finally {
      await fresh.close()
    }
  })

  it('logsSubscribe/slotSubscribe replies, notifications in struct order, and errors', async () => {
    const { ws, send, waitFor } = await socketTo(net.wsUrl)
    send({ jsonrpc: '2.0', id: 1, method: 'logsSubscribe', params: [{ mentions: [FARE_VAULT_PROGRAM_ID] }, { commitment: 'confirmed' }] })
    send({ jsonrpc: '2.0', id: 2, method: 'logsSubscribe', params: [{ mentions: [FARE_VAULT_PROGRAM_ID, FARE_VAULT_PROGRAM_ID] }] })
    send({ jsonrpc: '2.0', id: 3, method: 'logsSubscribe', params: [{ mentions: ['nope'] }] })
    send({ jsonrpc: '2.0', id: 4, method: 'slotSubscribe' })
    send({ jsonrpc: '2.0', id: 5, method: 'logsUnsubscribe', params: [9999] })
    const sub = JSON.parse(await waitFor((f) => f.includes('"id":1')))
    expect(await waitFor((f) => f.includes('"id":2'))).toBe('{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid Request: Only 1 address supported"},"id":2}')
    expect(await waitFor((f) => f.includes('"id":3'))).toBe('{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid Request: Invalid mentions provided"},"id":3}')
    expect(await waitFor((f) => f.includes('"id":5'))).toBe('{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid subscription id."},"id":5}')
    const slotSub = JSON.parse(await waitFor((f) => f.includes('"id":4'))).result as number
    const slotNote = await waitFor((f) => f.includes('slotNotification'))
    expect(slotNote).toMatch(new RegExp(`^\\{"jsonrpc":"2.0","method":"slotNotification","params":\\{"result":\\{"slot":\\d+,"parent":\\d+,"root":\\d+\\},"subscription":${slotSub}\\}\\}$`))
    const p = await net.createPlayer()
    const bet = await net.placeBet({ player: p, wager: 1_000_000n, game: 'dice', host: p.publicKey })
    const note = await waitFor((f) => f.includes(bet.signature))
    expect(note.startsWith(`{"jsonrpc":"2.0","method":"logsNotification","params":{"result":{"context":{"slot":${bet.slot}},"value":{"signature":"${bet.signature}","err":null,"logs":[`)).toBe(true)
    expect(note.endsWith(`]}},"subscription":${sub.result}}}`)).toBe(true)
    send({ jsonrpc: '2.0', id: 6, method: 'logsUnsubscribe', params: [sub.result] })
    expect(await waitFor((f) => f.includes('"id":6'))).toBe('{"jsonrpc":"2.0","result":true,"id":6}')
    // As on Agave, whose every *Unsubscribe is one unsubscribe(id): the method need not match the kind.
    send({ jsonrpc: '2.0', id: 7, method: 'logsUnsubscribe', params: [slotSub] })
    expect(await waitFor((f) => f.includes('"id":7'))).toBe('{"jsonrpc":"2.0","result":true,"id":7}')
    send({ jsonrpc: '2.0', id: 8, method: 'slotUnsubscribe', params: [slotSub] })
    expect(await waitFor((f) => f.includes('"id":8'))).toBe('{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid subscription id."},"id":8}')
    ws.close()
  })

  it('counts the pubsub methods\' params as jsonrpc-derive does, and reads their types as serde does before Agave\'s checks', async () => {
    const { ws, ask } = await socketTo(net.wsUrl)
    const error = async (id: number, method: string, params?: unknown) => (await ask(id, method, params)).error
    const invalid = (message: string) => ({ code: -32602, message })
    expect(await error(1, 'slotSubscribe', [1])).toEqual({ code: -32602, message: 'Invalid parameters: No parameters were expected', data: 'Array([Number(1)])' })
    expect(await error(2, 'logsSubscribe', ['all', {}, 3])).toEqual({ code: -32602, message: 'Invalid parameters: Expected from 1 to 2 parameters.', data: '"Got: 3"' })
    expect(await error(3, 'logsSubscribe', ['all', 5])).toEqual(invalid('Invalid params: invalid type: integer `5`, expected struct RpcTransactionLogsConfig.'))
    expect(await error(4, 'logsSubscribe')).toEqual(invalid('`params` should have at least 1 argument(s)'))
    // Both params' types are read before the mentions are counted and parsed.
    expect(await error(5, 'logsSubscribe', [{ mentions: [] }, 5])).toEqual(invalid('Invalid params: invalid type: integer `5`, expected struct RpcTransactionLogsConfig.'))
    expect(await error(6, 'logsSubscribe', [{ mentions: [5] }])).toEqual(invalid('Invalid params: invalid type: integer `5`, expected a string.'))
    expect(await error(7, 'logsSubscribe', [{ mentions: 'x' }])).toEqual(invalid('Invalid params: invalid type: string "x", expected a sequence.'))
    expect(await error(8, 'logsSubscribe', [{ mentions: [], all: null }])).toEqual(invalid('Invalid params: invalid value: map, expected map with a single key.'))
    expect(await error(9, 'logsSubscribe', [{ mentions: [] }])).toEqual(invalid('Invalid Request: Only 1 address supported'))
    // An unsubscribe id is a u64: read before the subscription is looked up.
    expect(await error(10, 'logsUnsubscribe', ['abc'])).toEqual(invalid('Invalid params: invalid type: string "abc", expected u64.'))
    expect(await error(11, 'logsUnsubscribe', ['abc', 1])).toEqual(invalid('Invalid params: invalid type: string "abc", expected u64.'))
    expect(await error(12, 'logsUnsubscribe', [1, 2])).toEqual(invalid('Invalid params: invalid length 2, expected fewer elements in array.'))
    expect(await error(13, 'logsUnsubscribe', [1e20])).toEqual(invalid('Invalid params: invalid type: floating point `100000000000000000000.0`, expected u64.'))
    expect(await error(14, 'slotUnsubscribe', [987654])).toEqual(invalid('Invalid subscription id.'))
    // getVersion is served on the socket too; a method Agave does not have is not found.
    expect((await ask(15, 'getVersion')).result).toEqual({ 'feature-set': expect.any(Number), 'solana-core': '4.1.1' })
    expect(await error(16, 'fooSubscribe', [])).toEqual({ code: -32601, message: 'Method not found' })
    ws.close()
  })

  it('serves the WebSocket on the RPC port + 1 only, and binds a given port and the next', async () => {
    const onRpcPort = new WebSocket(net.rpcUrl.replace('http:', 'ws:'))
    await expect(new Promise((resolve, reject) => {
      onRpcPort.once('open', resolve)
      onRpcPort.once('error', reject)
    })).rejects.toThrow()
    const plain = await fetch(net.wsUrl.replace('ws:', 'http:'))
    expect(plain.status).toBe(400)

    // A pair known to be free a moment ago: a random one's, closed.
    const probe = await startLocalnet({ seed: 4 })
    const port = Number(new URL(probe.rpcUrl).port)
    await probe.close()
    const fixed = await startLocalnet({ seed: 4, port })
    try {
      expect([fixed.rpcUrl, fixed.wsUrl]).toEqual([`http://127.0.0.1:${port}`, `ws://127.0.0.1:${port + 1}`])
      const ws = new WebSocket(fixed.wsUrl)
      await new Promise((resolve, reject) => {
        ws.once('open', resolve)
        ws.once('error', reject)
      })
      ws.close()
      // The pair is taken: a second localnet on the next port fails.
      await expect(startLocalnet({ seed: 4, port: port + 1 })).rejects.toThrow(/EADDRINUSE/)
      await expect(startLocalnet({ seed: 4, port: 65535 })).rejects.toThrow(/at most 65534/)
    } finally {
      await fixed.close()
    }
  })

  it('answers a batch with an array, and a subscription sent as a notification with nothing', async () => {
    const p = await net.createPlayer()
    const ws = new WebSocket(net.wsUrl)
    const frames: string[] = []
    ws.on('message', (d) => frames.push(String(d)))
    await new Promise((r) => ws.once('open', r))
    ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'logsSubscribe', params: [{ mentions: [p.publicKey] }, { commitment: 'confirmed' }] }))
    ws.send(JSON.stringify([
      { jsonrpc: '2.0', id: 1, method: 'getSlot' },
      { jsonrpc: '2.0', id: 2, method: 'logsSubscribe', params: ['bogus'] },
      { jsonrpc: '2.0', id: 3, method: 'logsSubscribe', params: [{ bogus: [] }] },
      { jsonrpc: '2.0', id: 4, method: 'logsSubscribe', params: [5] },
    ]))
    for (let i = 0; i < 100 && frames.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
    const variants = 'expected one of `all`, `allWithVotes`, `mentions`.'
    expect(JSON.parse(frames[0]!)).toEqual([
      { jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id: 1 },
      { jsonrpc: '2.0', error: { code: -32602, message: `Invalid params: unknown variant \`bogus\`, ${variants}` }, id: 2 },
      { jsonrpc: '2.0', error: { code: -32602, message: `Invalid params: unknown variant \`bogus\`, ${variants}` }, id: 3 },
      { jsonrpc: '2.0', error: { code: -32602, message: 'Invalid params: invalid type: integer `5`, expected string or map.' }, id: 4 },
    ])
    // The notification subscribed nothing: the player's bet is not announced on this socket.
    await net.placeBet({ player: p, wager: 1_000_000n, game: 'dice', host: p.publicKey })
    await net.waitForIdle()
    await new Promise((r) => setTimeout(r, 200))
    expect(frames.filter(f => f.includes('logsNotification'))).toEqual([])
    // As over HTTP, a batch holding something that is not a call (a bad id here) is one parse error.
    const before = frames.length
    ws.send(JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'getSlot' }, { jsonrpc: '2.0', id: true, method: 'getSlot' }]))
    for (let i = 0; i < 100 && frames.length === before; i++) await new Promise((r) => setTimeout(r, 10))
    expect(frames.slice(before)).toEqual(['{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}'])
    ws.close()
  })

  it('finalized subscriptions hear a transaction only once its slot is final', async () => {
    const ws = new WebSocket(net.wsUrl)
    const frames: Array<{ at: number; text: string }> = []
    ws.on('message', (d) => frames.push({ at: Date.now(), text: String(d) }))
    await new Promise((r) => ws.once('open', r))
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'logsSubscribe', params: ['all', { commitment: 'finalized' }] }))
    await new Promise((r) => setTimeout(r, 50))
    const p = await net.createPlayer()
    const bet = await net.placeBet({ player: p, wager: 1_000_000n, game: 'dice', host: p.publicKey })
    const end = Date.now() + 3000
    while (!frames.some((f) => f.text.includes(bet.signature)) && Date.now() < end) await new Promise((r) => setTimeout(r, 10))
    expect(frames.some((f) => f.text.includes(bet.signature))).toBe(true)
    expect(net.stats().finalizedSlot).toBeGreaterThanOrEqual(bet.slot)
    ws.close()
  })
})

describe('commitment over the WebSocket', () => {
  it('notifies processed subscribers when a transaction lands and confirmed ones when its slot is over, when getTransaction serves it', async () => {
    const slow = await startLocalnet({ seed: 5, slotMs: 1000, resolveDelayMs: 60_000 })
    const socket = await socketTo(slow.wsUrl)
    try {
      const mentions = { mentions: [FARE_VAULT_PROGRAM_ID] }
      const processedId = (await socket.ask(1, 'logsSubscribe', [mentions, { commitment: 'processed' }])).result
      const confirmedId = (await socket.ask(2, 'logsSubscribe', [mentions, { commitment: 'confirmed' }])).result
      const p = await slow.createPlayer()
      // Placed just after a slot starts (a slot's notification comes at most a quarter slot late): the
      // checks below run long before it ends.
      const slotId = (await socket.ask(3, 'slotSubscribe')).result
      const slots = socket.frames.length
      await socket.waitFor(f => socket.frames.indexOf(f) >= slots && f.includes(`"subscription":${slotId}}`))
      const { signature } = await slow.placeBet({ player: p, wager: 1_000_000n, game: 'dice', host: p.publicKey })
      const note = (id: unknown) => (f: string) => f.includes(signature) && f.includes(`"subscription":${id}}`)
      const getTransaction = async () => {
        const res = await fetch(slow.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getTransaction', params: [signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 }] }) })
        return ((await res.json()) as { result: { slot: number } | null }).result
      }
      await socket.waitFor(note(processedId))
      // Its slot is still open: no confirmed notification, and not served at confirmed, yet.
      expect(socket.frames.some(note(confirmedId))).toBe(false)
      expect(await getTransaction()).toBeNull()
      const confirmed = JSON.parse(await socket.waitFor(note(confirmedId))) as { params: { result: { context: { slot: number } } } }
      const served = await getTransaction()
      expect(served?.slot).toBe(confirmed.params.result.context.slot)
      expect(socket.frames.findIndex(note(processedId))).toBeLessThan(socket.frames.findIndex(note(confirmedId)))
    }
    finally {
      socket.ws.close()
      await slow.close()
    }
  })
})
