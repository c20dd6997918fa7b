import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { postgresStore } from '@fare-casino/adapters/postgres'
import { redisStore } from '@fare-casino/adapters/redis'
import { sqliteStore } from '@fare-casino/adapters/sqlite'
import { afterAll, describe, expect, it } from 'vitest'
import { deleteKeys, postgresAvailable, postgresSchemas, postgresUrl, redisAvailable, redisUrl, uniqueName } from '../../../adapters/test/_services'
import { createCasinoEvents } from '../../src/events'
import { createIndexer } from '../../src/indexer/indexer'
import type { CasinoStore } from '../../src/store/types'
import { betEvents, createFakeChain, newKey } from './fake-chain'
import { allBets, expectTotalsMatchBets, waitFor } from './helpers'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const dir = mkdtempSync(join(tmpdir(), 'fare-chain-text-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const pgUp = await postgresAvailable()
const redisUp = await redisAvailable()
const pg = postgresSchemas('fare_chain_text')

/** Ten bets, the fifth with an extra_data_hash holding U+0000 (a Rust String may, and anyone can register one). */
function chainWithNul() {
  const chain = createFakeChain()
  const owner = newKey()
  const host = { pool: newKey(), mint: newKey(), hostToken: newKey(), hostOwner: owner }
  const genesis = chain.add({ instructions: [] })
  const trials: string[] = []
  for (let i = 0; i < 10; i++) {
    const trial = newKey()
    trials.push(trial)
    const e = betEvents({ trial, pool: host.pool, player: newKey(), wager: 1000n + BigInt(i), hash: i === 4 ? 'a\u0000b' : 'plain', resultIndex: i % 2 })
    chain.add({ instructions: [{ ...host, kind: 'register', trial, events: [e.register] }] })
    chain.add({ instructions: [{ ...host, kind: 'resolve', trial, events: [e.resolve] }] })
  }
  return { chain, owner, genesis, trials }
}

const stores: [name: string, skip: boolean, open: () => Promise<{ store: CasinoStore, cleanup?: () => Promise<void> }>][] = [
  ['sqlite', false, async () => ({ store: sqliteStore({ file: join(dir, `${uniqueName('t')}.sqlite`) }) })],
  ['postgres', !pgUp, async () => ({ store: postgresStore({ url: postgresUrl, schema: pg.schema(), max: 2 }) })],
  ['redis', !redisUp, async () => {
    const store = redisStore({ url: redisUrl, prefix: `${uniqueName('fare_chain_text')}:` })
    return { store, cleanup: () => deleteKeys(store.redis, store.prefix) }
  }],
]

describe('text from chain that a store could not hold as it is', () => {
  for (const [name, skip, open] of stores) it.skipIf(skip)(`keeps a bet whose extra_data_hash holds U+0000, as every store can (${name})`, async () => {
    const { chain, owner, genesis, trials } = chainWithNul()
    const { store, cleanup } = await open()
    await store.migrate()
    try {
      const indexer = createIndexer({
        store, events: createCasinoEvents(), logger: quiet, rpc: chain.rpc(),
        config: { rpcUrl: 'http://127.0.0.1:1', ownerWallet: owner, start: { signature: genesis }, subscribe: false, pollInterval: 20, retryDelay: 1, slowRetryDelay: 5, rpcRateLimit: 100_000, groupWaitMs: 1, statsDebounce: 5 },
      })
      await indexer.start()
      await waitFor(async () => (await store.getCursor())?.signature === chain.txs.at(-1)!.info.signature, 20_000, 'the cursor to reach the last transaction')
      await indexer.stop()
      // Postgres text cannot hold U+0000: the bet was refused for good there and skipped.
      const bets = await allBets(store)
      expect(bets).toHaveLength(10)
      expect(bets.every(b => b.status === 'settled')).toBe(true)
      expect(await store.getBet(trials[4]!)).toMatchObject({ extraDataHash: 'a\uFFFDb', game: 'unknown' })
      await expectTotalsMatchBets(store, bets)
      expect((await store.listSystemEvents({ limit: 50 })).filter(e => e.type === 'indexer.uncommittable')).toEqual([])
    }
    finally {
      await cleanup?.()
      await store.close()
    }
  })
})
