import { describe, expect, it } from 'vitest'
import { createCasinoEvents } from '../../src/events'
import { createIndexer } from '../../src/indexer/indexer'
import type { RpcClient, TransactionJson } from '../../src/solana/rpc'
import { memoryStore } from '../../src/store/memory'
import { betEvents, createFakeChain, newKey } from './fake-chain'
import { answering, waitFor } from './helpers'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

/** Indexes `chain` from `genesis` through `rpc` until the cursor is its last transaction; the store. */
async function indexAll(chain: ReturnType<typeof createFakeChain>, rpc: RpcClient, owner: string, genesis: string) {
  const store = memoryStore()
  const indexer = createIndexer({
    store, events: createCasinoEvents(), logger: quiet, rpc,
    config: { rpcUrl: 'http://127.0.0.1:1', ownerWallet: owner, start: { signature: genesis }, subscribe: false, pollInterval: 20, retryDelay: 1, slowRetryDelay: 5, rpcRateLimit: 100_000 },
  })
  await indexer.start()
  await waitFor(async () => (await store.getCursor())?.signature === chain.txs.at(-1)!.info.signature, 20_000, 'the cursor')
  await indexer.stop()
  return store
}

describe('a transaction served without meta', () => {
  it.each([['JSON-RPC batches', true], ['one request per transaction', false]])('is fetched again until the node serves it, never skipped (%s)', async (_, batches) => {
    const chain = createFakeChain()
    const owner = newKey()
    const host = { pool: newKey(), mint: newKey(), hostToken: newKey(), hostOwner: owner }
    const genesis = chain.add({ instructions: [] })
    const trial = newKey()
    const e = betEvents({ trial, pool: host.pool, player: newKey(), wager: 2n ** 60n, resultIndex: 1 })
    const lagging = chain.add({ instructions: [{ ...host, kind: 'register', trial, events: [e.register] }] })
    chain.add({ instructions: [{ ...host, kind: 'resolve', trial, events: [e.resolve] }] })

    // A node behind the others: the first three answers for the register come without meta.
    const base = chain.rpc({}, { batches })
    let served = 0
    const strip = (signature: string, tx: TransactionJson | null): TransactionJson | null => {
      if (signature !== lagging || !tx || ++served > 3) return tx
      return { ...tx, meta: null }
    }
    const rpc = answering(base, strip)
    const store = await indexAll(chain, rpc, owner, genesis)
    expect(served).toBeGreaterThan(3)
    expect(await store.getBet(trial)).toMatchObject({ status: 'settled', wager: 2n ** 60n, payout: (2n ** 60n * 198n) / 100n })
    expect((await store.listSystemEvents({ limit: 10 })).filter(s => s.type === 'indexer.undecodable')).toEqual([])
  })
})

describe('an answer that is another transaction than the one asked for', () => {
  it.each([['JSON-RPC batches', true], ['one request per transaction', false]])('is fetched again, never stored under the wrong signature (%s)', async (_, batches) => {
    const chain = createFakeChain()
    const owner = newKey()
    const host = { pool: newKey(), mint: newKey(), hostToken: newKey(), hostOwner: owner }
    const genesis = chain.add({ instructions: [] })
    const trials = [newKey(), newKey()]
    const bets = trials.map(trial => ({ trial, e: betEvents({ trial, pool: host.pool, player: newKey(), wager: 1_000n, resultIndex: 1 }) }))
    const registers = bets.map(b => chain.add({ instructions: [{ ...host, kind: 'register', trial: b.trial, events: [b.e.register] }] }))
    for (const b of bets) chain.add({ instructions: [{ ...host, kind: 'resolve', trial: b.trial, events: [b.e.resolve] }] })

    // A proxy that mixes answers up: the first three for the second register are the first register.
    const base = chain.rpc({}, { batches })
    const first = await base.getTransaction(registers[0]!)
    let swapped = 0
    const swap = (signature: string, tx: TransactionJson | null): TransactionJson | null =>
      (signature === registers[1] && swapped++ < 3 ? first : tx)
    const rpc = answering(base, swap)
    const store = await indexAll(chain, rpc, owner, genesis)
    expect(swapped).toBeGreaterThan(3)
    for (const [i, b] of bets.entries()) {
      expect(await store.getBet(b.trial)).toMatchObject({ status: 'settled', registerSignature: registers[i] })
    }
    expect((await store.listSystemEvents({ limit: 10 })).filter(s => s.type === 'indexer.undecodable')).toEqual([])
  })
})
