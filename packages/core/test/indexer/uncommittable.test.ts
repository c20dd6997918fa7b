import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sqliteStore } from '@fare-casino/adapters/sqlite'
import { afterAll, describe, expect, it } from 'vitest'
import { createCasinoEvents } from '../../src/events'
import { CasinoError } from '../../src/errors'
import { createIndexer } from '../../src/indexer/indexer'
import type { IndexerOptions } from '../../src/indexer/types'
import { memoryStore } from '../../src/store/memory'
import type { CasinoStore } from '../../src/store/types'
import { betEvents, createFakeChain, newKey } from './fake-chain'
import { allBets, expectTotalsMatchBets, waitFor } from './helpers'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const dir = mkdtempSync(join(tmpdir(), 'fare-uncommittable-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function config(owner: string, genesis: string): IndexerOptions {
  return {
    rpcUrl: 'http://127.0.0.1:1', ownerWallet: owner, start: { signature: genesis }, subscribe: false, pollInterval: 20,
    retryDelay: 1, slowRetryDelay: 5, rpcRateLimit: 100_000, maxBatchTransactions: 1000, groupWaitMs: 1, statsDebounce: 5,
  }
}

/**
 * 40 ordinary bets (wagers above 2^53) with, among them, a register of a u64 wager of 2^63 (valid on
 * chain, past SQLite's integers) and a resolve whose outcome pays k = 1e300.
 */
function absurdChain() {
  const chain = createFakeChain()
  const owner = newKey()
  const host = { pool: newKey(), mint: newKey(), hostToken: newKey(), hostOwner: owner }
  const genesis = chain.add({ instructions: [] })
  const player = newKey()
  const bet = (wager: bigint, qk?: [number, number][]) => {
    const trial = newKey()
    const e = betEvents({ trial, pool: host.pool, player, wager, qk, resultIndex: 1 })
    const register = chain.add({ instructions: [{ ...host, kind: 'register', trial, events: [e.register] }] })
    const resolve = chain.add({ instructions: [{ ...host, kind: 'resolve', trial, events: [e.resolve] }] })
    return { trial, register, resolve }
  }
  for (let i = 0; i < 15; i++) bet(2n ** 53n + BigInt(i))
  const hugeWager = bet(2n ** 63n)
  for (let i = 0; i < 10; i++) bet(2n ** 54n + BigInt(i))
  const hugeK = bet(5n, [[0.5, 0], [0.5, 1e300]])
  for (let i = 0; i < 15; i++) bet(2n ** 55n + BigInt(i))
  return { chain, owner, genesis, hugeWager, hugeK }
}

async function ingest(store: CasinoStore, built: ReturnType<typeof absurdChain>) {
  const { chain, owner, genesis } = built
  const indexer = createIndexer({ store, events: createCasinoEvents(), logger: quiet, config: config(owner, genesis), rpc: chain.rpc() })
  await indexer.start()
  await waitFor(async () => (await store.getCursor())?.signature === chain.txs.at(-1)!.info.signature, 20_000, 'the cursor to reach the last transaction')
  await indexer.stop()
  return indexer
}

describe('a transaction the store refuses for good', () => {
  it('is isolated, recorded with its signature and skipped; ingestion goes on (SQLite, amounts past 2^63 - 1)', async () => {
    const built = absurdChain()
    const store = sqliteStore({ file: join(dir, 'refuses.sqlite') })
    await store.migrate()
    try {
      const indexer = await ingest(store, built)
      const bets = await allBets(store)
      // The 2^63 register is refused: no bet. The k = 1e300 resolve is refused: its bet stays pending.
      expect(bets).toHaveLength(41)
      expect(await store.getBet(built.hugeWager.trial)).toBeNull()
      expect(await store.getBet(built.hugeK.trial)).toMatchObject({ status: 'pending', wager: 5n })
      expect(bets.filter(b => b.status === 'settled')).toHaveLength(40)
      await expectTotalsMatchBets(store, bets)

      const system = await store.listSystemEvents({ limit: 50 })
      const skipped = system.filter(e => e.type === 'indexer.uncommittable')
      expect(skipped.map(e => e.metadata?.signature).sort()).toEqual([built.hugeWager.register, built.hugeK.resolve].sort())
      expect(skipped.every(e => e.severity === 'error' && e.metadata?.reason === 'casino:AMOUNT_OUT_OF_RANGE')).toBe(true)
      expect(indexer.status().lastSignature).toBe(built.chain.txs.at(-1)!.info.signature)
    }
    finally {
      await store.close()
    }
  })

  it('is retried, not skipped, while the store fails transiently', async () => {
    const built = absurdChain()
    const store = memoryStore()
    const applyBatch = store.applyBatch.bind(store)
    let failures = 0
    store.applyBatch = (batch) => {
      if (failures++ < 8) return Promise.reject(new CasinoError('STORE_ERROR', 'connection reset (injected)'))
      return applyBatch(batch)
    }
    await ingest(store, built)
    expect((await store.listSystemEvents({ limit: 50 })).filter(e => e.type === 'indexer.uncommittable')).toEqual([])
    // The memory store holds any amount: nothing is skipped, and k = 1e300 pays a finite, exact amount.
    expect(await allBets(store)).toHaveLength(42)
    expect(await store.getBet(built.hugeK.trial)).toMatchObject({ status: 'settled', payout: 5n * BigInt(1e300) })
    expect(await store.getBet(built.hugeWager.trial)).toMatchObject({ status: 'settled', wager: 2n ** 63n })
  })
})
