import type { BatchPlan, BatchState } from './plan'
import type { Bet, TrialResolvedEvent } from './types'

/**
 * Planning a batch before the previous one has committed (pipelined `applyBatch`, see
 * `CasinoStore.pipelinesBatches`): the state a store reads while batch N is still being written
 * is the state before N, so batch N+1 is planned against that state with N's plan laid over it.
 *
 * Correct only when N's writes are the only ones to those keys in between (a single indexer), and only
 * once N has committed: a store checks both before writing N+1 (see the Postgres adapter).
 */

/** What one plan leaves behind in the store: enough to read the state after it without reading it. */
export interface BatchOverlay {
  /** Ids of every event the plan applied. */
  appliedEventIds: ReadonlySet<string>
  /** Every bet the plan inserted or settled, in its state after the plan. */
  bets: ReadonlyMap<string, Bet>
  /** Resolves the plan kept for later. */
  addedOrphans: ReadonlyMap<string, TrialResolvedEvent>
  /** Trials whose kept resolve the plan applied. */
  removedOrphans: ReadonlySet<string>
  /** Wallets the plan created a player row for. */
  createdPlayers: ReadonlySet<string>
  /** The highest bet seq once the plan is written. */
  lastSeq: number
}

/** The overlay of `plan`, which was planned against a state whose highest seq was `baseSeq`. */
export function overlayOf(plan: BatchPlan, baseSeq: number): BatchOverlay {
  const bets = new Map<string, Bet>()
  let lastSeq = baseSeq
  for (const bet of plan.insertBets) {
    bets.set(bet.id, bet)
    if (bet.seq > lastSeq) lastSeq = bet.seq
  }
  for (const bet of plan.updateBets) bets.set(bet.id, bet)
  return {
    appliedEventIds: new Set(plan.events.map(e => e.id)),
    bets,
    addedOrphans: new Map(plan.addOrphans.map(o => [o.trialId, o])),
    removedOrphans: new Set(plan.removeOrphans),
    createdPlayers: new Set(plan.createPlayers.map(p => p.wallet)),
    lastSeq,
  }
}

/**
 * `loaded` (read while the overlay's batch was not yet visible, or already was: either way) as it is
 * once that batch is written. What the overlay says about a key wins over what was read.
 */
export function applyOverlay(loaded: BatchState, overlay: BatchOverlay): BatchState {
  const appliedEventIds = new Set(loaded.appliedEventIds)
  for (const id of overlay.appliedEventIds) appliedEventIds.add(id)
  const bets = new Map(loaded.bets)
  for (const [id, bet] of overlay.bets) bets.set(id, bet)
  const orphans = new Map(loaded.orphans)
  for (const id of overlay.removedOrphans) orphans.delete(id)
  for (const [id, orphan] of overlay.addedOrphans) orphans.set(id, orphan)
  const players = new Set(loaded.players)
  for (const wallet of overlay.createdPlayers) players.add(wallet)
  return { appliedEventIds, bets, orphans, players, lastSeq: Math.max(loaded.lastSeq, overlay.lastSeq) }
}
