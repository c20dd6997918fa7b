import { describe, expect, it } from 'vitest'
import { createCasinoEvents } from '../../src/events'
import { createIndexer } from '../../src/indexer/indexer'
import type { IndexerStatus } from '../../src/indexer/types'
import type { RpcClient } from '../../src/solana/rpc'
import { memoryStore } from '../../src/store/memory'
import type { CasinoStore } from '../../src/store/types'
import { buildChain } from './bet-chain'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/** `rpc` whose signature listing answers `ms` late, as a node across a network does. */
function slowListing(rpc: RpcClient, ms: number): RpcClient {
  return { ...rpc, getSignaturesForAddress: async (...args) => (await sleep(ms), rpc.getSignaturesForAddress(...args)) }
}

/** `store` whose commits take `ms` longer. */
function slowCommits(store: CasinoStore, ms: number): CasinoStore {
  return { ...store, applyBatch: async batch => (await sleep(ms), store.applyBatch(batch)) }
}

describe('indexer status while catching up', () => {
  it('counts the lag from the newest listed transaction, while it lists and while it commits a backlog in chunks', async () => {
    // Before, the head was only learnt from each chunk handed over (oldest first) and from a getSlot after
    // the whole walk: 0 while the first listing ran, then about one chunk, however far behind.
    const { chain, owner, genesis } = buildChain(120, 6, 5)
    const head = chain.txs.at(-1)!.info.slot
    const indexer = createIndexer({
      store: slowCommits(memoryStore(), 15),
      events: createCasinoEvents(),
      logger: quiet,
      config: {
        rpcUrl: 'http://127.0.0.1:1', ownerWallet: owner, games: [{ id: 'coinflip', extraDataHash: 'coinflip-v1' }],
        start: { signature: genesis }, subscribe: false, pollInterval: 20, retryDelay: 1, rpcRateLimit: 100_000,
        maxBatchTransactions: 16, backfillChunk: 40,
      },
      rpc: slowListing(chain.rpc({ shortPages: 10 }), 10),
    })
    const samples: IndexerStatus[] = []
    const sampler = setInterval(() => samples.push(indexer.status()), 5)
    try {
      await indexer.start()
      await indexer.ready
    }
    finally {
      clearInterval(sampler)
      await indexer.stop()
    }
    const behind = samples.filter(s => s.running && !s.live)
    expect(behind.length).toBeGreaterThan(10)
    // Listing, nothing queued yet: behind by everything after the start.
    const listing = behind.filter(s => s.pending === 0 && s.lastSlot === null)
    expect(listing.some(s => s.lagSlots > 0)).toBe(true)
    // Every figure while behind is the distance from the last commit to the newest transaction seen.
    for (const s of behind) {
      if (s.headSlot === null || s.lastSlot === null) continue
      expect(s.headSlot).toBe(head)
      expect(s.lagSlots).toBe(head - s.lastSlot)
    }
    expect(behind.filter(s => s.lastSlot !== null).length).toBeGreaterThan(3)
    expect(indexer.status().lagSlots).toBe(0)
  })
})
