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
    publisher.close()
  })
})
