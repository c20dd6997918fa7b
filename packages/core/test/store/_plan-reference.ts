/**
 * The straightforward planner as it was before it was tuned for speed (packages/core/src/store/plan.ts
 * at 265a920), kept verbatim as the reference the tuned planner must equal, output for output. Only
 * what the tuning changed is copied; `batchKeys`, `hourOf`, `zeroTotals` and `withDelta` are the real ones.
 */
import { applyMultiplier } from '../../src/money'
import type {
  Batch, BatchResult, Bet, ChainEvent, GameTotals, Jackpot, Player, Totals, TrialResolvedEvent,
} from '../../src/store/types'
import { type BatchPlan, type BatchState, hourOf, type PlayerDelta, withDelta, zeroTotals } from '../../src/store/plan'
import { ignoredEventsReport } from '../../src/store/ignored-report'

/** Settles a pending bet with a resolve: payout = wager * k of the drawn outcome. */
export function settleBet(bet: Bet, resolve: TrialResolvedEvent): Bet {
  const k = bet.qk[resolve.resultIndex]?.[1] ?? 0
  const payout = applyMultiplier(bet.wager, k)
  return {
    ...bet,
    status: 'settled',
    resultIndex: resolve.resultIndex,
    multiplier: bet.qk[resolve.resultIndex] ? k : 0,
    payout,
    won: payout > bet.wager,
    resolveSignature: resolve.signature,
    resolveSlot: resolve.slot,
    settledBlockTime: resolve.blockTime,
  }
}

/** Plans `batch` against `state`. Pure: the same inputs always give the same plan. */
export function planBatch(batch: Batch, state: BatchState): BatchPlan {
  const now = batch.now ?? Date.now()
  const plan: BatchPlan = {
    events: [],
    insertBets: [],
    updateBets: [],
    addOrphans: [],
    removeOrphans: [],
    createPlayers: [],
    players: new Map(),
    casino: { ...zeroTotals(), pending: 0 },
    hourly: new Map(),
    playerHourly: new Map(),
    jackpots: [],
    cursor: batch.cursor ? { signature: batch.cursor.signature, slot: batch.cursor.slot, updatedAt: now } : null,
    published: batch.published ? { signature: batch.published.signature, slot: batch.published.slot } : null,
    report: null,
    result: { applied: 0, duplicates: 0, placed: [], settled: [], jackpots: [], joined: [], ignored: [] },
  }
  // Bets as they stand while the batch is walked: stored ones, then the batch's own.
  const bets = new Map(state.bets)
  const inserted = new Map<string, Bet>()
  const updated = new Map<string, Bet>()
  const orphans = new Map(state.orphans)
  const registerIndexes = new Map<string, number | undefined>()
  const players = new Set(state.players)
  const seen = new Set<string>()
  let seq = state.lastSeq

  /** Forgets a trial's kept resolve: deleted from the store when stored, else never added. */
  const dropOrphan = (trialId: string): void => {
    orphans.delete(trialId)
    const added = plan.addOrphans.some(o => o.trialId === trialId)
    plan.addOrphans = plan.addOrphans.filter(o => o.trialId !== trialId)
    if (!added || state.orphans.has(trialId)) {
      if (!plan.removeOrphans.includes(trialId)) plan.removeOrphans.push(trialId)
    }
  }
  const settle = (bet: Bet, resolve: TrialResolvedEvent): Bet => {
    const settled = settleBet(bet, resolve)
    addSettlement(plan, settled)
    plan.result.settled.push(settled)
    return settled
  }

  for (const event of batch.events) {
    if (state.appliedEventIds.has(event.id) || seen.has(event.id)) {
      plan.result.duplicates++
      continue
    }
    seen.add(event.id)
    plan.events.push(event)
    plan.result.applied++

    switch (event.kind) {
      case 'trialRegistered': {
        if (bets.has(event.trialId)) { // registered under another event id: the first one wins
          plan.result.ignored!.push({ id: event.id, trialId: event.trialId, signature: event.signature, reason: 'trial already registered' })
          break
        }
        if (!players.has(event.player)) {
          players.add(event.player)
          const player = newPlayer(event.player, now)
          plan.createPlayers.push(player)
          plan.result.joined.push(player)
        }
        let bet: Bet = {
          id: event.trialId,
          seq: ++seq,
          player: event.player,
          pool: event.pool,
          mint: event.mint,
          game: event.game,
          extraDataHash: event.extraDataHash,
          wager: event.wager,
          qk: event.qk,
          fees: event.fees ?? [],
          poolAccumulatedAmount: event.poolAccumulatedAmount ?? null,
          resultIndex: null,
          payout: null,
          multiplier: null,
          won: null,
          status: 'pending',
          registerSignature: event.signature,
          registerSlot: event.slot,
          blockTime: event.blockTime,
          resolveSignature: null,
          resolveSlot: null,
          settledBlockTime: null,
        }
        const early = orphans.get(event.trialId)
        if (early) dropOrphan(event.trialId)
        const sameSlotOrder = early && early.slot === event.slot && early.transactionIndex !== undefined && event.transactionIndex !== undefined
        if (early && (early.slot > event.slot || (early.slot === event.slot && !(sameSlotOrder && early.transactionIndex! < event.transactionIndex!)))) {
          bet = settle(bet, early) // the resolve was listed first within their slot
        }
        else {
          // From an earlier slot: an earlier trial of the keypair, registered before the start.
          if (early) plan.result.ignored!.push({ id: early.id, trialId: early.trialId, signature: early.signature, reason: 'resolve without its register' })
          plan.casino.pending++
        }
        bets.set(bet.id, bet)
        inserted.set(bet.id, bet)
        registerIndexes.set(bet.id, event.transactionIndex)
        plan.result.placed.push(bet)
        break
      }
      case 'trialResolved': {
        const bet = bets.get(event.trialId)
        if (!bet) {
          const kept = orphans.get(event.trialId)
          const keptFirst = kept && (kept.slot < event.slot || (kept.slot === event.slot && kept.transactionIndex !== undefined
            && event.transactionIndex !== undefined && kept.transactionIndex < event.transactionIndex))
          if (kept && !keptFirst) {
            plan.result.ignored!.push({ id: event.id, trialId: event.trialId, signature: event.signature, reason: 'trial already resolved' })
            break
          }
          if (kept) {
            plan.result.ignored!.push({ id: kept.id, trialId: kept.trialId, signature: kept.signature, reason: 'resolve without its register' })
            dropOrphan(event.trialId)
          }
          orphans.set(event.trialId, event)
          plan.addOrphans.push(event)
          break
        }
        const at = { slot: bet.registerSlot, transactionIndex: registerIndexes.get(bet.id) }
        if (event.slot < at.slot || (event.slot === at.slot && typeof event.transactionIndex === 'number'
          && typeof at.transactionIndex === 'number' && event.transactionIndex < at.transactionIndex)) {
          plan.result.ignored!.push({ id: event.id, trialId: event.trialId, signature: event.signature, reason: 'resolve without its register' })
          break
        }
        if (bet.status === 'settled') {
          plan.result.ignored!.push({ id: event.id, trialId: event.trialId, signature: event.signature, reason: 'bet already settled' })
          break
        }
        plan.casino.pending--
        const settled = settle(bet, event)
        bets.set(settled.id, settled)
        if (inserted.has(settled.id)) inserted.set(settled.id, settled)
        else updated.set(settled.id, settled)
        break
      }
      case 'jackpotReleased': {
        const jackpot: Jackpot = {
          id: event.id,
          pool: event.pool,
          trialId: event.trialId,
          receiver: event.receiver,
          amount: event.amount,
          signature: event.signature,
          slot: event.slot,
          blockTime: event.blockTime,
        }
        plan.jackpots.push(jackpot)
        plan.result.jackpots.push(jackpot)
        break
      }
      default:
        break
    }
  }

  plan.insertBets = [...inserted.values()]
  plan.updateBets = [...updated.values()]
  // `placed` reports each bet in its state at the end of the batch.
  plan.result.placed = plan.result.placed.map(b => bets.get(b.id)!)
  // New players report the totals they end the batch with.
  plan.result.joined = plan.result.joined.map(p => withDelta(p, plan.players.get(p.wallet)))
  plan.report = ignoredEventsReport(plan.result.ignored!, now)
  return plan
}

function newPlayer(wallet: string, now: number): Player {
  return {
    wallet,
    username: null,
    createdAt: now,
    lastSeenAt: now,
    totalBets: 0,
    totalWins: 0,
    totalLosses: 0,
    totalWagered: 0n,
    totalPayout: 0n,
    games: {},
  }
}

/** Adds a settled bet to every counter it moves. */
function addSettlement(plan: BatchPlan, bet: Bet): void {
  const won = bet.won === true
  const payout = bet.payout ?? 0n
  addTotals(plan.casino, won, bet.wager, payout)

  let player = plan.players.get(bet.player)
  if (!player) plan.players.set(bet.player, player = { ...zeroTotals(), games: {} })
  addTotals(player, won, bet.wager, payout)
  addTotals(player.games[bet.game] ??= zeroTotals(), won, bet.wager, payout)

  const hour = hourOf(bet.settledBlockTime ?? bet.blockTime)
  let bucket = plan.hourly.get(hour)
  if (!bucket) plan.hourly.set(hour, bucket = { bets: 0, wins: 0, wagered: 0n, payout: 0n })
  addTotals(bucket, won, bet.wager, payout)

  const key = `${bet.player}:${hour}`
  let playerBucket = plan.playerHourly.get(key)
  if (!playerBucket) plan.playerHourly.set(key, playerBucket = { wallet: bet.player, hour, bets: 0, wins: 0, wagered: 0n, payout: 0n })
  addTotals(playerBucket, won, bet.wager, payout)
}

function addTotals(totals: Totals & { losses?: number }, won: boolean, wager: bigint, payout: bigint): void {
  totals.bets++
  if (won) totals.wins++
  else if (totals.losses !== undefined) totals.losses++
  totals.wagered += wager
  totals.payout += payout
}

