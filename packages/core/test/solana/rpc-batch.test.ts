import { startLocalnet } from '@fare-casino/localnet'
import { describe, expect, it } from 'vitest'
import { createRpcClient } from '../../src/solana/rpc'

describe('getTransactions (one JSON-RPC batch request)', () => {
  it('answers each signature in order, null for an unknown one, like getTransaction does', async () => {
    const net = await startLocalnet({ seed: 21, slotMs: 50, resolveDelayMs: 20 })
    try {
      const owner = (await net.createPlayer()).publicKey
      const player = await net.createPlayer({ tokens: 10n ** 30n })
      const bets = []
      for (let i = 0; i < 3; i++) bets.push(await net.placeBet({ player, wager: 2n ** 60n + BigInt(i), game: net.games[0]!.id, host: owner, version: i === 1 ? 0 : 'legacy' }))
      // `confirmed` readers see a transaction once its slot is over: on a fast machine the fetch came first.
      await net.waitForConfirmed()
      let requests = 0
      const rpc = createRpcClient({
        url: net.rpcUrl,
        fetch: ((url: string, init: RequestInit) => {
          requests++
          return fetch(url, init)
        }) as typeof fetch,
      })
      const unknown = '1111111111111111111111111111111111111111111111111111111111111111'
      const answers = await rpc.getTransactions!([bets[2]!.signature, unknown, bets[0]!.signature, bets[1]!.signature])
      expect(requests).toBe(1)
      expect(answers.map(a => a.ok)).toEqual([true, true, true, true])
      const values = answers.map(a => (a.ok ? a.value : undefined))
      expect(values[1]).toBeNull()
      for (const [at, bet] of [[0, bets[2]!], [2, bets[0]!], [3, bets[1]!]] as const) {
        expect(values[at]).toEqual(await rpc.getTransaction(bet.signature))
        expect(values[at]!.transaction.signatures[0]).toBe(bet.signature)
      }
    }
    finally {
      await net.close()
    }
  })

  it('reports a node that refuses batches with a non-retryable error, and a failed call on its own', async () => {
    const refusing = createRpcClient({
      url: 'http://node.invalid',
      fetch: (async () => new Response('{"jsonrpc":"2.0","error":{"code":-32600,"message":"batch requests are disabled"},"id":null}')) as typeof fetch,
    })
    await expect(refusing.getTransactions!(['a', 'b'])).rejects.toMatchObject({ name: 'RpcError', retryable: false })

    const partial = createRpcClient({
      url: 'http://node.invalid',
      fetch: (async (_url: string, init: RequestInit) => {
        const ids = (JSON.parse(init.body as string) as { id: number }[]).map(r => r.id)
        // Out of order, one behind-node error, one call missing from the answer.
        return new Response(JSON.stringify([
          { jsonrpc: '2.0', error: { code: -32005, message: 'Node is behind' }, id: ids[1] },
          { jsonrpc: '2.0', result: null, id: ids[0] },
        ]))
      }) as typeof fetch,
    })
    const answers = await partial.getTransactions!(['a', 'b', 'c'])
    expect(answers[0]).toEqual({ ok: true, value: null })
    expect(answers[1]).toMatchObject({ ok: false, error: { code: -32005, retryable: true } })
    expect(answers[2]).toMatchObject({ ok: false, error: { kind: 'invalid-response', retryable: true } })
  })

  it('reads a batch answer that starts with a UTF-8 byte order mark (not a refusal)', async () => {
    const rpc = createRpcClient({
      url: 'http://node.invalid',
      fetch: (async (_url: string, init: RequestInit) => {
        const ids = (JSON.parse(init.body as string) as { id: number }[]).map(r => r.id)
        const body = JSON.stringify(ids.map(id => ({ jsonrpc: '2.0', result: null, id })))
        return new Response(Buffer.concat([Buffer.from([0xEF, 0xBB, 0xBF]), Buffer.from(` ${body}`)]))
      }) as typeof fetch,
    })
    expect(await rpc.getTransactions!(['a', 'b'])).toEqual([{ ok: true, value: null }, { ok: true, value: null }])
    const raw = await rpc.fetchTransactionsBatch!(['a', 'b'])
    expect(raw.bytes.length).toBeGreaterThan(3)
  })
})
