import { expect, it } from 'vitest'
import { CasinoError } from '../../src/errors'
import { createCasinoEvents } from '../../src/events'
import { createIndexer } from '../../src/indexer/indexer'
import { memoryStore } from '../../src/store/memory'
import type { CasinoStore, SystemEvent } from '../../src/store/types'
import { betEvents, createFakeChain, newKey } from './fake-chain'
import { allBets, waitFor } from './helpers'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

it('records a trial registered again with its keypair, and its second resolve: a bet is one trial, never dropped silently', async () => {
  const chain = createFakeChain()
  const owner = newKey()
  const host = { pool: newKey(), mint: newKey(), hostToken: newKey(), hostOwner: owner }
  const genesis = chain.add({ instructions: [] })
  const trial = newKey()
  const player = newKey()
  const first = betEvents({ trial, pool: host.pool, player, wager: 1000n, resultIndex: 0 })
  chain.add({ instructions: [{ ...host, kind: 'register', trial, events: [first.register] }] })
  chain.add({ instructions: [{ ...host, kind: 'resolve', trial, events: [first.resolve] }] })
  // The trial account closed, its keypair registers again: another wager under the same trial id.
  const second = betEvents({ trial, pool: host.pool, player, wager: 5000n, resultIndex: 1 })
  const again = chain.add({ instructions: [{ ...host, kind: 'register', trial, events: [second.register] }] })
  const againResolved = chain.add({ instructions: [{ ...host, kind: 'resolve', trial, events: [second.resolve] }] })
  const store = memoryStore()
  const indexer = createIndexer({
    store, events: createCasinoEvents(), logger: quiet, rpc: chain.rpc(),
    config: { rpcUrl: 'http://127.0.0.1:1', ownerWallet: owner, start: { signature: genesis }, subscribe: false, pollInterval: 20, retryDelay: 1, slowRetryDelay: 5, rpcRateLimit: 100_000, groupWaitMs: 1, statsDebounce: 5 },
  })
  await indexer.start()
  await waitFor(async () => (await store.getCursor())?.signature === chain.txs.at(-1)!.info.signature, 20_000, 'the cursor to reach the last transaction')
  const reported = async () => (await store.listSystemEvents({ limit: 10 })).filter(e => e.type === 'indexer.event_ignored')
    .flatMap(e => (e.metadata?.events as { reason: string, signature: string, trialId: string }[]).map(i => [e.severity, i.reason, i.signature, i.trialId]))
  await waitFor(async () => (await reported()).length >= 2, 5_000, 'the system events')
  await indexer.stop()
  expect((await allBets(store)).map(b => b.wager)).toEqual([1000n])
  // Newest event first; within one, in chain order.
  expect((await reported()).sort((a, b) => String(a[1]).localeCompare(String(b[1])))).toEqual([
    ['warn', 'bet already settled', againResolved, trial],
    ['warn', 'trial already registered', again, trial],
  ])
})

it.each([
  ['in a later slot', false],
  ['in the slot of that resolve, on a node that gives positions', true],
] as const)('never settles a bet with the resolve of an earlier trial of its keypair, registered before the start: registered again %s', async (_, sameSlot) => {
  const chain = createFakeChain()
  const owner = newKey()
  const host = { pool: newKey(), mint: newKey(), hostToken: newKey(), hostOwner: owner }
  const trial = newKey()
  const player = newKey()
  const first = betEvents({ trial, pool: host.pool, player, wager: 1000n, resultIndex: 0 })
  chain.add({ instructions: [{ ...host, kind: 'register', trial, events: [first.register] }] })
  // The casino starts here: it sees the first trial's resolve, never its register.
  const start = chain.add({ instructions: [] })
  if (sameSlot) chain.nextSlot()
  const firstResolved = chain.add({ instructions: [{ ...host, kind: 'resolve', trial, events: [first.resolve] }] })
  if (!sameSlot) chain.nextSlot()
  const second = betEvents({ trial, pool: host.pool, player, wager: 5000n, resultIndex: 1 })
  chain.add({ instructions: [{ ...host, kind: 'register', trial, events: [second.register] }] })
  chain.nextSlot()
  const secondResolved = chain.add({ instructions: [{ ...host, kind: 'resolve', trial, events: [second.resolve] }] })
  const store = memoryStore()
  const settled: string[] = []
  const events = createCasinoEvents()
  events.on('bet.settled', bet => settled.push(`${bet.resultIndex} ${bet.resolveSignature}`))
  const indexer = createIndexer({
    store, events, logger: quiet, rpc: chain.rpc(),
    config: { rpcUrl: 'http://127.0.0.1:1', ownerWallet: owner, start: { signature: start }, subscribe: false, pollInterval: 20, retryDelay: 1, slowRetryDelay: 5, rpcRateLimit: 100_000, groupWaitMs: 1, statsDebounce: 5 },
  })
  await indexer.start()
  await waitFor(async () => (await store.getCursor())?.signature === secondResolved, 20_000, 'the cursor to reach the last transaction')
  await waitFor(async () => (await store.listSystemEvents({ limit: 10 })).some(e => e.type === 'indexer.event_ignored'), 5_000, 'the system event')
  await indexer.stop()
  expect((await allBets(store)).map(b => [b.wager, b.status, b.resultIndex, b.resolveSignature])).toEqual([[5000n, 'settled', 1, secondResolved]])
  expect(settled).toEqual([`1 ${secondResolved}`])
  const reported = (await store.listSystemEvents({ limit: 10 })).filter(e => e.type === 'indexer.event_ignored')
    .flatMap(e => (e.metadata?.events as { reason: string, signature: string }[]).map(i => [i.reason, i.signature]))
  expect(reported).toEqual([['resolve without its register', firstResolved]])
  expect(await store.stats(0)).toMatchObject({ totalBets: 1, pendingBets: 0, totalWagered: 5000n })
})

/** A chain whose last transaction resolves a settled bet again (an ignored event), and its host. */
function chainWithIgnoredResolve() {
  const chain = createFakeChain()
  const owner = newKey()
  const host = { pool: newKey(), mint: newKey(), hostToken: newKey(), hostOwner: owner }
  const genesis = chain.add({ instructions: [] })
  const trial = newKey()
  const bet = betEvents({ trial, pool: host.pool, player: newKey(), wager: 1000n, resultIndex: 0 })
  chain.add({ instructions: [{ ...host, kind: 'register', trial, events: [bet.register] }] })
  chain.add({ instructions: [{ ...host, kind: 'resolve', trial, events: [bet.resolve] }] })
  chain.nextSlot()
  const again = chain.add({ instructions: [{ ...host, kind: 'resolve', trial, events: [bet.resolve] }] })
  return { chain, owner, genesis, again }
}

/** Runs an indexer over `chain` into `store` until its cursor reaches `last`, and returns the reports. */
async function reportsAfterIngest(store: CasinoStore, inner: CasinoStore, { chain, owner, genesis, again }: ReturnType<typeof chainWithIgnoredResolve>) {
  const indexer = createIndexer({
    store, events: createCasinoEvents(), logger: quiet, rpc: chain.rpc(),
    config: { rpcUrl: 'http://127.0.0.1:1', ownerWallet: owner, start: { signature: genesis }, subscribe: false, pollInterval: 20, retryDelay: 1, slowRetryDelay: 5, rpcRateLimit: 100_000, groupWaitMs: 1, statsDebounce: 5 },
  })
  await indexer.start()
  await waitFor(async () => (await inner.getCursor())?.signature === again, 20_000, 'the cursor to reach the last transaction')
  // The indexer's own report (when it makes one) is written after the commit, unawaited.
  await new Promise(resolve => setTimeout(resolve, 100))
  await indexer.stop()
  return (await inner.listSystemEvents({ limit: 10 })).filter(e => e.type === 'indexer.event_ignored')
    .flatMap(e => (e.metadata?.events as { reason: string, signature: string }[]).map(i => [i.reason, i.signature]))
}

it('reports an ignored event once when the commit\'s reply is lost and the batch, sent again, is all duplicates', async () => {
  const setup = chainWithIgnoredResolve()
  const inner = memoryStore()
  let lost = 0
  const store: CasinoStore = {
    ...inner,
    applyPackedBatch: undefined,
    async applyBatch(batch) {
      const result = await inner.applyBatch(batch)
      // Written, then the connection drops before the answer: the indexer cannot tell, and sends it again.
      if ((result.ignored ?? []).length > 0 && lost++ === 0) throw new CasinoError('STORE_ERROR', 'connection lost after COMMIT')
      return result
    },
  }
  expect(await reportsAfterIngest(store, inner, setup)).toEqual([['bet already settled', setup.again]])
  expect(lost).toBe(1)
})

it('records the report itself for a store that does not write it with the batch', async () => {
  const setup = chainWithIgnoredResolve()
  const inner = memoryStore()
  // A store written before `recordsIgnoredEvents`: what the indexer records is kept apart from the inner
  // store's own report, so that only the indexer's is counted.
  const recorded: SystemEvent[] = []
  const store: CasinoStore = {
    ...inner,
    recordsIgnoredEvents: undefined,
    applyPackedBatch: undefined,
    async recordSystemEvent(event) {
      recorded.push({ ...event, id: recorded.length + 1 })
    },
  }
  await reportsAfterIngest(store, inner, setup)
  expect(recorded.filter(e => e.type === 'indexer.event_ignored').map(e => e.metadata)).toEqual([
    { count: 1, events: [{ id: expect.any(String), trialId: expect.any(String), signature: setup.again, reason: 'bet already settled' }] },
  ])
})
