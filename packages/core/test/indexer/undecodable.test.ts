import { describe, expect, it } from 'vitest'
import { createCasinoEvents } from '../../src/events'
import { createIndexer } from '../../src/indexer/indexer'
import { UNDECODABLE_FETCHES } from '../../src/indexer/pipeline'
import type { RpcClient, TransactionJson } from '../../src/solana/rpc'
import { memoryStore } from '../../src/store/memory'
import { betEvents, createFakeChain, newKey } from './fake-chain'
import { answering, rawBatchRpc, waitFor } from './helpers'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

/** How an answer gets damaged on its way: served without its logs, or with its message cut off. */
const damages: ((tx: TransactionJson) => TransactionJson)[] = [
  tx => ({ ...tx, meta: { ...tx.meta!, logMessages: null } }),
  tx => ({ ...tx, transaction: { ...tx.transaction, message: {} } }) as unknown as TransactionJson,
]

/**
 * `base` with the first `times` answers for `signature` damaged (one request each, in batches, or as the
 * raw batch bodies the decode thread reads); `fetches()` counts the answers for it.
 */
function damaging(base: RpcClient, signature: string, times: number) {
  let fetches = 0
  const change = (sig: string, tx: TransactionJson | null): TransactionJson | null => {
    if (sig !== signature || !tx) return tx
    fetches++
    return fetches <= times ? damages[fetches % damages.length]!(tx) : tx
  }
  return { rpc: answering(base, change), fetches: () => fetches }
}

const modes = [
  ['JSON-RPC batches', (chain: ReturnType<typeof createFakeChain>) => chain.rpc(), false],
  ['one request each', (chain: ReturnType<typeof createFakeChain>) => chain.rpc({}, { batches: false }), false],
  ['the decode thread', (chain: ReturnType<typeof createFakeChain>) => rawBatchRpc(chain, () => 0.5), true],
] as const

/** A chain of two bets whose first register is the one the tests damage. */
function twoBets() {
  const chain = createFakeChain()
  const owner = newKey()
  const host = { pool: newKey(), mint: newKey(), hostToken: newKey(), hostOwner: owner }
  const genesis = chain.add({ instructions: [] })
  const trials = [newKey(), newKey()]
  const bets = trials.map(trial => betEvents({ trial, pool: host.pool, player: newKey(), wager: 1_000n, resultIndex: 1 }))
  const registers = trials.map((trial, i) => chain.add({ instructions: [{ ...host, kind: 'register', trial, events: [bets[i]!.register] }] }))
  trials.forEach((trial, i) => chain.add({ instructions: [{ ...host, kind: 'resolve', trial, events: [bets[i]!.resolve] }] }))
  return { chain, owner, genesis, trials, registers }
}

/** Indexes `chain` through `rpc` until the cursor is its last transaction; the store and the indexer's status. */
async function indexAll(chain: ReturnType<typeof createFakeChain>, rpc: RpcClient, owner: string, genesis: string, decodeThread: boolean, retry = { retries: 3, slowRetryDelay: 5 }) {
  const store = memoryStore()
  const indexer = createIndexer({
    store, events: createCasinoEvents(), logger: quiet, rpc,
    config: { rpcUrl: 'http://127.0.0.1:1', ownerWallet: owner, start: { signature: genesis }, subscribe: false, pollInterval: 20, retryDelay: 1, ...retry, rpcRateLimit: 100_000, decodeThread },
  })
  await indexer.start()
  try {
    await waitFor(async () => (await store.getCursor())?.signature === chain.txs.at(-1)!.info.signature, 10_000, 'the cursor')
    return { store, status: indexer.status() }
  }
  finally {
    await indexer.stop()
  }
}

describe('an answer that cannot be decoded', () => {
  it.each(modes)('is fetched again, and a good answer keeps the bet (%s)', async (_, rpcOf, decodeThread) => {
    const { chain, owner, genesis, trials, registers } = twoBets()
    const { rpc, fetches } = damaging(rpcOf(chain), registers[0]!, UNDECODABLE_FETCHES - 1)
    const { store } = await indexAll(chain, rpc, owner, genesis, decodeThread)
    expect(fetches()).toBeGreaterThanOrEqual(UNDECODABLE_FETCHES)
    for (const trial of trials) expect(await store.getBet(trial)).toMatchObject({ status: 'settled', wager: 1_000n })
    expect((await store.listSystemEvents({ limit: 10 })).filter(s => s.type === 'indexer.undecodable')).toEqual([])
  })

  it.each(modes)('is recorded once and skipped when every answer is undecodable, and the rest goes on (%s)', async (_, rpcOf, decodeThread) => {
    const { chain, owner, genesis, trials, registers } = twoBets()
    const { rpc, fetches } = damaging(rpcOf(chain), registers[0]!, Infinity)
    const { store, status } = await indexAll(chain, rpc, owner, genesis, decodeThread)
    expect(fetches()).toBeGreaterThanOrEqual(UNDECODABLE_FETCHES)
    // The damaged register is skipped: its resolve waits for it; the other bet is whole.
    expect(await store.getBet(trials[0]!)).toBeNull()
    expect(await store.getBet(trials[1]!)).toMatchObject({ status: 'settled' })
    const undecodable = (await store.listSystemEvents({ limit: 10 })).filter(s => s.type === 'indexer.undecodable')
    expect(undecodable).toEqual([expect.objectContaining({ severity: 'error', metadata: expect.objectContaining({ signature: registers[0] }) })])
    expect(status.errors).toBeGreaterThanOrEqual(1)
  })

  it.each(modes)('spends none of the fetch\'s attempts: no slow retries and no fetch_failing report with retries: 1 (%s)', async (_, rpcOf, decodeThread) => {
    // Fetched again, a damaged answer counted as a failing node: with fewer `retries` than
    // UNDECODABLE_FETCHES it waited `slowRetryDelay` (a minute here) and reported indexer.fetch_failing.
    const retry = { retries: 1, slowRetryDelay: 60_000 }
    for (const times of [UNDECODABLE_FETCHES - 1, Infinity]) {
      const { chain, owner, genesis, trials, registers } = twoBets()
      const { rpc } = damaging(rpcOf(chain), registers[0]!, times)
      const { store } = await indexAll(chain, rpc, owner, genesis, decodeThread, retry)
      expect(await store.getBet(trials[1]!)).toMatchObject({ status: 'settled' })
      expect(await store.getBet(trials[0]!)).toEqual(times === Infinity ? null : expect.objectContaining({ status: 'settled' }))
      const types = (await store.listSystemEvents({ limit: 10 })).map(s => s.type)
      expect(types).not.toContain('indexer.fetch_failing')
      expect(types.filter(type => type === 'indexer.undecodable')).toHaveLength(times === Infinity ? 1 : 0)
    }
  }, 30_000)
})
