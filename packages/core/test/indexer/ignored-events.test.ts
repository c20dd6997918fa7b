import { expect, it } from 'vitest'
import { createCasinoEvents } from '../../src/events'
import { createIndexer } from '../../src/indexer/indexer'
import { memoryStore } from '../../src/store/memory'
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

it('never settles a bet with the resolve of an earlier trial of its keypair, registered before the start', async () => {
  const chain = createFakeChain()
  const owner = newKey()
  const host = { pool: newKey(), mint: newKey(), hostToken: newKey(), hostOwner: owner }
  const trial = newKey()
  const player = newKey()
  const first = betEvents({ trial, pool: host.pool, player, wager: 1000n, resultIndex: 0 })
  chain.add({ instructions: [{ ...host, kind: 'register', trial, events: [first.register] }] })
  // The casino starts here: it sees the first trial's resolve, never its register.
  const start = chain.add({ instructions: [] })
  const firstResolved = chain.add({ instructions: [{ ...host, kind: 'resolve', trial, events: [first.resolve] }] })
  chain.nextSlot()
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
