import { readdirSync, readFileSync } from 'node:fs'
import { getPriority } from 'node:os'
import { describe, expect, it } from 'vitest'
import { type DecodedAnswer, decodeTransactionsBody, type DecodeRequest } from '../../src/indexer/decode-batch'
import { DECODE_THREAD_NICENESS, decodeOptionsOf, decodeThreadUrl, startDecodeThread } from '../../src/indexer/decode-thread'
import { resolveIndexerOptions } from '../../src/indexer/options'
import { isRpcError } from '../../src/solana/rpc-errors'
import { unpackTransaction } from '../../src/store/packed'
import { betEvents, createFakeChain, newKey } from './fake-chain'

/** The nice value of every thread of this process, by thread id (Linux: /proc/self/task). */
function threadNiceness(): Map<string, number> {
  const out = new Map<string, number>()
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      // After the command name: state is field 0, nice is field 16.
      out.set(tid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]))
    }
    catch {
      // the thread ended meanwhile
    }
  }
  return out
}

/**
 * The decode thread runs the package's build (Node cannot run TypeScript in a worker): `pnpm build`
 * comes before the tests, in the README and in CI.
 */

/**
 * A batch body as a node answers it: three served bets, one undecodable, one unknown signature, one
 * error, one decoded with a warning, one served with a null slot.
 */
function recordedBatch() {
  const chain = createFakeChain()
  const owner = newKey()
  const host = { pool: newKey(), mint: newKey(), hostToken: newKey(), hostOwner: owner }
  const signatures: string[] = []
  for (let i = 0; i < 3; i++) {
    const trial = newKey()
    const e = betEvents({ trial, pool: host.pool, player: newKey(), wager: 2n ** 60n + BigInt(i), resultIndex: i % 2 })
    signatures.push(chain.add({ instructions: [{ ...host, kind: 'register', trial, events: [e.register] }] }))
    signatures.push(chain.add({ instructions: [{ ...host, kind: 'resolve', trial, events: [e.resolve] }] }))
  }
  const trial = newKey()
  signatures.push(chain.add({ instructions: [{ ...host, kind: 'register', trial, events: [] }], rawVaultPayloads: ['not base64 at all!'] }))
  // A payload of an event the decoder does not know: decoded with a warning.
  const warned = chain.add({ instructions: [{ ...host, kind: 'register', trial: newKey(), events: [] }], rawVaultPayloads: [Buffer.alloc(16, 7).toString('base64')] })
  // A node that writes a null slot: served all the same (the main thread decodes it as it comes).
  const trialOfNullSlot = newKey()
  const nullSlot = chain.add({ instructions: [{ ...host, kind: 'register', trial: trialOfNullSlot, events: [betEvents({ trial: trialOfNullSlot, pool: host.pool, player: newKey(), wager: 1n }).register] }] })
  const json = new Map(chain.txs.map(t => [t.info.signature, t.info.signature === nullSlot ? { ...t.json, slot: null } : t.json]))
  const missing = newKey()
  const failing = newKey()
  const all = [...signatures, missing, failing, warned, nullSlot]
  const first = 41
  // Answers out of order, as JSON-RPC allows.
  const answers = all.map((signature, i) => signature === failing
    ? { jsonrpc: '2.0', id: first + i, error: { code: -32005, message: 'Node is behind' } }
    : { jsonrpc: '2.0', id: first + i, result: json.get(signature) ?? null }).reverse()
  const request: DecodeRequest = { first, signatures: all, blockTimes: all.map(() => 1_700_000_000) }
  const options = { programId: chain.programId, filter: { kind: 'host' as const, host: owner }, games: new Map<string, string>() }
  return { body: new TextEncoder().encode(JSON.stringify(answers)), request, options, count: signatures.length }
}

/** Answers made comparable across threads (an RpcError travels as data and is rebuilt). */
/**
 * Answers as plain data: errors by their fields, and events as objects (the thread sends them packed,
 * as many as it says).
 */
function comparable(answers: DecodedAnswer[]) {
  return answers.map((a) => {
    if (!a.ok) return { ok: false, error: { name: a.error.name, message: a.error.message, code: a.error.code, retryable: a.error.retryable } }
    if (!a.value?.packed) return a
    const { packed, ...value } = a.value
    const events = unpackTransaction(packed.bytes, packed.index)
    expect(events).toHaveLength(packed.count)
    expect(value.events).toEqual([])
    return { ok: true, value: { ...value, events } }
  })
}

describe('decodeTransactionsBody', () => {
  it('decodes each served transaction, and says which are not served yet, failed, or undecodable', () => {
    const { body, request, options, count } = recordedBatch()
    const answers = decodeTransactionsBody(body, request, decodeOptionsOf(options))
    expect(answers).toHaveLength(request.signatures.length)
    const decoded = answers.slice(0, count - 1).map(a => (a.ok ? a.value : null))
    expect(decoded.map(d => d?.events.map(e => e.kind))).toEqual([
      ['trialRegistered'], ['trialResolved'], ['trialRegistered'], ['trialResolved'], ['trialRegistered'], ['trialResolved'],
    ])
    const register = decoded[4]!.events[0]!
    expect(register.kind === 'trialRegistered' && register.wager).toBe(2n ** 60n + 2n)
    const bad = answers[count - 1]!
    expect(bad.ok && bad.value?.undecodable).toMatch(/^payload \d+: /)
    expect(answers[count]).toEqual({ ok: true, value: null })
    const failed = answers[count + 1]!
    expect(!failed.ok && isRpcError(failed.error) && failed.error.retryable && failed.error.code).toBe(-32005)
    const warned = answers[count + 2]!
    expect(warned.ok && warned.value?.warnings).toEqual(['unknown event discriminator in payload 0'])
  })

  it('refuses a body that is not JSON (retryable) or not a batch answer (the node takes no batches)', () => {
    const { request, options } = recordedBatch()
    const decode = (text: string) => () => decodeTransactionsBody(new TextEncoder().encode(text), request, decodeOptionsOf(options))
    expect(decode('<html>502</html>')).toThrow(expect.objectContaining({ name: 'RpcError', retryable: true, kind: 'invalid-response' }))
    expect(decode('{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch not allowed"}}'))
      .toThrow(expect.objectContaining({ name: 'RpcError', retryable: false }))
    // One transient error for the whole request is no refusal of batches: it is retried as a batch.
    expect(decode('{"jsonrpc":"2.0","id":null,"error":{"code":-32005,"message":"Node is behind by 42 slots"}}'))
      .toThrow(expect.objectContaining({ name: 'RpcError', retryable: true, code: -32005 }))
  })
})

describe('the decode thread', () => {
  const url = decodeThreadUrl()

  it('finds the built worker module', () => {
    expect(url, 'run `pnpm build` before the tests').toBeDefined()
  })

  it('takes true, false or auto, and says so for anything else', () => {
    const base = { rpcUrl: 'http://127.0.0.1:1', ownerWallet: '11111111111111111111111111111111' }
    expect(resolveIndexerOptions(base).decodeThread).toBe('auto')
    expect(resolveIndexerOptions({ ...base, decodeThread: false }).decodeThread).toBe(false)
    expect(() => resolveIndexerOptions({ ...base, decodeThread: 'false' as never })).toThrow(/decodeThread must be/)
  })

  it('answers exactly what the main thread would, bigints and errors included', async () => {
    const { body, request, options } = recordedBatch()
    const here = decodeTransactionsBody(body.slice(), request, decodeOptionsOf(options))
    const thread = startDecodeThread(options, url!)
    try {
      const there = await Promise.all([thread.decode(body.slice(), request), thread.decode(body.slice(), request)])
      expect(comparable(there[0]!)).toEqual(comparable(here))
      expect(comparable(there[1]!)).toEqual(comparable(here))
      const whole = await thread.decode(new TextEncoder().encode('not json'), request).catch((error: unknown) => error)
      expect(isRpcError(whole) && whole.retryable).toBe(true)
    }
    finally {
      await thread.close()
    }
  })

  it.runIf(process.platform === 'linux')('runs at a lower scheduling priority than the process, and leaves the process where it was', async () => {
    const { body, request, options } = recordedBatch()
    const base = getPriority(0)
    const before = threadNiceness()
    const thread = startDecodeThread(options, url!)
    try {
      await thread.decode(body.slice(), request) // the worker is serving: its priority is set
      const lowered = Math.min(19, base + DECODE_THREAD_NICENESS)
      const added = [...threadNiceness()].filter(([tid]) => !before.has(tid))
      expect(added.filter(([, nice]) => nice === lowered)).toHaveLength(1)
      expect(getPriority(0)).toBe(base)
      expect(lowered).toBeGreaterThan(base)
    }
    finally {
      await thread.close()
    }
  })

  it('a thread that dies fails what it held as retryable, then the main thread decodes', async () => {
    const { body, request, options } = recordedBatch()
    // A worker that exits at once, like one that crashed.
    const deaths: string[] = []
    const thread = startDecodeThread(options, new URL('data:text/javascript,process.exit(7)'), why => deaths.push(why))
    const first = await thread.decode(body.slice(), request).then(() => 'decoded', (error: unknown) => error)
    if (first !== 'decoded') expect(isRpcError(first) && first.retryable).toBe(true)
    await new Promise(r => setTimeout(r, 50))
    const after = await thread.decode(body.slice(), request)
    expect(comparable(after)).toEqual(comparable(decodeTransactionsBody(body.slice(), request, decodeOptionsOf(options))))
    await thread.close()
    expect(deaths).toEqual(['exited (7)'])
  })
})
