import { describe, expect, it } from 'vitest'
import { createCasinoEvents } from '../../src/events'
import { createIndexer } from '../../src/indexer/indexer'
import { RpcError } from '../../src/solana/rpc-errors'
import { memoryStore } from '../../src/store/memory'
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
})
