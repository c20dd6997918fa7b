import { describe, expect, it } from 'vitest'
import { createCasinoEvents } from '../../src/events'
import { createPublisher } from '../../src/indexer/publish'
import { memoryStore } from '../../src/store/memory'
import type { BatchResult } from '../../src/store/types'
import { makeBatch, makeRegister } from '../../src/testing/fixtures'

const nothing: BatchResult = { applied: 0, duplicates: 0, placed: [], settled: [], jackpots: [], joined: [] }

describe('createPublisher', () => {
  it('schedules stats.updated for new events and for events found applied (a lost reply may have written them), never for nothing', async () => {
    const store = memoryStore()
    const events = createCasinoEvents()
    const updates: number[] = []
    events.on('stats.updated', stats => updates.push(stats.pendingBets))
    const publisher = createPublisher(store, events, 5, (error) => {
      throw error
    })
    const settle = () => new Promise(r => setTimeout(r, 30))

    publisher.publish(nothing)
    await settle()
    expect(updates).toEqual([])

    // Written by an attempt whose reply was lost: sent again, everything is a duplicate, nothing is new.
    const lost = makeBatch([makeRegister({ wager: 5n })])
    await store.applyBatch(lost)
    publisher.publish({ ...nothing, duplicates: 1 })
    await settle()
    expect(updates).toEqual([1])

    const placed = await store.applyBatch(makeBatch([makeRegister({ wager: 6n })]))
    publisher.publish(placed)
    publisher.publish(placed) // coalesced with the one before
    await settle()
    expect(updates).toEqual([1, 2])
    await publisher.close()
  })

  it('publishes a pending stats update on close instead of dropping it, and schedules none after', async () => {
    const store = memoryStore()
    const events = createCasinoEvents()
    const updates: number[] = []
    events.on('stats.updated', stats => updates.push(stats.pendingBets))
    const publisher = createPublisher(store, events, 60_000, (error) => {
      throw error
    })
    publisher.publish(await store.applyBatch(makeBatch([makeRegister({ wager: 7n })])))
    await publisher.close()
    expect(updates).toEqual([1])
    // A group committed after a stop that did not wait for it: its bets go out, no stats update is scheduled.
    const placed: string[] = []
    events.on('bet.placed', bet => placed.push(bet.id))
    const late = await store.applyBatch(makeBatch([makeRegister({ wager: 8n })]))
    publisher.publish(late)
    expect(placed).toEqual(late.placed.map(b => b.id))
    await new Promise(r => setTimeout(r, 30))
    expect(updates).toEqual([1])
  })

  it('never shows older totals after newer ones when a stats read answers late', async () => {
    const store = memoryStore()
    const events = createCasinoEvents()
    const updates: number[] = []
    events.on('stats.updated', stats => updates.push(stats.pendingBets))
    // The first read answers after the second (a store busy with a backfill).
    let reads = 0
    const slowFirst = new Proxy(store, {
      get(target, key, receiver) {
        if (key !== 'stats') return Reflect.get(target, key, receiver)
        return async (now: number) => {
          const stats = await target.stats(now)
          if (++reads === 1) await new Promise(r => setTimeout(r, 60))
          return stats
        }
      },
    })
    const publisher = createPublisher(slowFirst, events, 5, (error) => {
      throw error
    })
    publisher.publish(await store.applyBatch(makeBatch([makeRegister({ wager: 9n })])))
    await new Promise(r => setTimeout(r, 20))
    publisher.publish(await store.applyBatch(makeBatch([makeRegister({ wager: 10n })])))
    await new Promise(r => setTimeout(r, 100))
    expect(updates).toEqual([2])
    await publisher.close()
  })
})
