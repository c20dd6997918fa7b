import { applyMultiplier } from '../money'
import { SettlementTotals } from './_plan-totals'
import { ignoredEventsReport } from './ignored-report'
import type {
  Batch, BatchResult, Bet, ChainEvent, ChainPosition, GameTotals, IgnoredEvent, Jackpot, JackpotReleasedEvent, Player, SystemEvent, Totals,
  TrialRegisteredEvent, TrialResolvedEvent,
} from './types'

/**
 * `applyBatch` in two halves: every adapter loads a {@link BatchState}, calls {@link planBatch}
 * (pure, shared, so that all adapters agree to the letter on what a batch means) and writes the
 * {@link BatchPlan} atomically. Loading and writing happen inside one transaction (or one
 * optimistic Redis script) so that the state the plan was made from is the state it is written to.
 */

/** What an adapter must read before planning a batch. */
export interface BatchState {
  /** Ids of the batch's events that the store has applied already. */
  appliedEventIds: ReadonlySet<string>
  /** Stored bets whose trial the batch registers or resolves. */
  bets: ReadonlyMap<string, Bet>
  /** Stored resolves that arrived before their register, for trials the batch registers or resolves. */
  orphans: ReadonlyMap<string, TrialResolvedEvent>
  /** Wallets among the batch's players that already have a player row. */
  players: ReadonlySet<string>
  /** The highest bet `seq` in the store (0 when empty). */
  lastSeq: number
}

/** Additive change to one player's totals. */
export interface PlayerDelta extends GameTotals {
  games: Record<string, GameTotals>
}

/** The writes that apply a batch. Every counter is a delta to add. */
export interface BatchPlan {
  /** Events new to the store, to record as applied. */
  events: ChainEvent[]
  /** New bet rows (already in their final state for this batch). */
  insertBets: Bet[]
  /** Existing bet rows now settled (the whole row). */
  updateBets: Bet[]
  /** Resolves to keep until their register arrives. */
  addOrphans: TrialResolvedEvent[]
  /**
   * Trial ids whose kept resolve is now applied or dropped. A trial may be here and in `addOrphans`
   * both (its kept resolve replaced): stores remove before they add.
   */
  removeOrphans: string[]
  /** Player rows to create (zero totals; deltas below apply on top). */
  createPlayers: Player[]
  /** Totals to add per wallet. */
  players: Map<string, PlayerDelta>
  /** Casino totals to add. */
  casino: GameTotals & { pending: number }
  /** Casino totals per hour (unix seconds / 3600) to add. */
  hourly: Map<number, Totals>
  /** Player totals per wallet and hour, keyed `${wallet}:${hour}`. */
  playerHourly: Map<string, Totals & { wallet: string, hour: number }>
  jackpots: Jackpot[]
  cursor: { signature: string, slot: number, updatedAt: number } | null
  /** The last transaction published (see `Batch.published`): to store only forward, and only beside a cursor. */
  published: ChainPosition | null
  /**
   * The SystemEvent reporting `result.ignored` (null when none), for a store that records it in the
   * batch's own write (`CasinoStore.recordsIgnoredEvents`): a batch written whose reply was lost comes
   * back as duplicates when sent again, and would otherwise never be reported.
   */
  report: Omit<SystemEvent, 'id'> | null
  /** The value `applyBatch` resolves to, once the plan is written. */
  result: BatchResult
}

/**
 * Every wallet, trial and event id an adapter needs to load the {@link BatchState} for `batch`.
 * Sets spread into arrays at the end measured faster here than checking a set before each push.
 */
export function batchKeys(batch: Batch): { eventIds: string[], trialIds: string[], wallets: string[] } {
  const trialIds = new Set<string>()
  const wallets = new Set<string>()
  for (const event of batch.events) {
    if (event.kind === 'trialRegistered') {
      trialIds.add(event.trialId)
      wallets.add(event.player)
    }
    else if (event.kind === 'trialResolved') {
      trialIds.add(event.trialId)
    }
  }
  return { eventIds: batch.events.map(e => e.id), trialIds: [...trialIds], wallets: [...wallets] }
}

/** The hour bucket of a unix-seconds time. */
export function hourOf(unixSeconds: number): number {
  return Math.floor(unixSeconds / 3600)
}

/** An empty {@link GameTotals}. */
export function zeroTotals(): GameTotals {
  return { bets: 0, wins: 0, losses: 0, wagered: 0n, payout: 0n }
}

/**
 * Settles a pending bet with a resolve: payout = wager * k of the drawn outcome.
 * Written as a literal (fields in {@link Bet} order) rather than `{ ...bet, ...changes }`: V8 builds a
 * literal of a known shape several times faster than a spread with overrides, once per settled bet.
 */
export function settleBet(bet: Bet, resolve: TrialResolvedEvent): Bet {
  const outcome = bet.qk[resolve.resultIndex]
  const k = outcome?.[1] ?? 0
  const payout = applyMultiplier(bet.wager, k)
  return {
    id: bet.id,
    seq: bet.seq,
    player: bet.player,
    pool: bet.pool,
    mint: bet.mint,
    game: bet.game,
    extraDataHash: bet.extraDataHash,
    wager: bet.wager,
    qk: bet.qk,
    fees: bet.fees,
    poolAccumulatedAmount: bet.poolAccumulatedAmount,
    resultIndex: resolve.resultIndex,
    payout,
    multiplier: outcome ? k : 0,
    won: payout > bet.wager,
    status: 'settled',
    registerSignature: bet.registerSignature,
    registerSlot: bet.registerSlot,
    blockTime: bet.blockTime,
    resolveSignature: resolve.signature,
    resolveSlot: resolve.slot,
    settledBlockTime: resolve.blockTime,
  }
}

/**
 * Plans `batch` against `state`. Pure: the same inputs always give the same plan.
 *
 * Runs on the ingest path of every adapter, once per event, so it reads `state` where it stands
 * instead of copying its maps, and leaves the totals to {@link SettlementTotals}.
 */
export function planBatch(batch: Batch, state: BatchState): BatchPlan {
  const now = batch.now ?? Date.now()
  const events: ChainEvent[] = []
  // The batch's new bets in registration order, each in its latest state (also what `placed` reports).
  const insertBets: Bet[] = []
  const insertedAt = new Map<string, number>()
  // Stored bets this batch settles, in settlement order.
  const updated = new Map<string, Bet>()
  // Resolves without a bet yet. A trial of `state.orphans` is here only when its stored one is replaced.
  const addOrphans = new Map<string, TrialResolvedEvent>()
  const removeOrphans: string[] = []
  const createPlayers: Player[] = []
  const created = new Set<string>()
  const settled: Bet[] = []
  const jackpots: Jackpot[] = []
  const totals = new SettlementTotals()
  const seen = new Set<string>()
  const ignored: IgnoredEvent[] = []
  // The position in its block of the register of each bet this batch inserts (see ranBefore).
  const registerIndexes = new Map<string, number | undefined>()
  let applied = 0
  let duplicates = 0
  let pending = 0
  let seq = state.lastSeq

  const settle = (bet: Bet, resolve: TrialResolvedEvent): Bet => {
    const done = settleBet(bet, resolve)
    totals.add(done, hourOf(done.settledBlockTime ?? done.blockTime))
    settled.push(done)
    return done
  }

  for (const event of batch.events) {
    if (state.appliedEventIds.has(event.id) || seen.has(event.id)) {
      duplicates++
      continue
    }
    seen.add(event.id)
    events.push(event)
    applied++

    switch (event.kind) {
      case 'trialRegistered': {
        // Registered under another event id: the first one wins, and the other is reported.
        if (insertedAt.has(event.trialId) || state.bets.has(event.trialId)) {
          ignored.push({ id: event.id, trialId: event.trialId, signature: event.signature, reason: 'trial already registered' })
          break
        }
        if (!state.players.has(event.player) && !created.has(event.player)) {
          created.add(event.player)
          createPlayers.push(newPlayer(event.player, now))
        }
        let bet = newBet(event, ++seq)
        const early = addOrphans.get(event.trialId) ?? state.orphans.get(event.trialId)
        if (early) {
          if (!addOrphans.delete(event.trialId)) removeOrphans.push(event.trialId)
          // A resolve kept that ran before this register cannot be its trial's: the vault resolves only a
          // registered trial. It resolved an earlier trial of the same keypair, registered before the start.
          if (ranBefore(early, event)) ignored.push(staleResolve(early))
          // Else the resolve was seen first (two transactions of one slot listed out of order): apply it now.
          else bet = settle(bet, early)
        }
        if (bet.status === 'pending') pending++
        insertedAt.set(bet.id, insertBets.length)
        insertBets.push(bet)
        registerIndexes.set(bet.id, event.transactionIndex)
        break
      }
      case 'trialResolved': {
        const at = insertedAt.get(event.trialId)
        const bet = at !== undefined ? insertBets[at]! : updated.get(event.trialId) ?? state.bets.get(event.trialId)
        if (!bet) {
          const kept = addOrphans.get(event.trialId) ?? state.orphans.get(event.trialId)
          if (kept && !ranBefore(kept, event)) {
            ignored.push({ id: event.id, trialId: event.trialId, signature: event.signature, reason: 'trial already resolved' })
            break
          }
          if (kept) {
            // Kept from before this one with no register since: its register can no longer come (see above).
            ignored.push(staleResolve(kept))
            if (!addOrphans.delete(event.trialId)) removeOrphans.push(event.trialId)
          }
          addOrphans.set(event.trialId, event)
          break
        }
        // Listed after the register but surely run before it: an earlier trial's, as above. (A stored bet's
        // position in its block is not kept: its slot tells what it can.)
        if (ranBefore(event, { slot: bet.registerSlot, transactionIndex: registerIndexes.get(bet.id) })) {
          ignored.push(staleResolve(event))
          break
        }
        if (bet.status === 'settled') {
          ignored.push({ id: event.id, trialId: event.trialId, signature: event.signature, reason: 'bet already settled' })
          break
        }
        pending--
        const done = settle(bet, event)
        if (at !== undefined) insertBets[at] = done
        else updated.set(done.id, done)
        break
      }
      case 'jackpotReleased': {
        jackpots.push(jackpotOf(event))
        break
      }
      default:
        break
    }
  }

  const players = totals.playerDeltas()
  return {
    events,
    insertBets,
    updateBets: [...updated.values()],
    addOrphans: [...addOrphans.values()],
    removeOrphans,
    createPlayers,
    players,
    casino: totals.casinoTotals(pending),
    hourly: totals.hourlyTotals(),
    playerHourly: totals.playerHourlyTotals(),
    jackpots,
    cursor: batch.cursor ? { signature: batch.cursor.signature, slot: batch.cursor.slot, updatedAt: now } : null,
    published: batch.published ? { signature: batch.published.signature, slot: batch.published.slot } : null,
    report: ignoredEventsReport(ignored, now),
    result: {
      applied,
      duplicates,
      // `placed` reports each bet in its state at the end of the batch: the new rows, in a list of its own.
      placed: insertBets.slice(),
      settled,
      jackpots: jackpots.slice(),
      // New players report the totals they end the batch with.
      joined: createPlayers.map(p => withDelta(p, players.get(p.wallet))),
      ignored,
    },
  }
}

/** The jackpot a release event records. */
export function jackpotOf(event: JackpotReleasedEvent): Jackpot {
  return {
    id: event.id,
    pool: event.pool,
    trialId: event.trialId,
    receiver: event.receiver,
    amount: event.amount,
    signature: event.signature,
    slot: event.slot,
    blockTime: event.blockTime,
  }
}

/**
 * Whether the transaction of `a` surely ran before the one of `b`: an earlier slot, or an earlier position
 * in the same block when the node gave both. Two events of one slot without positions may be in either
 * order: a node listed them in order of signature before `transactionIndex` existed.
 */
function ranBefore(a: ChainSpot, b: ChainSpot): boolean {
  if (a.slot !== b.slot) return a.slot < b.slot
  return typeof a.transactionIndex === 'number' && typeof b.transactionIndex === 'number' && a.transactionIndex < b.transactionIndex
}

/** Where a transaction ran: its slot, and its position in the block when known. */
interface ChainSpot {
  slot: number
  transactionIndex?: number | null
}

/** The report of a kept resolve dropped because its register can no longer come (see planBatch). */
function staleResolve(event: TrialResolvedEvent): IgnoredEvent {
  return { id: event.id, trialId: event.trialId, signature: event.signature, reason: 'resolve without its register' }
}

/** A pending bet for a register event, `seq` its place in the store. */
function newBet(event: TrialRegisteredEvent, seq: number): Bet {
  return {
    id: event.trialId,
    seq,
    player: event.player,
    pool: event.pool,
    mint: event.mint,
    game: event.game,
    extraDataHash: event.extraDataHash,
    wager: event.wager,
    qk: event.qk,
    // A caller written before registers carried these may leave them out: no fees, no amount.
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

/** A player row with a delta added (used for new players and by adapters that rewrite whole rows). */
export function withDelta(player: Player, delta: PlayerDelta | undefined): Player {
  if (!delta) return player
  const games = { ...player.games }
  for (const [game, d] of Object.entries(delta.games)) {
    const g = games[game] ?? zeroTotals()
    games[game] = { bets: g.bets + d.bets, wins: g.wins + d.wins, losses: g.losses + d.losses, wagered: g.wagered + d.wagered, payout: g.payout + d.payout }
  }
  return {
    ...player,
    totalBets: player.totalBets + delta.bets,
    totalWins: player.totalWins + delta.wins,
    totalLosses: player.totalLosses + delta.losses,
    totalWagered: player.totalWagered + delta.wagered,
    totalPayout: player.totalPayout + delta.payout,
    games,
  }
}
