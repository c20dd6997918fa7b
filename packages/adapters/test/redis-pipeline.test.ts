import { afterAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { isCasinoError, memoryStore } from '@fare-casino/core'
import type { Batch } from '@fare-casino/core'
import { generateWorkload, listAllBets, makeBatch, makeRegister, makeResolve, snapshotStore } from '@fare-casino/core/testing'
import { redisStore } from '@fare-casino/adapters/redis'
import { deleteKeys, redisAvailable, redisUrl, uniqueName } from './_services'

const up = await redisAvailable()

/**
 * Pipelined `applyBatch` (`pipelinesBatches`): a batch called while the one before it is still pending
 * is planned against that one's plan and totals, and written right behind it, at the version it leaves.
 */
describe.skipIf(!up)('redisStore pipelined batches', () => {
  const admin = new Redis(redisUrl)
  const prefixes: string[] = []
  afterAll(async () => {
    for (const p of prefixes) await deleteKeys(admin, p)
    await admin.quit()
  })
  const open = () => {
    const prefix = `${uniqueName('fare_pipe')}:`
    prefixes.push(prefix)
    return redisStore({ url: redisUrl, prefix })
  }
  const reference = async (batches: Batch[]) => {
    const store = memoryStore()
    for (const batch of batches) await store.applyBatch(batch)
    return store
  }
  const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error)
  const now = 1_700_000_000_000

  it('says so', async () => {
    const store = open()
    expect(store.pipelinesBatches).toBe(true)
    await store.close()
  })

  it('applies batches called without waiting exactly as one after another', async () => {
    // Later batches settle bets, consume early resolves and add to totals that earlier batches, not yet
    // written when the later ones are read, create and move.
    const w = generateWorkload({ seed: 13, bets: 600, batchSize: 30 })
    const store = open()
    try {
      const results = await Promise.all(w.batches.map(batch => store.applyBatch(batch)))
      const sequential = memoryStore()
      for (const [i, batch] of w.batches.entries()) expect(results[i]).toEqual(await sequential.applyBatch(batch))
      expect(await snapshotStore(store, { wallets: w.wallets, now: w.now })).toEqual(await snapshotStore(sequential, { wallets: w.wallets, now: w.now }))
      expect((await listAllBets(store)).map(b => b.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1))
    }
    finally {
      await store.close()
    }
  })

  it('writes nothing of a batch called behind one that fails, and both apply when sent again', async () => {
    const store = open()
    try {
      const player = 'P1ayer1111111111111111111111111111111111111'
      const register = makeRegister({ player, slot: 10 })
      const first = makeBatch([register, makeRegister({ player, slot: 11 })])
      const second = makeBatch([makeResolve(register, { slot: 12 }), makeRegister({ slot: 13 })])
      store.failNextBatch(0)
      const [a, b] = await Promise.all([rejection(store.applyBatch(first)), rejection(store.applyBatch(second))])
      expect((a as Error).message).toMatch(/injected/)
      expect(isCasinoError(b) && b.code).toBe('STORE_ERROR')
      expect((b as Error).message).toMatch(/pipelined batch not written/)
      expect(await listAllBets(store)).toEqual([])
      expect(await store.getCursor()).toBeNull()

      await store.applyBatch(first)
      await store.applyBatch(second)
      const expected = await reference([first, second])
      expect(await snapshotStore(store, { wallets: [player], now })).toEqual(await snapshotStore(expected, { wallets: [player], now }))
    }
    finally {
      await store.close()
    }
  })

  it('refuses a batch whose expected cursor is not the stored one, pipelined or not', async () => {
    const store = open()
    try {
      const first = makeBatch([makeRegister({ slot: 10 })])
      const behind = { ...makeBatch([makeRegister({ slot: 11 })]), expectCursor: 'not-the-cursor' }
      const [a, b] = await Promise.all([store.applyBatch(first), rejection(store.applyBatch(behind))])
      expect(a.placed).toHaveLength(1)
      expect(isCasinoError(b) && b.code).toBe('STORE_ERROR')
      const alone = await rejection(store.applyBatch({ ...makeBatch([makeRegister({ slot: 12 })]), expectCursor: 'not-the-cursor' }))
      expect(isCasinoError(alone) && alone.code).toBe('STORE_ERROR')
      expect(await listAllBets(store)).toHaveLength(1)
      expect((await store.getCursor())?.signature).toBe(first.cursor!.signature)

      // The right expectation is written, behind a pending batch and alone.
      const next = makeBatch([makeRegister({ slot: 13 })])
      const after = { ...makeBatch([makeRegister({ slot: 14 })]), expectCursor: next.cursor!.signature }
      await Promise.all([store.applyBatch(next), store.applyBatch(after)])
      await store.applyBatch({ ...makeBatch([makeRegister({ slot: 15 })]), expectCursor: after.cursor!.signature })
      expect(await listAllBets(store)).toHaveLength(4)
    }
    finally {
      await store.close()
    }
  })

  it('refuses a pipelined batch when another writer committed between it and the batch before it', async () => {
    const store = open()
    try {
      await store.ping()
      // Every write script of this store waits until another writer has committed (bumped the version):
      // then `first`, planned before that, is refused and re-plans, and `behind`, planned behind
      // `first`'s refused plan and sent right after it, must not be written either, although the
      // version it finds is a fresh one.
      const client = store.redis as unknown as { sendCommand: (command: { name: string, args: unknown[], promise: Promise<unknown> }, ...rest: unknown[]) => unknown }
      const send = client.sendCommand.bind(client)
      let otherWriter: Promise<unknown> | undefined
      client.sendCommand = (command, ...rest) => {
        const write = (command.name === 'evalsha' || command.name === 'eval') && Number(command.args[1]) === 1
        if (!write) return send(command, ...rest)
        otherWriter ??= admin.incr(`${store.prefix}version`)
        void otherWriter.then(() => send(command, ...rest))
        return command.promise
      }
      const first = makeBatch([makeRegister({ slot: 10 })])
      const behind = makeBatch([makeRegister({ slot: 11 })])
      const [, error] = await Promise.all([store.applyBatch(first), rejection(store.applyBatch(behind))])
      expect(isCasinoError(error) && error.code).toBe('STORE_ERROR')
      expect((error as Error).message).toMatch(/not where the batch before it left it/)
      expect((await listAllBets(store)).map(b => [b.seq, b.registerSlot])).toEqual([[1, 10]])
      await store.applyBatch(behind)
      expect((await listAllBets(store)).map(b => [b.seq, b.registerSlot]).sort()).toEqual([[1, 10], [2, 11]])
    }
    finally {
      await store.close()
    }
  })
})
