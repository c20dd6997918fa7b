import { describe, expect, it } from 'vitest'
import { memoryStore } from '../../store/memory'
import type { Batch, CasinoStore } from '../../store/types'
import { generateWorkload, makeBatch, makeRegister, makeResolve, randomWallet } from '../fixtures'
import { listAllBets, snapshotStore } from '../inspect'
import type { SuiteContext } from './context'

const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error)

/** The store of the running test, or a skip when it does not pipeline batches. */
function pipelining(ctx: SuiteContext, skip: (condition: boolean, note: string) => void): CasinoStore {
  const store = ctx.store()
  skip(store.pipelinesBatches !== true, 'the store does not pipeline batches')
  return store
}

/** A rejection that says "apply it again": the transient refusal of a pipelined batch. */
function expectRefused(error: unknown): void {
  expect((error as { code?: unknown } | undefined)?.code).toBe('STORE_ERROR')
  expect((error as Error).message).toMatch(/pipelined batch not written/)
}

/** Pipelined `applyBatch` (`pipelinesBatches`): call order, a refused batch behind a failed one, `expectCursor`. */
export function pipelineSuite(ctx: SuiteContext): void {
  describe('pipelined applyBatch', () => {
    it('applies batches called without waiting exactly as one after another', async ({ skip }) => {
      const store = pipelining(ctx, skip)
      // Later batches settle bets, consume early resolves and add to totals that earlier batches, still
      // being written when the later ones are read, create and move.
      const w = generateWorkload({ seed: 13, bets: 600, batchSize: 30 })
      const results = await Promise.all(w.batches.map(batch => store.applyBatch(batch)))
      const sequential = memoryStore()
      for (const [i, batch] of w.batches.entries()) expect(results[i]).toEqual(await sequential.applyBatch(batch))
      expect(await snapshotStore(store, { wallets: w.wallets, now: w.now })).toEqual(await snapshotStore(sequential, { wallets: w.wallets, now: w.now }))
      expect((await listAllBets(store)).map(b => b.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1))
    })

    it('writes nothing of a batch called behind one that fails, and both apply when sent again', async ({ skip }) => {
      const store = pipelining(ctx, skip)
      skip(!ctx.canInjectFailure(), 'the store offers no failNextBatch hook')
      const player = randomWallet()
      const register = makeRegister({ player, slot: 10 })
      const first = makeBatch([register, makeRegister({ player, slot: 11 })])
      const second = makeBatch([makeResolve(register, { slot: 12 }), makeRegister({ slot: 13 })])
      ctx.failNextBatch(store, 0)
      const [a, b] = await Promise.all([rejection(store.applyBatch(first)), rejection(store.applyBatch(second))])
      expect(a).toBeInstanceOf(Error)
      expectRefused(b)
      expect(await listAllBets(store)).toEqual([])
      expect(await store.getCursor()).toBeNull()

      await store.applyBatch(first)
      await store.applyBatch(second)
      const expected = memoryStore()
      for (const batch of [first, second] as Batch[]) await expected.applyBatch(batch)
      const now = first.now!
      expect(await snapshotStore(store, { wallets: [player], now })).toEqual(await snapshotStore(expected, { wallets: [player], now }))
    })

    it('writes nothing of a batch called behind one that fails without moving the bet seq or the cursor', async ({ skip }) => {
      const store = pipelining(ctx, skip)
      skip(!ctx.canInjectFailure(), 'the store offers no failNextBatch hook')
      const register = makeRegister({ slot: 10 })
      await store.applyBatch(makeBatch([register]))
      // Only a settle, and no cursor: the store after it would look like the store before it but for
      // the bet's state, so only a proof of the commit itself can refuse the batch behind.
      const settle = makeBatch([makeResolve(register, { slot: 11 })], { cursor: null })
      const behind = makeBatch([makeRegister({ slot: 12 })])
      ctx.failNextBatch(store, 0)
      const [a, b] = await Promise.all([rejection(store.applyBatch(settle)), rejection(store.applyBatch(behind))])
      expect(a).toBeInstanceOf(Error)
      expectRefused(b)
      expect((await listAllBets(store)).map(bet => [bet.id, bet.status])).toEqual([[register.trialId, 'pending']])
      expect((await store.getCursor())?.signature).toBe(register.signature)
    })

    it('refuses a batch whose expected cursor is not the stored one, sent behind another or alone', async ({ skip }) => {
      const store = pipelining(ctx, skip)
      const first = makeBatch([makeRegister({ slot: 10 })])
      const wrong = { ...makeBatch([makeRegister({ slot: 11 })]), expectCursor: 'not-the-cursor' }
      const [a, b] = await Promise.all([store.applyBatch(first), rejection(store.applyBatch(wrong))])
      expect(a.placed).toHaveLength(1)
      expectRefused(b)
      expectRefused(await rejection(store.applyBatch({ ...makeBatch([makeRegister({ slot: 12 })]), expectCursor: 'not-the-cursor' })))
      expect(await listAllBets(store)).toHaveLength(1)
      expect((await store.getCursor())?.signature).toBe(first.cursor!.signature)

      // The right expectation is written, behind a pending batch and alone.
      const next = makeBatch([makeRegister({ slot: 13 })])
      const behind = { ...makeBatch([makeRegister({ slot: 14 })]), expectCursor: next.cursor!.signature }
      await Promise.all([store.applyBatch(next), store.applyBatch(behind)])
      await store.applyBatch({ ...makeBatch([makeRegister({ slot: 15 })]), expectCursor: behind.cursor!.signature })
      expect(await listAllBets(store)).toHaveLength(4)
    })
  })
}
