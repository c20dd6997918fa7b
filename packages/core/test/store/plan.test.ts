import { describe, expect, it } from 'vitest'
import { batchKeys, type BatchState, planBatch } from '../../src/store/plan'
import type { Batch, Bet, ChainEvent, TrialResolvedEvent } from '../../src/store/types'
import { createRng, generateWorkload, makeBatch, makeRegister, makeResolve, randomSignature, randomWallet, type Rng } from '../../src/testing'
import * as reference from './_plan-reference'

/**
 * Every value in order, with its type: Map and object entries in iteration order (toEqual would
 * accept a Map or an object whose keys came in another order), bigints apart from numbers.
 */
function canonical(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, _key, v: unknown) {
    if (typeof v === 'bigint') return `${v}n`
    if (v instanceof Map) return { Map: [...v.entries()] }
    if (v instanceof Set) return { Set: [...v] }
    if (typeof v === 'number' && !Number.isFinite(v)) return `number:${v}`
    if (v === undefined) return 'undefined'
    return v
  })
}

/** A store's state, kept from the reference planner's plans, that adapters would load from. */
class Store {
  events = new Set<string>()
  bets = new Map<string, Bet>()
  orphans = new Map<string, TrialResolvedEvent>()
  players = new Set<string>()
  lastSeq = 0

  /** The state an adapter loads for `batch`: only the keys {@link batchKeys} names. */
  load(batch: Batch): BatchState {
    const keys = batchKeys(batch)
    const pick = <V>(map: Map<string, V>, ids: string[]) => new Map(ids.filter(id => map.has(id)).map(id => [id, map.get(id)!]))
    return {
      appliedEventIds: new Set(keys.eventIds.filter(id => this.events.has(id))),
      bets: pick(this.bets, keys.trialIds),
      orphans: pick(this.orphans, keys.trialIds),
      players: new Set(keys.wallets.filter(w => this.players.has(w))),
      lastSeq: this.lastSeq,
    }
  }

  /** Plans `batch` with both planners, expects the same plan, and writes it. */
  apply(batch: Batch): void {
    const state = this.load(batch)
    const expected = reference.planBatch(batch, state)
    expect(canonical(planBatch(batch, state))).toBe(canonical(expected))
    for (const e of expected.events) this.events.add(e.id)
    for (const b of [...expected.insertBets, ...expected.updateBets]) this.bets.set(b.id, b)
    for (const id of expected.removeOrphans) this.orphans.delete(id)
    for (const o of expected.addOrphans) this.orphans.set(o.trialId, o)
    for (const p of expected.createPlayers) this.players.add(p.wallet)
    this.lastSeq += expected.insertBets.length
  }
}

/** Money amounts where a running sum leaves the exact range of doubles, and nonsense the planner must survive. */
const edgeWagers = [0n, 1n, 2n ** 52n + 1n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 80n, -1n, -(2n ** 53n) - 3n]

/** `events` with some of them twice, some registers again under a new event id, some resolves again. */
function roughen(events: ChainEvent[], rng: Rng): ChainEvent[] {
  const out: ChainEvent[] = []
  for (const e of events) {
    out.push(e)
    const r = rng()
    if (r < 0.05) out.push(e)
    else if (r < 0.1) out.push({ ...e, id: `${e.id}:again` })
    else if (r < 0.12) out.splice(Math.floor(rng() * out.length), 0, e)
  }
  return out
}

/** Cuts `events` into batches of random sizes, some replayed whole, some overlapping the previous one. */
function cut(events: ChainEvent[], rng: Rng, maxSize: number, now: number): Batch[] {
  const batches: Batch[] = []
  for (let i = 0; i < events.length;) {
    const size = 1 + Math.floor(rng() * maxSize)
    const start = rng() < 0.1 ? Math.max(0, i - Math.floor(rng() * size)) : i
    batches.push(makeBatch(events.slice(start, i + size), { now, cursor: rng() < 0.1 ? null : undefined }))
    if (rng() < 0.05) batches.push(batches.at(-1)!)
    i += size
  }
  return batches
}

describe('planBatch', () => {
  it('plans exactly as the reference planner on random workloads', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const rng = createRng(1000 + seed)
      const workload = generateWorkload({
        seed,
        bets: 300,
        players: 1 + Math.floor(rng() * 40),
        days: rng() < 0.5 ? 40 : 0.05,
        earlyResolves: rng() * 0.4,
        unresolved: rng() * 0.2,
        hugeWagers: rng() * 0.3,
      })
      const store = new Store()
      for (const batch of cut(roughen(workload.events, rng), rng, [1, 5, 25, 200][seed % 4]!, workload.now)) store.apply(batch)
    }
  })

  it('plans exactly as the reference planner around and past 2^53, and on nonsense', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rng = createRng(seed)
      const pick = <T>(xs: T[]) => xs[Math.floor(rng() * xs.length)]!
      const players = ['a', 'b', 'c']
      const events: ChainEvent[] = []
      for (let i = 0; i < 200; i++) {
        const register = makeRegister({
          signature: randomSignature(rng),
          trialId: randomWallet(rng),
          player: pick(players),
          wager: pick(edgeWagers),
          qk: pick([[[0.5, 1.98], [0.5, 0]], [[1, 2 ** 60]], [[1, Number.NaN]], [[0.5, -1], [0.5, 1e-12]]]),
          game: pick(['coinflip', 'dice']),
          blockTime: 1_700_000_000 + i * 500,
          slot: 1000 + i,
          transactionIndex: pick([undefined, 0, 5, 9]),
        })
        const resolve = makeResolve(register, {
          signature: randomSignature(rng), resultIndex: Math.floor(rng() * 3), blockTime: register.blockTime + pick([0, 3600, 7200]), slot: register.slot + pick([0, 1]),
          transactionIndex: pick([undefined, 1, 5, 10]),
        })
        // The resolve of an earlier trial of the same keypair, whose register came before the start (or, in
        // its slot at a later position, the register's own listed first).
        const stale = () => makeResolve(register, {
          signature: randomSignature(rng), resultIndex: 0, slot: register.slot - Math.floor(rng() * 3), transactionIndex: pick([undefined, 0, 3, 7]),
        })
        const r = rng()
        if (r < 0.2) events.push(resolve, register)
        else if (r < 0.25) events.push(stale(), register, resolve)
        else if (r < 0.3) events.push(stale(), resolve, register)
        else if (r < 0.33) events.push(stale(), stale(), resolve)
        else events.push(register, resolve)
      }
      const store = new Store()
      for (const batch of cut(roughen(events, rng), rng, 60, 1_700_000_000_000)) store.apply(batch)
    }
  })
})
