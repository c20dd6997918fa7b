import { describe, expect, it } from 'vitest'
import { createCasinoEvents } from '../../src/events'
import { createIndexer } from '../../src/indexer/indexer'
import { RpcError } from '../../src/solana/rpc-errors'
import { memoryStore } from '../../src/store/memory'
import type { CasinoStore } from '../../src/store/types'
import { buildChain } from './bet-chain'
import { createFakeChain, newKey } from './fake-chain'
import { waitFor } from './helpers'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

describe('indexer.stop()', () => {
  it('resolves while an RPC call waits on the rate limit (a hung stop would hang casino.close())', async () => {
    const chain = createFakeChain()
    chain.add({ instructions: [] })
    const base = chain.rpc()
    let listings = 0
    const rpc = {
      ...base,
      // The first listing fails: its retry then waits in the queue for the next rate-limit interval.
      getSignaturesForAddress: async (...args: Parameters<typeof base.getSignaturesForAddress>) => {
        if (++listings === 1) throw new RpcError('getSignaturesForAddress', 'http', 'HTTP 503 (injected)', { code: 503, retryable: true })
        return base.getSignaturesForAddress(...args)
      },
    }
    const indexer = createIndexer({
      store: memoryStore(), events: createCasinoEvents(), logger: quiet, rpc,
      // One request per second; a 60 s timeout, so that stop()'s own bound cannot be what saves it.
      config: { rpcUrl: 'http://127.0.0.1:1', ownerWallet: newKey(), start: 'now', subscribe: false, rpcRateLimit: 1, retryDelay: 1, timeout: 60_000 },
    })
    await indexer.start()
    await waitFor(() => indexer.status().errors >= 1, 5000, 'the first listing to fail')
    await new Promise(r => setTimeout(r, 100)) // the retry is queued behind the rate limit by now
    expect(listings).toBe(1)
    const outcome = await Promise.race([
      indexer.stop().then(() => 'stopped'),
      new Promise(r => setTimeout(r, 5000, 'still waiting after 5 s')),
    ])
    expect(outcome).toBe('stopped')
    expect(listings).toBe(1) // the queued retry was cancelled, not run
    expect(indexer.status().running).toBe(false)
    await indexer.ready // resolved by stop
  })

  it('leaves a run started while it still waits for a commit its own publisher and thread', async () => {
    // Before, the stop() that ended closed whatever was current: the new run's publisher, so that it never
    // sent stats.updated again, and its decode thread.
    const { chain, owner, genesis } = buildChain(200, 10, 5)
    const all = [...chain.txs]
    chain.txs.splice(Math.floor(all.length / 2))
    const memory = memoryStore()
    let slow = false
    const store: CasinoStore = { ...memory, async applyBatch(batch) {
      if (slow) await new Promise(resolve => setTimeout(resolve, 300))
      return memory.applyBatch(batch)
    } }
    const events = createCasinoEvents()
    let stats = 0
    events.on('stats.updated', () => void stats++)
    const indexer = createIndexer({
      store, events, logger: quiet, rpc: chain.rpc(),
      config: {
        rpcUrl: 'http://127.0.0.1:1', ownerWallet: owner, games: [{ id: 'coinflip', extraDataHash: 'coinflip-v1' }],
        start: { signature: genesis }, subscribe: false, pollInterval: 20, retryDelay: 1, slowRetryDelay: 5, rpcRateLimit: 100_000,
        concurrency: 8, maxBatchTransactions: 8, statsDebounce: 5, timeout: 5_000,
      },
    })
    try {
      await indexer.start()
      await indexer.ready
      slow = true
      chain.txs.push(...all.slice(chain.txs.length, Math.floor(all.length * 3 / 4)))
      await waitFor(() => indexer.status().pending > 0, 10_000, 'a commit under way')
      const stopping = indexer.stop()
      await indexer.start()
      await stopping
      slow = false
      const before = stats
      chain.txs.push(...all.slice(chain.txs.length))
      await waitFor(async () => (await store.getCursor())?.signature === all.at(-1)!.info.signature, 10_000, 'the rest committed')
      await waitFor(() => stats > before, 2_000, 'stats.updated from the new run')
      expect(indexer.status().running).toBe(true)
    }
    finally {
      await indexer.stop()
    }
  })
})
