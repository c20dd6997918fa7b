import { describe, expect, it } from 'vitest'
import { createPrefetcher } from '../../src/indexer/prefetch'
import type { RpcTask } from '../../src/indexer/throttle'
import type { RpcClient, TransactionJson } from '../../src/solana/rpc'
import { RpcError } from '../../src/solana/rpc-errors'

const tx = (signature: string) => ({ slot: 1, blockTime: 1, transaction: { signatures: [signature], message: { accountKeys: [], instructions: [] } }, meta: null }) as TransactionJson

/** A node whose requests are answered by hand, one at a time, recording what each asked for. */
function manualNode(options: { refuseBatches?: boolean, cap?: number, limited?: string[] } = {}) {
  const requests: { signatures: string[], answer: () => void }[] = []
  const rpc = {
    getTransaction: (signature: string) => new Promise<TransactionJson | null>((resolve) => {
      requests.push({ signatures: [signature], answer: () => resolve(tx(signature)) })
    }),
    getTransactions: (signatures: readonly string[]) => new Promise((resolve, reject) => {
      requests.push({
        signatures: [...signatures],
        answer: () => (options.refuseBatches || signatures.length > (options.cap ?? Number.POSITIVE_INFINITY)
          ? reject(new RpcError('getTransaction', 'jsonrpc', 'batches disabled', { code: -32600, retryable: false }))
          : resolve(signatures.map(s => (options.limited?.includes(s)
            ? { ok: false as const, error: new RpcError('getTransaction', 'jsonrpc', 'Too many requests (429)', { code: 429, retryable: true }) }
            : { ok: true as const, value: s === 'gone' ? null : tx(s) })))),
      })
    }),
  } as unknown as RpcClient
  const refusals: RpcError[] = []
  const call = <T>(fn: RpcTask<T>): Promise<T> => fn(rpc, (error) => {
    if (error) refusals.push(error)
  })
  return { requests, call, refusals }
}

const flush = () => new Promise(r => setTimeout(r, 0))

describe('createPrefetcher', () => {
  it('keeps one request in flight, batching what is notified meanwhile, and hands each fetch over even if taken before its answer', async () => {
    const node = manualNode()
    const prefetcher = createPrefetcher(node.call, 50)
    prefetcher.add('a')
    prefetcher.add('b')
    prefetcher.add('c')
    prefetcher.add('b') // already asked for
    expect(node.requests.map(r => r.signatures)).toEqual([['a']])
    // Taken by the pipeline while its request is still out: it must still resolve.
    const a = prefetcher.take('a')!
    const b = prefetcher.take('b')!
    expect(prefetcher.take('a')).toBeUndefined()
    node.requests[0]!.answer()
    expect((await a)!.transaction.signatures).toEqual(['a'])
    await flush()
    expect(node.requests.map(r => r.signatures)).toEqual([['a'], ['b', 'c']])
    node.requests[1]!.answer()
    expect((await b)!.transaction.signatures).toEqual(['b'])
    expect((await prefetcher.take('c'))!.transaction.signatures).toEqual(['c'])
  })

  it('answers null when the node has nothing, and falls back to single requests when batches are refused', async () => {
    const node = manualNode({ refuseBatches: true })
    const prefetcher = createPrefetcher(node.call, 50)
    prefetcher.add('x')
    prefetcher.add('y')
    prefetcher.add('z')
    node.requests[0]!.answer() // 'x' alone
    await flush()
    node.requests[1]!.answer() // ['y', 'z'] refused
    expect(await prefetcher.take('y')).toBeNull()
    await flush()
    prefetcher.add('w')
    expect(node.requests.slice(2).map(r => r.signatures)).toEqual([['w']])
    prefetcher.clear()
    expect(await prefetcher.take('w')).toBeUndefined()
  })

  it('asks for half as many at a time after a batch is refused, as a node that caps batches needs', async () => {
    const node = manualNode({ cap: 3 })
    const prefetcher = createPrefetcher(node.call, 50)
    for (const s of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']) prefetcher.add(s)
    node.requests[0]!.answer() // 'a' alone, answered
    await flush()
    expect(node.requests[1]!.signatures).toHaveLength(8)
    node.requests[1]!.answer() // refused: over the cap
    expect(await prefetcher.take('b')).toBeNull()
    await flush()
    for (const s of ['j', 'k', 'l', 'm', 'n', 'o']) prefetcher.add(s)
    expect(node.requests[2]!.signatures).toEqual(['j']) // the node was idle: at once
    node.requests[2]!.answer()
    await flush()
    expect(node.requests[3]!.signatures).toEqual(['k', 'l', 'm', 'n']) // half of 8
    node.requests[3]!.answer() // refused again: over the cap of 3
    await flush()
    expect(node.requests[4]!.signatures).toEqual(['o'])
    node.requests[4]!.answer()
    await flush()
    for (const s of ['p', 'q', 'r']) prefetcher.add(s)
    node.requests[5]!.answer() // 'p' alone
    await flush()
    expect(node.requests[6]!.signatures).toEqual(['q', 'r']) // half of 4: at the cap or under, answered
    node.requests[6]!.answer()
    expect((await prefetcher.take('r'))!.transaction.signatures).toEqual(['r'])
  })

  it('tells the pacing of a 429 for some calls of a batch, and hands over the calls that were answered', async () => {
    const node = manualNode({ limited: ['c'] })
    const prefetcher = createPrefetcher(node.call, 50)
    for (const s of ['a', 'b', 'c', 'd']) prefetcher.add(s)
    node.requests[0]!.answer() // 'a' alone
    await flush()
    expect(node.refusals).toEqual([])
    node.requests[1]!.answer() // b, c, d: c refused
    await flush()
    expect(node.refusals.map(e => e.code)).toEqual([429])
    expect(await prefetcher.take('c')).toBeNull()
    expect((await prefetcher.take('d'))!.transaction.signatures).toEqual(['d'])
  })
})
