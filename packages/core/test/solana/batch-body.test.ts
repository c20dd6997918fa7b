import { readFileSync } from 'node:fs'
import { startLocalnet } from '@fare-casino/localnet'
import { beforeAll, describe, expect, it } from 'vitest'
import { hasRateLimitedAnswer } from '../../src/solana/batch-body'
import { checkTransactionsBatch, createRpcClient, type RawTransactionsBatch } from '../../src/solana/rpc'
import { isRpcError } from '../../src/solana/rpc-errors'

const shared = new URL('../../../../../shared/solana-rpc/', import.meta.url)
/** rpcpool's refusal of one call, as recorded (its spacing and all). */
const rpcpool = readFileSync(new URL('errors.http429.rpcpool-specific-call.json', shared), 'utf8').trim()

const bytesOf = (text: string) => new TextEncoder().encode(text)

describe('checkTransactionsBatch (a raw getTransaction batch read without parsing it)', () => {
  let raw: RawTransactionsBatch
  let answers: { id: number, result: { meta: { logMessages: string[] } } }[]
  /** The batch with its second answer replaced by `item` (written as is). */
  const withSecond = (item: string): RawTransactionsBatch => ({ ...raw, retryAfterMs: 2000, bytes: bytesOf(`[${JSON.stringify(answers[0])},${item}]`) })

  beforeAll(async () => {
    // A real batch answer of the localnet: two served transactions.
    const net = await startLocalnet({ seed: 41, slotMs: 50, resolveDelayMs: 20 })
    try {
      const owner = (await net.createPlayer()).publicKey
      const player = await net.createPlayer()
      const bets = [await net.placeBet({ player, wager: 7_000n, game: net.games[0]!.id, host: owner }), await net.placeBet({ player, wager: 8_000n, game: net.games[0]!.id, host: owner })]
      // `confirmed` readers see a transaction once its slot is over: on a fast machine the fetch came first.
      await net.waitForConfirmed()
      raw = await createRpcClient({ url: net.rpcUrl }).fetchTransactionsBatch!(bets.map(b => b.signature))
      answers = JSON.parse(new TextDecoder().decode(raw.bytes))
    }
    finally {
      await net.close()
    }
  })

  it('finds nothing in a batch of served transactions', () => {
    expect(answers).toHaveLength(2)
    expect(checkTransactionsBatch(raw)).toBeUndefined()
  })

  it('returns a 429 when one call of the batch was refused (rpcpool\'s body as an item), with the Retry-After', () => {
    const item = rpcpool.replace(/"id": "[^"]*"/, `"id": ${answers[1]!.id}`)
    const refusal = checkTransactionsBatch(withSecond(item))
    expect(isRpcError(refusal)).toBe(true)
    expect(refusal).toMatchObject({ code: 429, retryable: true, retryAfterMs: 2000, kind: 'jsonrpc' })
    // White space anywhere JSON allows it.
    expect(hasRateLimitedAnswer(bytesOf(`[{"jsonrpc":"2.0","error":{"code"\n :\t429\r},"id":3}]`))).toBe(true)
    expect(hasRateLimitedAnswer(bytesOf(`[{"error":{"message":"x","code":429}}]`))).toBe(true)
  })

  it('takes no other code, and no number that only starts with 429', () => {
    for (const code of ['-32004', '4290', '429.5', '429e0', '1429', '"429"', '-429']) {
      expect(checkTransactionsBatch(withSecond(`{"jsonrpc":"2.0","error":{"code":${code},"message":"m"},"id":${answers[1]!.id}}`)), code).toBeUndefined()
    }
    // Only the key `code` itself, not one that ends with it.
    expect(hasRateLimitedAnswer(bytesOf('[{"jsonrpc":"2.0","error":{"statuscode":429,"code":-32005},"id":2}]'))).toBe(false)
  })

  it('is not fooled by the text "code": 429 inside a transaction (a log line, escaped in the body)', () => {
    const spoof = structuredClone(answers[1]!)
    spoof.result.meta.logMessages.push('Program log: {"code": 429}', 'Program log: "code":429')
    const body = withSecond(JSON.stringify(spoof))
    expect(new TextDecoder().decode(body.bytes)).toContain('\\"code\\": 429')
    expect(checkTransactionsBatch(body)).toBeUndefined()
  })

  it('throws the error of a body that is not an array: a 429 for the whole request, or a node that takes no batches', () => {
    let thrown: unknown
    try {
      checkTransactionsBatch({ bytes: bytesOf(rpcpool), first: 1, retryAfterMs: 1000 })
    }
    catch (error) {
      thrown = error
    }
    expect(thrown).toMatchObject({ name: 'RpcError', code: 429, retryable: true, retryAfterMs: 1000 })
    expect(() => checkTransactionsBatch({ bytes: bytesOf('{"jsonrpc":"2.0","error":{"code":-32600,"message":"batch requests are disabled"},"id":null}'), first: 1 }))
      .toThrow(expect.objectContaining({ retryable: false }))
  })
})
