import { describe, expect, it } from 'vitest'
import { memoryStore } from '../../src/store/memory'
import { makeBatch, makeRegister, testCasinoStore } from '../../src/testing'

testCasinoStore('memory', () => memoryStore())

describe('memoryStore', () => {
  it('fails only the next batch when it makes fewer writes than asked', async () => {
    const store = memoryStore()
    store.failNextBatch(100)
    await expect(store.applyBatch(makeBatch([makeRegister()]))).rejects.toMatchObject({ code: 'STORE_ERROR' })
    expect((await store.stats(0)).pendingBets).toBe(0)
    await store.applyBatch(makeBatch([makeRegister()]))
    await store.applyBatch(makeBatch([makeRegister()]))
    expect((await store.stats(0)).pendingBets).toBe(2)
  })

  it('arms a failure from its options', async () => {
    const store = memoryStore({ failAfterWrites: 0 })
    await expect(store.applyBatch(makeBatch([makeRegister()]))).rejects.toMatchObject({ code: 'STORE_ERROR' })
    await expect(store.applyBatch(makeBatch([makeRegister()]))).resolves.toMatchObject({ applied: 1 })
  })
})
