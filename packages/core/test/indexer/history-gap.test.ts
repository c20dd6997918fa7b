/**
 * A node whose history does not reach back to the stored cursor (a pruned ledger, a provider without
 * long-term storage) lists only what it has: the walk down to the cursor ends early and looks complete.
 * The indexer must say so, as an `indexer.history_gap` SystemEvent, not move on silently.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sqliteStore } from '@fare-casino/adapters/sqlite'
import { startLocalnet } from '@fare-casino/localnet'
import { afterAll, expect, it } from 'vitest'
import { createCasinoEvents } from '../../src/events'
import { listingReach } from '../../src/indexer/discover'
import { createIndexer } from '../../src/indexer/indexer'
import type { RpcClient, SignatureInfo } from '../../src/solana/rpc'
import type { CasinoStore } from '../../src/store/types'
import { allBets, waitFor } from './helpers'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const dir = mkdtempSync(join(tmpdir(), 'fare-history-gap-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Whether a request is the reach check's: a getSignaturesForAddress of one signature. */
function isReachCheck(init: RequestInit): boolean {
  const request = JSON.parse(String(init.body)) as { method?: string, params?: [string, { limit?: number }] }
  return request.method === 'getSignaturesForAddress' && request.params?.[1]?.limit === 1
}

/** A fetch in front of the node whose getSignaturesForAddress lists nothing at or below `firstSlot - 1`. */
function prunedBelow(firstSlot: number): typeof fetch {
  return (async (url: string, init: RequestInit) => {
    const response = await fetch(url, init)
    const request = JSON.parse(String(init.body)) as { method?: string }
    if (Array.isArray(request) || request.method !== 'getSignaturesForAddress') return response
    const body = await response.json() as { result?: { slot: number }[] }
    if (Array.isArray(body.result)) body.result = body.result.filter(info => info.slot >= firstSlot)
    return new Response(JSON.stringify(body), { status: response.status, headers: { 'content-type': 'application/json' } })
  }) as typeof fetch
}

it('records a history gap when the node cannot list back to the cursor, and none when it can', async () => {
  const net = await startLocalnet({ seed: 47, slotMs: 20, resolveDelayMs: 10 })
  const store = sqliteStore({ file: join(dir, 'gap.sqlite') })
  try {
    await store.migrate()
    const owner = (await net.createPlayer()).publicKey
    const players = await Promise.all(Array.from({ length: 3 }, () => net.createPlayer({ tokens: 10n ** 30n })))
    const game = net.games[0]!.id
    const genesis = (await net.spoofEvent({ player: players[0]!, wager: 1n, game })).signature
    const bet = (i: number) => net.placeBet({ player: players[i % players.length]!, wager: 1000n + BigInt(i), game, host: owner })
    /** Runs an indexer until `count` bets are settled and `checks` reach checks were answered. */
    const run = async (count: number, checks: number, beforeCheck?: () => Promise<void>) => {
      let answered = 0
      const counting = (async (url: string, init: RequestInit) => {
        const check = isReachCheck(init)
        if (check) await beforeCheck?.()
        const response = await fetch(url, init)
        if (check) answered++
        return response
      }) as typeof fetch
      const indexer = createIndexer({
        store, events: createCasinoEvents(), logger: quiet,
        config: {
          rpcUrl: net.rpcUrl, ownerWallet: owner, start: { signature: genesis }, subscribe: false, pollInterval: 50,
          retryDelay: 5, slowRetryDelay: 20, fetch: counting,
        },
      })
      await indexer.start()
      try {
        await waitFor(async () => (await store.stats(Date.now())).totalBets === count && answered >= checks, 30_000, `${count} bets, ${checks} checks`)
        // Whatever the last check found has been recorded by now.
        await new Promise(resolve => setTimeout(resolve, 50))
      }
      finally {
        await indexer.stop()
      }
      return answered
    }
    const gaps = async (s: CasinoStore) => (await s.listSystemEvents({ limit: 100 })).filter(e => e.type === 'indexer.history_gap')

    for (let i = 0; i < 10; i++) await bet(i)
    await net.waitForIdle()
    // No cursor yet: nothing to check (the one request of one signature is the walk's own end, which
    // asks the node for the signature before the oldest it listed).
    expect(await run(10, 0)).toBe(1)
    // Resumed from its cursor by a node with the whole history: checked once, no gap.
    for (let i = 10; i < 15; i++) await bet(i)
    await net.waitForIdle()
    expect(await run(15, 1)).toBe(1)
    // Resumed with nothing new, and a bet landing between the walk and the check: the check cannot tell
    // (the node's newest is newer than the cursor), so the next walk, which lists that bet, is checked.
    let landed = false
    const answered = await run(16, 2, async () => {
      if (landed) return
      landed = true
      await bet(15)
      await net.waitForIdle()
    })
    expect(answered).toBe(2)
    expect(await gaps(store)).toEqual([])
    const cursor = (await store.getCursor())!

    // Ten more bets, then a node whose history starts after the fifth of them.
    const later: { signature: string }[] = []
    for (let i = 16; i < 26; i++) {
      later.push(await bet(i))
      // A slot or two apart (slots of 20 ms), so that the node's history can start between two of them.
      await new Promise(resolve => setTimeout(resolve, 40))
    }
    await net.waitForIdle()
    const slotOf = async (signature: string) => {
      const res = await fetch(net.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getTransaction', params: [signature, { maxSupportedTransactionVersion: 0, commitment: 'confirmed' }] }) })
      return ((await res.json()) as { result: { slot: number } }).result.slot
    }
    const firstSlot = (await slotOf(later[4]!.signature)) + 1
    const visible = (await Promise.all(later.map(b => slotOf(b.signature)))).filter(slot => slot >= firstSlot).length
    expect(visible).toBeGreaterThan(0)
    // The bets registered inside the node's history are still indexed.
    const before = (await allBets(store)).length
    const indexer = createIndexer({
      store, events: createCasinoEvents(), logger: quiet,
      config: { rpcUrl: net.rpcUrl, ownerWallet: owner, start: { signature: genesis }, subscribe: false, pollInterval: 50, retryDelay: 5, slowRetryDelay: 20, fetch: prunedBelow(firstSlot) },
    })
    await indexer.start()
    try {
      await waitFor(async () => (await gaps(store)).length > 0 && (await allBets(store)).length >= before + visible, 30_000, 'a history gap recorded')
    }
    finally {
      await indexer.stop()
    }
    const [gap] = await gaps(store)
    expect(gap).toMatchObject({ severity: 'error', metadata: { from: cursor.signature, fromSlot: cursor.slot } })
    expect((gap!.metadata as { oldestListedSlot: number }).oldestListedSlot).toBeGreaterThanOrEqual(firstSlot)
    expect((await allBets(store)).length).toBe(before + visible)
    expect(await gaps(store)).toHaveLength(1)
  }
  finally {
    await store.close()
    await net.close()
  }
})

/**
 * A localnet (slots of 20 ms) with one funded player, a SQLite store in `file`, and a spoofed event as the
 * indexer's start: nothing of the casino's before it.
 */
async function oneBettor(seed: number, file: string) {
  const net = await startLocalnet({ seed, slotMs: 20, resolveDelayMs: 10 })
  const store = sqliteStore({ file: join(dir, file) })
  await store.migrate()
  const owner = (await net.createPlayer()).publicKey
  const player = await net.createPlayer({ tokens: 10n ** 30n })
  const game = net.games[0]!.id
  const genesis = (await net.spoofEvent({ player, wager: 1n, game })).signature
  return { net, store, owner, player, game, genesis }
}

it('settles the check once when the walk listing what arrived during the check comes before its answer: no false gap, no check each poll', async () => {
  const { net, store, owner, player, game, genesis } = await oneBettor(53, 'race.sqlite')
  try {
    const bet = () => net.placeBet({ player, wager: 1000n, game, host: owner })
    const settled = async () => (await store.stats(Date.now())).totalBets
    const indexUntil = async (fetchFn: typeof fetch, done: () => Promise<boolean>) => {
      const indexer = createIndexer({
        store, events: createCasinoEvents(), logger: quiet,
        config: { rpcUrl: net.rpcUrl, ownerWallet: owner, start: { signature: genesis }, subscribe: false, pollInterval: 50, retryDelay: 5, slowRetryDelay: 20, fetch: fetchFn },
      })
      await indexer.start()
      try {
        await waitFor(done, 30_000, 'the run')
      }
      finally {
        await indexer.stop()
      }
    }
    await bet()
    await net.waitForIdle()
    await indexUntil(fetch, async () => (await settled()) === 1)

    // Resumed with nothing new: the first walk lists nothing and asks the node for its newest. While that
    // question is out, a bet arrives and the next walk lists and commits it; only then is it answered.
    let newestChecks = 0
    let held = false
    const slowCheck = (async (url: string, init: RequestInit) => {
      const request = JSON.parse(String(init.body)) as { method?: string, params?: [string, { limit?: number, before?: string }] }
      if (request.method === 'getSignaturesForAddress' && request.params?.[1]?.limit === 1 && request.params[1].before === undefined) {
        newestChecks++
        if (!held) {
          held = true
          await bet()
          await net.waitForIdle()
          await waitFor(async () => (await settled()) === 2, 30_000, 'the bet listed by the next walk')
        }
      }
      return fetch(url, init)
    }) as typeof fetch
    let quietUntil = 0
    let third = false
    await indexUntil(slowCheck, async () => {
      if ((await settled()) < 2) return false
      // Then a quiet while (walks that list nothing), and one more bet.
      if (quietUntil === 0) quietUntil = Date.now() + 400
      if (Date.now() < quietUntil) return false
      if (!third) {
        third = true
        await bet()
      }
      return (await settled()) === 3
    })
    expect((await store.listSystemEvents({ limit: 100 })).filter(e => e.type === 'indexer.history_gap')).toEqual([])
    expect(newestChecks).toBe(1)
  }
  finally {
    await store.close()
    await net.close()
  }
})

it('checks the reach of a run resumed after a crash, whose walks start from the published mark behind the cursor', async () => {
  const { net, store, owner, player, game, genesis } = await oneBettor(61, 'crashed.sqlite')
  try {
    const bet = (i: number) => net.placeBet({ player, wager: 1000n + BigInt(i), game, host: owner })
    const slotOf = async (signature: string) => {
      const res = await fetch(net.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getTransaction', params: [signature, { maxSupportedTransactionVersion: 0, commitment: 'confirmed' }] }) })
      return ((await res.json()) as { result: { slot: number } }).result.slot
    }
    /** Bets `from` to `to`, a slot or two apart (slots of 20 ms), all confirmed. */
    const bets = async (from: number, to: number) => {
      const placed: string[] = []
      for (let i = from; i < to; i++) {
        placed.push((await bet(i)).signature)
        await new Promise(resolve => setTimeout(resolve, 40))
      }
      await net.waitForIdle()
      return placed
    }
    const first = await bets(0, 6)
    const config = { rpcUrl: net.rpcUrl, ownerWallet: owner, start: { signature: genesis }, subscribe: false, pollInterval: 50, retryDelay: 5, slowRetryDelay: 20 }
    let indexer = createIndexer({ store, events: createCasinoEvents(), logger: quiet, config })
    await indexer.start()
    await waitFor(async () => (await store.stats(Date.now())).totalBets === 6, 30_000, '6 bets')
    await indexer.stop()
    const cursor = (await store.getCursor())!
    // The published mark two bets behind the cursor, as a crash between a commit and its publish leaves it.
    const mark = { signature: first[3]!, slot: await slotOf(first[3]!) }
    expect(mark.slot).toBeLessThan(cursor.slot)
    const crashed: CasinoStore = Object.create(store, { getCursor: { value: async () => ({ ...(await store.getCursor())!, published: mark }) } })
    // Then a node whose history starts after the fourth of eight more bets.
    const later = await bets(6, 14)
    const firstSlot = (await slotOf(later[3]!)) + 1
    const visible = (await Promise.all(later.map(slotOf))).filter(slot => slot >= firstSlot).length
    const before = (await allBets(store)).length
    indexer = createIndexer({ store: crashed, events: createCasinoEvents(), logger: quiet, config: { ...config, fetch: prunedBelow(firstSlot) } })
    await indexer.start()
    try {
      await waitFor(async () => (await allBets(store)).length >= before + visible, 30_000, 'the bets the node lists')
      await waitFor(async () => (await store.listSystemEvents({ limit: 100 })).some(e => e.type === 'indexer.history_gap'), 5_000, 'a history gap recorded')
    }
    finally {
      await indexer.stop()
    }
    const gaps = (await store.listSystemEvents({ limit: 100 })).filter(e => e.type === 'indexer.history_gap')
    expect(gaps).toEqual([expect.objectContaining({ metadata: expect.objectContaining({ from: cursor.signature }) })])
  }
  finally {
    await store.close()
    await net.close()
  }
})

it('tells a listing that reaches the cursor from one that does not, and from one it cannot judge yet', async () => {
  const known = { signature: 'known', slot: 100 }
  const answering = (page: SignatureInfo[]) => {
    const asked: unknown[] = []
    const call = (<T>(fn: (rpc: RpcClient) => Promise<T>) => fn({
      getSignaturesForAddress: async (_address: string, options: unknown) => {
        asked.push(options)
        return page
      },
    } as unknown as RpcClient)) as Parameters<typeof listingReach>[0]
    return { call, asked }
  }
  const info = (signature: string, slot: number) => ({ signature, slot, err: null, memo: null, blockTime: null }) as SignatureInfo
  // A walk that went down to the cursor's slot proves it, with no request.
  const none = answering([])
  expect(await listingReach(none.call, 'p', known, { signature: 'a', slot: 100 })).toBe('reaches')
  expect(none.asked).toEqual([])
  // Just before the oldest listed: the cursor, or something of its slot or older.
  expect(await listingReach(answering([info('known', 100)]).call, 'p', known, { signature: 'a', slot: 101 })).toBe('reaches')
  expect(await listingReach(answering([info('b', 99)]).call, 'p', known, { signature: 'a', slot: 101 })).toBe('reaches')
  // Nothing before the oldest listed, or something the walk should have listed: a gap.
  expect(await listingReach(answering([]).call, 'p', known, { signature: 'a', slot: 101 })).toBe('gap')
  expect(await listingReach(answering([info('c', 101)]).call, 'p', known, { signature: 'a', slot: 102 })).toBe('gap')
  // Nothing listed: the node's newest is the cursor or older (reaches), newer (unknown), or none (gap).
  expect(await listingReach(answering([info('known', 100)]).call, 'p', known)).toBe('reaches')
  expect(await listingReach(answering([info('d', 105)]).call, 'p', known)).toBe('unknown')
  expect(await listingReach(answering([]).call, 'p', known)).toBe('gap')
  const asked = answering([info('known', 100)])
  await listingReach(asked.call, 'p', known, { signature: 'a', slot: 101 })
  expect(asked.asked).toEqual([{ before: 'a', limit: 1, minContextSlot: 101 }])
})
