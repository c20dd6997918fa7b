import { describe, expect, it } from 'vitest'
import { applyMultiplier } from '../../money'
import { makeBatch, makeJackpot, makeRegister, makeResolve, randomWallet } from '../fixtures'
import type { ChainEvent } from '../../store/types'
import type { SuiteContext } from './context'

/** applyBatch: bets created and settled, payouts, early resolves, cursor, jackpots, money above 2^53. */
export function applyBatchSuite(ctx: SuiteContext): void {
  describe('applyBatch', () => {
    it('creates a pending bet and a player, then settles it with payout = wager * k', async () => {
      const store = ctx.store()
      const reg = makeRegister({ wager: 2_500_000n })
      const first = await store.applyBatch(makeBatch([reg], { now: 1_700_000_000_000 }))
      expect(first.applied).toBe(1)
      expect(first.duplicates).toBe(0)
      expect(first.placed.map(b => [b.id, b.status, b.seq])).toEqual([[reg.trialId, 'pending', 1]])
      expect(first.settled).toEqual([])
      expect(first.joined.map(p => p.wallet)).toEqual([reg.player])

      const pending = await store.getBet(reg.trialId)
      expect(pending).toMatchObject({
        id: reg.trialId, player: reg.player, pool: reg.pool, mint: null, game: 'coinflip', wager: 2_500_000n, status: 'pending',
        payout: null, won: null, multiplier: null, resultIndex: null, resolveSignature: null, registerSignature: reg.signature,
        registerSlot: reg.slot, blockTime: reg.blockTime, qk: reg.qk, extraDataHash: reg.extraDataHash,
      })
      expect((await store.stats(1_700_000_000_000)).pendingBets).toBe(1)
      expect(await store.getPlayer(reg.player)).toMatchObject({ totalBets: 0, createdAt: 1_700_000_000_000 })

      const res = makeResolve(reg, { resultIndex: 0 })
      const second = await store.applyBatch(makeBatch([res]))
      const expected = applyMultiplier(2_500_000n, 1.98)
      expect(second.settled).toHaveLength(1)
      expect(second.settled[0]).toMatchObject({ id: reg.trialId, status: 'settled', payout: expected, won: true, multiplier: 1.98, resultIndex: 0 })
      expect(await store.getBet(reg.trialId)).toMatchObject({
        status: 'settled', payout: 4_950_000n, won: true, multiplier: 1.98, resultIndex: 0,
        resolveSignature: res.signature, resolveSlot: res.slot, settledBlockTime: res.blockTime,
      })
      const stats = await store.stats(1_700_000_000_000)
      expect(stats).toMatchObject({ totalBets: 1, totalWins: 1, totalWagered: 2_500_000n, totalPayout: 4_950_000n, totalPlayers: 1, pendingBets: 0 })
      expect(await store.getPlayer(reg.player)).toMatchObject({
        totalBets: 1, totalWins: 1, totalLosses: 0, totalWagered: 2_500_000n, totalPayout: 4_950_000n,
        games: { coinflip: { bets: 1, wins: 1, losses: 0, wagered: 2_500_000n, payout: 4_950_000n } },
      })
    })

    it('settles a loss with payout 0 and counts it as a loss', async () => {
      const store = ctx.store()
      const reg = makeRegister()
      await store.applyBatch(makeBatch([reg, makeResolve(reg, { resultIndex: 1 })]))
      expect(await store.getBet(reg.trialId)).toMatchObject({ status: 'settled', payout: 0n, won: false, multiplier: 0 })
      expect(await store.getPlayer(reg.player)).toMatchObject({ totalBets: 1, totalWins: 0, totalLosses: 1, totalPayout: 0n })
    })

    it('keeps money exact above 2^53 and up to 2^63 - 1', async () => {
      const store = ctx.store()
      const player = randomWallet()
      const big = 2n ** 60n + 7n
      const a = makeRegister({ player, wager: big, qk: [[0.5, 2.5], [0.5, 0]] })
      const b = makeRegister({ player, wager: 2n ** 59n + 3n })
      await store.applyBatch(makeBatch([a, b, makeResolve(a, { resultIndex: 0 }), makeResolve(b, { resultIndex: 0 })]))
      const payoutA = applyMultiplier(big, 2.5)
      const payoutB = applyMultiplier(2n ** 59n + 3n, 1.98)
      expect(payoutA).toBe((big * 5n) / 2n)
      expect((await store.getBet(a.trialId))?.wager).toBe(big)
      expect((await store.getBet(a.trialId))?.payout).toBe(payoutA)
      const p = await store.getPlayer(player)
      expect(p?.totalWagered).toBe(big + 2n ** 59n + 3n)
      expect(p?.totalPayout).toBe(payoutA + payoutB)
      const [top] = await store.leaderboard({ by: 'wagered', period: 'all', limit: 1, now: 1_700_000_000_000 })
      expect(top).toMatchObject({ wallet: player, wagered: big + 2n ** 59n + 3n, profit: payoutA + payoutB - big - 2n ** 59n - 3n })

      // On a new store, a player loses exactly 2^63 - 1 in two bets: the largest total a 64-bit store holds
      // (a new store, because the casino totals would otherwise pass it).
      const whale = randomWallet()
      const other = await ctx.fresh()
      const c = makeRegister({ player: whale, wager: 2n ** 62n })
      const d = makeRegister({ player: whale, wager: 2n ** 62n - 1n })
      await other.applyBatch(makeBatch([c, d, makeResolve(c, { resultIndex: 1 }), makeResolve(d, { resultIndex: 1 })]))
      expect(await other.getPlayer(whale)).toMatchObject({ totalWagered: 2n ** 63n - 1n, totalPayout: 0n })
      expect(await other.stats(c.blockTime * 1000)).toMatchObject({ totalWagered: 2n ** 63n - 1n, last24h: { bets: 2, wins: 0, wagered: 2n ** 63n - 1n, payout: 0n } })
      const [loser] = await other.leaderboard({ by: 'profit', period: 'all', limit: 3, now: 1_700_000_000_000 })
      expect(loser).toMatchObject({ wallet: whale, profit: -(2n ** 63n - 1n) })
      const [window] = await other.leaderboard({ by: 'wagered', period: '24h', limit: 1, now: c.blockTime * 1000 })
      expect(window).toMatchObject({ wallet: whale, wagered: 2n ** 63n - 1n })
    })

    it('keeps a bet\'s fees and pool amount exact, through settlement and on every read', async () => {
      const store = ctx.store()
      const player = randomWallet()
      const fees = [{ type: 0, amount: 2n ** 63n + 1n }, { type: 255, amount: 0n }, { type: 2, amount: 2n ** 53n + 1n }, { type: 0, amount: 7n }]
      const a = makeRegister({ player, fees, poolAccumulatedAmount: 2n ** 64n - 1n })
      const b = makeRegister({ player, fees: [], poolAccumulatedAmount: null })
      const placed = await store.applyBatch(makeBatch([a, b]))
      const kept = (bet: { fees: unknown, poolAccumulatedAmount: unknown } | null | undefined) => bet && { fees: bet.fees, poolAccumulatedAmount: bet.poolAccumulatedAmount }
      expect(placed.placed.map(kept)).toEqual([{ fees, poolAccumulatedAmount: 2n ** 64n - 1n }, { fees: [], poolAccumulatedAmount: null }])
      expect(kept(await store.getBet(a.trialId))).toEqual({ fees, poolAccumulatedAmount: 2n ** 64n - 1n })
      expect(kept(await store.getBet(b.signature))).toEqual({ fees: [], poolAccumulatedAmount: null })

      const resolveA = makeResolve(a, { resultIndex: 0 })
      const settled = await store.applyBatch(makeBatch([resolveA, makeResolve(b, { resultIndex: 1 })]))
      expect(settled.settled.map(kept)).toEqual([{ fees, poolAccumulatedAmount: 2n ** 64n - 1n }, { fees: [], poolAccumulatedAmount: null }])
      expect(kept(await store.getBet(resolveA.signature))).toEqual({ fees, poolAccumulatedAmount: 2n ** 64n - 1n })
      expect((await store.listBets({ player, limit: 10 })).bets.map(kept)).toEqual([{ fees: [], poolAccumulatedAmount: null }, { fees, poolAccumulatedAmount: 2n ** 64n - 1n }])
      expect((await store.playerBetHistory(player, { limit: 10, offset: 1 })).bets.map(kept)).toEqual([{ fees, poolAccumulatedAmount: 2n ** 64n - 1n }])

      // A register from a caller written before registers carried them: no fees, no amount, and a bet that reads back.
      const legacy: Partial<typeof a> = makeRegister({ player })
      delete legacy.fees
      delete legacy.poolAccumulatedAmount
      const old = await store.applyBatch(makeBatch([legacy as typeof a]))
      expect(old.placed.map(kept)).toEqual([{ fees: [], poolAccumulatedAmount: null }])
      expect(kept(await store.getBet(legacy.trialId!))).toEqual({ fees: [], poolAccumulatedAmount: null })
      expect((await store.listBets({ player, limit: 10 })).bets).toHaveLength(3)
    })

    it('settles a resolve that arrived in an earlier batch than its register', async () => {
      const store = ctx.store()
      const reg = makeRegister({ wager: 10n ** 17n })
      const res = makeResolve(reg, { resultIndex: 0 })
      const early = await store.applyBatch(makeBatch([res]))
      expect(early).toMatchObject({ applied: 1, placed: [], settled: [] })
      expect(await store.getBet(reg.trialId)).toBeNull()
      expect(await store.getBet(res.signature)).toBeNull()

      const late = await store.applyBatch(makeBatch([reg]))
      expect(late.placed).toHaveLength(1)
      expect(late.placed[0]).toMatchObject({ id: reg.trialId, status: 'settled', payout: applyMultiplier(10n ** 17n, 1.98) })
      expect(late.settled.map(b => b.id)).toEqual([reg.trialId])
      expect(await store.stats(0)).toMatchObject({ totalBets: 1, pendingBets: 0, totalWagered: 10n ** 17n })
      expect(await store.getBet(res.signature)).toMatchObject({ id: reg.trialId, resolveSignature: res.signature })

      // The kept resolve is used once: replaying either event changes nothing.
      const again = await store.applyBatch(makeBatch([res, reg]))
      expect(again).toMatchObject({ applied: 0, duplicates: 2, placed: [], settled: [] })
      expect(await store.stats(0)).toMatchObject({ totalBets: 1, pendingBets: 0 })
    })

    it('settles a resolve that comes before its register in the same batch', async () => {
      const store = ctx.store()
      const reg = makeRegister()
      const res = makeResolve(reg, { resultIndex: 1 })
      const result = await store.applyBatch(makeBatch([res, reg]))
      expect(result.applied).toBe(2)
      expect(result.placed.map(b => [b.id, b.status, b.won])).toEqual([[reg.trialId, 'settled', false]])
      expect(await store.stats(0)).toMatchObject({ totalBets: 1, totalWins: 0, pendingBets: 0, totalPayout: 0n })
      // A later register for another trial does not pick the used resolve up again.
      const other = makeRegister({ player: reg.player })
      await store.applyBatch(makeBatch([other]))
      expect(await store.getBet(other.trialId)).toMatchObject({ status: 'pending' })
    })

    it('reports a bet registered and resolved in one batch as placed (settled) and settled', async () => {
      const store = ctx.store()
      const reg = makeRegister()
      const result = await store.applyBatch(makeBatch([reg, makeResolve(reg)]))
      expect(result.placed.map(b => b.status)).toEqual(['settled'])
      expect(result.settled.map(b => b.id)).toEqual([reg.trialId])
      expect(await store.stats(0)).toMatchObject({ pendingBets: 0, totalBets: 1 })
    })

    it('ignores a second resolve of a settled bet, and says so', async () => {
      const store = ctx.store()
      const reg = makeRegister()
      await store.applyBatch(makeBatch([reg, makeResolve(reg, { resultIndex: 0 })]))
      const again = makeResolve(reg, { resultIndex: 1 })
      const result = await store.applyBatch(makeBatch([again]))
      expect(result).toMatchObject({ applied: 1, settled: [] })
      expect(result.ignored).toEqual([{ id: again.id, trialId: reg.trialId, signature: again.signature, reason: 'bet already settled' }])
      expect(await store.getBet(reg.trialId)).toMatchObject({ won: true, resultIndex: 0 })
      expect(await store.stats(0)).toMatchObject({ totalBets: 1, totalWins: 1 })
    })

    it('keeps the first register of a trial and says so of another, in the same batch or a later one', async () => {
      const store = ctx.store()
      const reg = makeRegister({ wager: 10n })
      const inBatch = makeRegister({ trialId: reg.trialId, wager: 20n })
      const first = await store.applyBatch(makeBatch([reg, inBatch]))
      expect(first.placed.map(b => b.wager)).toEqual([10n])
      expect(first.ignored).toEqual([{ id: inBatch.id, trialId: reg.trialId, signature: inBatch.signature, reason: 'trial already registered' }])
      const later = makeRegister({ trialId: reg.trialId, wager: 30n })
      const second = await store.applyBatch(makeBatch([later]))
      expect(second).toMatchObject({ applied: 1, placed: [] })
      expect(second.ignored).toEqual([{ id: later.id, trialId: reg.trialId, signature: later.signature, reason: 'trial already registered' }])
      expect(await store.getBet(reg.trialId)).toMatchObject({ wager: 10n })
      // A replay of an ignored event is a duplicate, reported once.
      expect((await store.applyBatch(makeBatch([later]))).ignored ?? []).toEqual([])
    })

    it('keeps the first of two resolves seen before their register, and says so of the second', async () => {
      const store = ctx.store()
      const reg = makeRegister()
      const early = makeResolve(reg, { resultIndex: 0 })
      await store.applyBatch(makeBatch([early]))
      const second = makeResolve(reg, { resultIndex: 1 })
      const result = await store.applyBatch(makeBatch([second]))
      expect(result.ignored).toEqual([{ id: second.id, trialId: reg.trialId, signature: second.signature, reason: 'trial already resolved' }])
      await store.applyBatch(makeBatch([reg]))
      expect(await store.getBet(reg.trialId)).toMatchObject({ status: 'settled', resultIndex: 0 })
    })

    it('applies a kept resolve to a register of its slot, in the same batch or a later one', async () => {
      const store = ctx.store()
      const reg = makeRegister({ slot: 300 })
      const early = makeResolve(reg, { slot: 300, resultIndex: 0 })
      await store.applyBatch(makeBatch([early]))
      const result = await store.applyBatch(makeBatch([reg]))
      expect(result.ignored ?? []).toEqual([])
      expect(await store.getBet(reg.trialId)).toMatchObject({ status: 'settled', resultIndex: 0, resolveSignature: early.signature })
      const other = makeRegister({ slot: 301 })
      await store.applyBatch(makeBatch([makeResolve(other, { slot: 301 }), other]))
      expect(await store.stats(0)).toMatchObject({ totalBets: 2, pendingBets: 0 })
    })

    it('never settles a bet with a kept resolve of an earlier slot (an earlier trial of the keypair), and says so', async () => {
      // The indexer started between an earlier trial's register and resolve: the resolve is kept, and
      // its register never comes. The keypair registers a new trial later: a new bet, pending.
      const store = ctx.store()
      const reg = makeRegister({ slot: 500, wager: 40n })
      const stale = makeResolve(reg, { slot: 400, resultIndex: 0 })
      await store.applyBatch(makeBatch([stale]))
      const placed = await store.applyBatch(makeBatch([reg]))
      expect(placed.placed.map(b => b.status)).toEqual(['pending'])
      expect(placed.settled).toEqual([])
      expect(placed.ignored).toEqual([{ id: stale.id, trialId: reg.trialId, signature: stale.signature, reason: 'resolve without its register' }])
      expect(await store.stats(0)).toMatchObject({ totalBets: 0, pendingBets: 1, totalWagered: 0n })
      const own = makeResolve(reg, { slot: 501, resultIndex: 1 })
      const settled = await store.applyBatch(makeBatch([own]))
      expect(settled.settled.map(b => b.resolveSignature)).toEqual([own.signature])
      expect(await store.getBet(reg.trialId)).toMatchObject({ status: 'settled', resultIndex: 1, resolveSignature: own.signature })
      expect(await store.stats(0)).toMatchObject({ totalBets: 1, pendingBets: 0, totalWagered: 40n })

      // In one batch, the same.
      const again = makeRegister({ slot: 700 })
      const result = await store.applyBatch(makeBatch([makeResolve(again, { slot: 600 }), again]))
      expect(result.placed.map(b => b.status)).toEqual(['pending'])
      expect(result.ignored?.map(e => e.reason)).toEqual(['resolve without its register'])
    })

    it('tells a kept resolve of an earlier trial from one listed out of order in the same slot by their positions', async () => {
      const store = ctx.store()
      // The node says where each ran: the kept resolve ran before this register (an earlier trial's).
      const reg = makeRegister({ slot: 400, transactionIndex: 7 })
      const stale = makeResolve(reg, { slot: 400, transactionIndex: 3, resultIndex: 0 })
      await store.applyBatch(makeBatch([stale]))
      const placed = await store.applyBatch(makeBatch([reg]))
      expect(placed.placed.map(b => b.status)).toEqual(['pending'])
      expect(placed.ignored).toEqual([{ id: stale.id, trialId: reg.trialId, signature: stale.signature, reason: 'resolve without its register' }])
      const own = makeResolve(reg, { slot: 400, transactionIndex: 9, resultIndex: 1 })
      await store.applyBatch(makeBatch([own]))
      expect(await store.getBet(reg.trialId)).toMatchObject({ status: 'settled', resultIndex: 1, resolveSignature: own.signature })

      // Listed after the register but run before it: an earlier trial's too. Earlier in its block (the
      // register in the same batch), or in an earlier slot (the bet stored already).
      const again = makeRegister({ slot: 450, transactionIndex: 7 })
      const before = makeResolve(again, { slot: 450, transactionIndex: 3, resultIndex: 0 })
      const older = makeResolve(again, { slot: 449, resultIndex: 0 })
      const first = await store.applyBatch(makeBatch([again, before]))
      const second = await store.applyBatch(makeBatch([older]))
      expect([...first.ignored ?? [], ...second.ignored ?? []].map(e => [e.signature, e.reason])).toEqual([
        [before.signature, 'resolve without its register'], [older.signature, 'resolve without its register'],
      ])
      expect(await store.getBet(again.trialId)).toMatchObject({ status: 'pending' })

      // It ran after the register: listed out of order, it is the register's own.
      const other = makeRegister({ slot: 500, transactionIndex: 2 })
      const early = makeResolve(other, { slot: 500, transactionIndex: 5, resultIndex: 1 })
      expect((await store.applyBatch(makeBatch([early, other]))).ignored ?? []).toEqual([])
      expect(await store.getBet(other.trialId)).toMatchObject({ status: 'settled', resultIndex: 1 })
      expect(await store.stats(0)).toMatchObject({ totalBets: 2, pendingBets: 1 })
    })

    it('replaces a kept resolve with a later resolve of its trial, and applies that one', async () => {
      // Two resolves of a trial, in two slots, with no register between them: the first trial's register
      // was before the start, and the second is a new trial's, listed before its register.
      const store = ctx.store()
      const reg = makeRegister({ slot: 900 })
      const stale = makeResolve(reg, { slot: 800, resultIndex: 0 })
      const own = makeResolve(reg, { slot: 900, resultIndex: 1 })
      await store.applyBatch(makeBatch([stale]))
      const replaced = await store.applyBatch(makeBatch([own]))
      expect(replaced.ignored).toEqual([{ id: stale.id, trialId: reg.trialId, signature: stale.signature, reason: 'resolve without its register' }])
      await store.applyBatch(makeBatch([reg]))
      expect(await store.getBet(reg.trialId)).toMatchObject({ status: 'settled', resultIndex: 1, resolveSignature: own.signature })
      expect(await store.stats(0)).toMatchObject({ totalBets: 1, pendingBets: 0 })
    })

    it('records a batch\'s ignored events with the batch, once, even when the batch is sent again', async ({ skip }) => {
      const store = ctx.store()
      skip(!store.recordsIgnoredEvents, 'the indexer records the report of this store')
      const reports = async () => (await store.listSystemEvents({ limit: 100 })).filter(e => e.type === 'indexer.event_ignored')
      const reg = makeRegister()
      await store.applyBatch(makeBatch([reg, makeResolve(reg)]))
      expect(await reports()).toEqual([])
      const again = makeResolve(reg, { resultIndex: 1 })
      const batch = makeBatch([again], { now: 1_700_000_123_456 })
      await store.applyBatch(batch)
      // As when the reply was lost: the batch again is all duplicates, and the report stays one.
      expect(await store.applyBatch(batch)).toMatchObject({ applied: 0, duplicates: 1 })
      expect(await reports()).toEqual([{
        id: expect.any(Number), type: 'indexer.event_ignored', severity: 'warn', message: '1 Fare Vault event(s) changed nothing',
        metadata: { count: 1, events: [{ id: again.id, trialId: reg.trialId, signature: again.signature, reason: 'bet already settled' }] },
        createdAt: 1_700_000_123_456,
      }])
      // Many in one batch: one report, counting them all and listing the first 20.
      const many = Array.from({ length: 25 }, () => makeRegister({ trialId: reg.trialId }))
      expect((await store.applyBatch(makeBatch(many))).ignored).toHaveLength(25)
      const [latest] = await reports()
      expect(latest!.metadata).toMatchObject({ count: 25 })
      expect((latest!.metadata!.events as { id: string }[]).map(e => e.id)).toEqual(many.slice(0, 20).map(e => e.id))
      expect(await reports()).toHaveLength(2)
    })

    it('numbers bets by seq in chain order across batches', async () => {
      const store = ctx.store()
      const regs = Array.from({ length: 5 }, () => makeRegister())
      await store.applyBatch(makeBatch(regs.slice(0, 2)))
      await store.applyBatch(makeBatch(regs.slice(2)))
      const seqs = await Promise.all(regs.map(async r => (await store.getBet(r.trialId))?.seq))
      expect(seqs).toEqual([1, 2, 3, 4, 5])
    })

    it('advances the cursor with the batch, and keeps it when a batch has none', async () => {
      const store = ctx.store()
      expect(await store.getCursor()).toBeNull()
      const reg = makeRegister({ slot: 500 })
      await store.applyBatch(makeBatch([reg], { now: 1_700_000_000_123 }))
      expect(await store.getCursor()).toEqual({ signature: reg.signature, slot: 500, updatedAt: 1_700_000_000_123, published: null })
      // A batch of transactions that carry none of our events still moves the cursor.
      await store.applyBatch({ events: [], cursor: { signature: 'sig-empty', slot: 900 }, now: 1_700_000_000_456 })
      expect(await store.getCursor()).toEqual({ signature: 'sig-empty', slot: 900, updatedAt: 1_700_000_000_456, published: null })
      await store.applyBatch({ events: [makeRegister()], cursor: null, now: 1_700_000_000_789 })
      expect(await store.getCursor()).toEqual({ signature: 'sig-empty', slot: 900, updatedAt: 1_700_000_000_456, published: null })
    })

    it('never moves the cursor backwards, but still applies the events of a late batch', async () => {
      // A deposed leader may commit a batch after the new leader went further: its events are new
      // (idempotency handles them) but its cursor is older and must not win.
      const store = ctx.store()
      const ahead = makeRegister({ slot: 100 })
      await store.applyBatch(makeBatch([ahead], { cursor: { signature: 'sig-100', slot: 100 }, now: 1_700_000_001_000 }))
      const late = makeRegister({ slot: 50, wager: 2n ** 60n + 1n })
      const result = await store.applyBatch(makeBatch([late], { cursor: { signature: 'sig-50', slot: 50 }, now: 1_700_000_002_000 }))
      expect(result).toMatchObject({ applied: 1, duplicates: 0 })
      expect(await store.getBet(late.trialId)).toMatchObject({ status: 'pending', wager: 2n ** 60n + 1n })
      expect((await store.stats(0)).pendingBets).toBe(2)
      expect(await store.getCursor()).toEqual({ signature: 'sig-100', slot: 100, updatedAt: 1_700_000_001_000, published: null })
      // The same slot moves it: a later transaction of that slot.
      await store.applyBatch({ events: [], cursor: { signature: 'sig-100b', slot: 100 }, now: 1_700_000_003_000 })
      expect(await store.getCursor()).toEqual({ signature: 'sig-100b', slot: 100, updatedAt: 1_700_000_003_000, published: null })
    })

    it('keeps the published mark beside the cursor: only forward, with or without a cursor or events in the batch', async () => {
      // The indexer's record of what it has announced, so that a restart after a crash announces the rest.
      const store = ctx.store()
      const at = 1_700_000_004_000
      await store.applyBatch({ events: [], published: { signature: 'sig-1', slot: 1 }, now: at })
      expect(await store.getCursor()).toBeNull() // nothing to keep it beside
      await store.applyBatch({ events: [], cursor: { signature: 'sig-10', slot: 10 }, published: { signature: 'sig-5', slot: 5 }, now: at })
      expect(await store.getCursor()).toEqual({ signature: 'sig-10', slot: 10, updatedAt: at, published: { signature: 'sig-5', slot: 5 } })
      // Alone (no event, no cursor: the indexer's mark once it is idle), the cursor left as it is.
      await store.applyBatch({ events: [], published: { signature: 'sig-10', slot: 10 }, now: at + 1 })
      expect(await store.getCursor()).toEqual({ signature: 'sig-10', slot: 10, updatedAt: at, published: { signature: 'sig-10', slot: 10 } })
      // Never back (a batch sent before the mark moved, a deposed leader's), while its events and cursor apply.
      const late = makeRegister({ slot: 11 })
      await store.applyBatch({ events: [late], cursor: { signature: 'sig-11', slot: 11 }, published: { signature: 'sig-4', slot: 4 }, now: at + 2 })
      expect(await store.getBet(late.trialId)).not.toBeNull()
      expect(await store.getCursor()).toEqual({ signature: 'sig-11', slot: 11, updatedAt: at + 2, published: { signature: 'sig-10', slot: 10 } })
      // A batch without one leaves it; a cursor that moves keeps it.
      await store.applyBatch({ events: [makeRegister({ slot: 12 })], cursor: { signature: 'sig-12', slot: 12 }, now: at + 3 })
      expect(await store.getCursor()).toEqual({ signature: 'sig-12', slot: 12, updatedAt: at + 3, published: { signature: 'sig-10', slot: 10 } })
      await store.applyBatch({ events: [], cursor: { signature: 'sig-13', slot: 13 }, published: { signature: 'sig-12', slot: 12 }, now: at + 4 })
      expect(await store.getCursor()).toEqual({ signature: 'sig-13', slot: 13, updatedAt: at + 4, published: { signature: 'sig-12', slot: 12 } })
    })

    it('lists jackpots newest first with exact amounts, once each', async () => {
      const store = ctx.store()
      const jackpots = [1n, 2n ** 60n + 1n, 3n].map((amount, i) => makeJackpot({ amount, slot: 100 + i }))
      const result = await store.applyBatch(makeBatch(jackpots.slice(0, 2)))
      expect(result.jackpots.map(j => j.id)).toEqual(jackpots.slice(0, 2).map(j => j.id))
      await store.applyBatch(makeBatch(jackpots))
      const listed = await store.listJackpots(10)
      expect(listed.map(j => j.amount)).toEqual([3n, 2n ** 60n + 1n, 1n])
      expect(listed[1]).toEqual({
        id: jackpots[1]!.id, pool: jackpots[1]!.pool, trialId: jackpots[1]!.trialId, receiver: jackpots[1]!.receiver,
        amount: 2n ** 60n + 1n, signature: jackpots[1]!.signature, slot: 101, blockTime: jackpots[1]!.blockTime,
      })
      expect(await store.listJackpots(2)).toHaveLength(2)
    })

    it('keeps a jackpot of any u64, and the bet its transaction settles (a pool\'s pot is shared, and may pass 2^63)', async () => {
      const store = ctx.store()
      const reg = makeRegister({ slot: 300, wager: 102n })
      await store.applyBatch(makeBatch([reg]))
      const res = makeResolve(reg, { slot: 301, resultIndex: 0 })
      const pot = makeJackpot({ id: `${res.signature}:1`, amount: 2n ** 64n - 1n, slot: 301, signature: res.signature, trialId: reg.trialId, pool: reg.pool })
      const result = await store.applyBatch(makeBatch([res, pot]))
      expect(result.settled.map(b => b.id)).toEqual([reg.trialId])
      expect((await store.listJackpots(1))[0]!.amount).toBe(2n ** 64n - 1n)
      expect(await store.getBet(reg.trialId)).toMatchObject({ status: 'settled' })
    })

    it('settles a resolve whose result index is past its qk (a resolver\'s mistake), paying nothing, up to 2^53 - 1', async () => {
      const store = ctx.store()
      for (const [i, resultIndex] of [2 ** 31, 2 ** 53 - 1].entries()) {
        const reg = makeRegister({ slot: 400 + 2 * i })
        await store.applyBatch(makeBatch([reg, makeResolve(reg, { slot: 401 + 2 * i, resultIndex })]))
        expect(await store.getBet(reg.trialId), String(resultIndex)).toMatchObject({ status: 'settled', resultIndex, payout: 0n, won: false })
      }
    })

    it('records other vault events without creating bets', async () => {
      const store = ctx.store()
      const result = await store.applyBatch(makeBatch([
        { kind: 'feeCharged', id: 'fee-sig:0', signature: 'fee-sig', slot: 7, blockTime: 1_700_000_000, data: { feeAmount: '18446744073709551615' } },
      ]))
      expect(result).toMatchObject({ applied: 1, placed: [] })
      expect(await store.applyBatch(makeBatch([
        { kind: 'feeCharged', id: 'fee-sig:0', signature: 'fee-sig', slot: 7, blockTime: 1_700_000_000, data: {} },
      ]))).toMatchObject({ applied: 0, duplicates: 1 })
      expect((await store.stats(0)).totalBets).toBe(0)
    })

    it('knows a replayed event by its id alone, with or without a \':\' in it', async () => {
      const store = ctx.store()
      const bare = makeJackpot({ id: 'jackpot-without-colon', signature: 'jackpot-sig', amount: 5n })
      const indexed = makeJackpot({ id: 'jackpot-sig:1', signature: 'jackpot-sig', amount: 7n })
      const fee: ChainEvent = { kind: 'feeCharged', id: 'fee-without-colon', signature: 'fee-sig-2', slot: 7, blockTime: 1_700_000_000, data: {} }
      expect(await store.applyBatch(makeBatch([bare, indexed, fee]))).toMatchObject({ applied: 3, duplicates: 0 })
      // Each again, alone and together, and under another signature: the id decides.
      expect(await store.applyBatch(makeBatch([{ ...bare, signature: 'other-sig' }]))).toMatchObject({ applied: 0, duplicates: 1 })
      expect(await store.applyBatch(makeBatch([fee, indexed, bare]))).toMatchObject({ applied: 0, duplicates: 3, jackpots: [] })
      expect((await store.listJackpots(10)).map(j => j.amount).sort()).toEqual([5n, 7n])
    })
  })
}
