import { describe, expect, it } from 'vitest'
import type { Batch, CasinoStore } from '../../store/types'
import { generateWorkload, makeBatch, makeJackpot, makeRegister, makeResolve, randomWallet } from '../fixtures'
import { listAllBets, recomputeTotals, snapshotStore } from '../inspect'
import type { SuiteContext } from './context'

async function applyAll(store: CasinoStore, batches: Batch[]): Promise<void> {
  for (const batch of batches) await store.applyBatch(batch)
}

/** Idempotency (replays, prefixes, overlaps), all-or-nothing batches and concurrent callers. */
export function atomicitySuite(ctx: SuiteContext): void {
  describe('applyBatch idempotency and atomicity', () => {
    it('changes nothing when a batch, a prefix of it or an overlap of batches is replayed', async () => {
      const store = ctx.store()
      const w = generateWorkload({ seed: 7, bets: 120, batchSize: 20 })
      await applyAll(store, w.batches)
      const before = await snapshotStore(store, { wallets: w.wallets, now: w.now })
      expect(before.bets.length).toBe(120)

      // The last batch again, cursor and all: nothing may move, not even the cursor's time.
      const last = w.batches[w.batches.length - 1]!
      const replay = await store.applyBatch(last)
      expect(replay).toMatchObject({ applied: 0, duplicates: last.events.length, placed: [], settled: [], jackpots: [], joined: [] })

      // Older batches, prefixes and overlapping windows, without their (older) cursors.
      for (const batch of w.batches) await store.applyBatch({ ...batch, cursor: null })
      for (const batch of w.batches) await store.applyBatch({ ...batch, events: batch.events.slice(0, 7), cursor: null })
      for (let i = 0; i + 30 <= w.events.length; i += 25) {
        const result = await store.applyBatch({ events: w.events.slice(i, i + 30), cursor: null, now: w.now + 1 })
        expect(result.applied).toBe(0)
      }
      expect(await snapshotStore(store, { wallets: w.wallets, now: w.now })).toEqual(before)
    })

    it('counts an event repeated inside one batch once', async () => {
      const store = ctx.store()
      const reg = makeRegister()
      const res = makeResolve(reg)
      const result = await store.applyBatch(makeBatch([reg, reg, res, res]))
      expect(result).toMatchObject({ applied: 2, duplicates: 2 })
      expect(await store.stats(0)).toMatchObject({ totalBets: 1, pendingBets: 0 })
    })

    for (const afterWrites of [0, 1, 3, 1000]) {
      it(`leaves nothing behind when a batch fails after ${afterWrites} writes`, async ({ skip }) => {
        skip(!ctx.canInjectFailure(), 'the store offers no failNextBatch hook')
        const store = ctx.store()
        const w = generateWorkload({ seed: 11, bets: 40, batchSize: 30 })
        const head = w.batches.slice(0, -1)
        await applyAll(store, head)
        // A batch that touches everything: new and known players, settles, an early resolve, a jackpot.
        const early = makeRegister({ player: randomWallet() })
        const orphan = makeResolve(early)
        await store.applyBatch(makeBatch([orphan], { cursor: null }))
        const known = await listAllBets(store, { status: 'pending' })
        const failing = makeBatch([
          ...w.batches[w.batches.length - 1]!.events,
          early,
          ...known.slice(0, 3).map(b => makeResolve(b.id, { blockTime: b.blockTime + 5 })),
          makeRegister({ player: randomWallet(), wager: 2n ** 58n }),
          makeJackpot(),
          // A second register of a known trial: ignored, and reported with the batch by a store that records it.
          makeRegister({ trialId: (w.batches[0]!.events.find(e => e.kind === 'trialRegistered') as { trialId: string }).trialId }),
        ], { now: w.now })
        const wallets = [...w.wallets, early.player, ...failing.events.flatMap(e => (e.kind === 'trialRegistered' ? [e.player] : []))]
        const before = await snapshotStore(store, { wallets, now: w.now })

        const reports = async () => (await store.listSystemEvents({ limit: 100 })).filter(e => e.type === 'indexer.event_ignored')
        expect(ctx.failNextBatch(store, afterWrites)).toBe(true)
        await expect(store.applyBatch(failing)).rejects.toThrow()
        expect(await snapshotStore(store, { wallets, now: w.now })).toEqual(before)
        expect(await reports()).toEqual([])

        // The same batch then applies in full, exactly as on a store that never failed.
        const result = await store.applyBatch(failing)
        expect(result.duplicates).toBe(0)
        expect(result.ignored?.map(e => e.reason)).toContain('trial already registered')
        expect(await reports()).toHaveLength(store.recordsIgnoredEvents ? 1 : 0)
        const control = await ctx.fresh()
        await applyAll(control, head)
        await control.applyBatch(makeBatch([orphan], { cursor: null }))
        await control.applyBatch(failing)
        expect(await snapshotStore(store, { wallets, now: w.now })).toEqual(await snapshotStore(control, { wallets, now: w.now }))
        expect((await store.getBet(early.trialId))?.status).toBe('settled')
      })
    }

    it('keeps every counter right under concurrent applyBatch calls', async () => {
      const store = ctx.store()
      const w = generateWorkload({ seed: 3, bets: 150, batchSize: 10, earlyResolves: 0 })
      // Disjoint batches, each also sent twice, all at once: serialized or atomic, never interleaved.
      const results = await Promise.all([...w.batches, ...w.batches].map(b => store.applyBatch({ ...b, cursor: null })))
      expect(results.reduce((n, r) => n + r.applied, 0)).toBe(w.events.length)
      const bets = await listAllBets(store)
      expect(bets).toHaveLength(150)
      expect(bets.map(b => b.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1))
      const totals = recomputeTotals(bets)
      const stats = await store.stats(w.now)
      expect(stats).toMatchObject({
        totalBets: totals.casino.bets, totalWins: totals.casino.wins, totalWagered: totals.casino.wagered,
        totalPayout: totals.casino.payout, pendingBets: totals.casino.pending,
      })
      for (const [wallet, t] of totals.players) {
        expect(await store.getPlayer(wallet)).toMatchObject({ totalBets: t.bets, totalWagered: t.wagered, totalPayout: t.payout, games: t.games })
      }
    })
  })
}
