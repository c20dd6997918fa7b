import type { BatchPlan, ChainEvent } from '@fare-casino/core/store'

/**
 * Where a store records the ids of the events a batch applies, so that replaying one is a no-op.
 *
 * Most events of a batch register or resolve a bet. Their ids go on the bet row they created or
 * settled (`register_event_id`, `resolve_event_id`): no row and no random-key index entry of its own,
 * which was the largest cost of ingesting (an `events` row per event). Every other applied event
 * (an early resolve kept as an orphan, a second register or resolve of a known trial, jackpots,
 * fees, pool events) keeps a row in the events table. Each applied id is recorded in exactly one of
 * the two places, so idempotency stays exact per event id.
 *
 * Replays are found again through the batch's trial ids: `planBatch` loads every bet a batch's
 * registers and resolves name, and with them the event ids stored on those rows.
 */
export interface BetEventIds {
  /** Trial id -> id of the register event that created the bet in this batch. */
  register: Map<string, string>
  /** Trial id -> id of the resolve event that settled the bet in this batch. */
  resolve: Map<string, string>
  /** The other applied events: each needs an events-table row. */
  others: ChainEvent[]
}

/** Splits the applied events of `plan` as {@link BetEventIds} describes. */
export function splitBetEvents(plan: BatchPlan): BetEventIds {
  const created = new Set<string>()
  for (const bet of plan.insertBets) created.add(bet.id)
  const settled = new Set<string>()
  for (const bet of plan.insertBets) if (bet.status === 'settled') settled.add(bet.id)
  for (const bet of plan.updateBets) settled.add(bet.id)
  const out: BetEventIds = { register: new Map(), resolve: new Map(), others: [] }
  for (const e of plan.events) {
    // The first applied register of a new trial is the one that created its bet (planBatch ignores the
    // rest); any resolve may take a settled bet's one slot, which is always empty before this batch
    // (an updated bet was pending, an inserted one is new).
    if (e.kind === 'trialRegistered' && created.has(e.trialId) && !out.register.has(e.trialId)) out.register.set(e.trialId, e.id)
    else if (e.kind === 'trialResolved' && settled.has(e.trialId) && !out.resolve.has(e.trialId)) out.resolve.set(e.trialId, e.id)
    else out.others.push(e)
  }
  return out
}

/** The ids among `eventIds` that loaded bet rows carry (the other half of the applied set). */
export function idsOnBets(eventIds: readonly string[], bets: Iterable<{ registerEventId: string | null, resolveEventId: string | null }>): string[] {
  const on = new Set<string>()
  for (const b of bets) {
    if (b.registerEventId !== null) on.add(b.registerEventId)
    if (b.resolveEventId !== null) on.add(b.resolveEventId)
  }
  return on.size ? eventIds.filter(id => on.has(id)) : []
}

/**
 * The transaction an event id names: the id up to its first ':' (`<signature>:<index>`, as the decoder
 * writes ids), or the whole id. Stores record the other applied events one row per transaction, found
 * from the id alone, so an id is applied once whatever signature an event carrying it says (the
 * contract, and the memory store, key on ids).
 */
export function transactionOfId(id: string): string {
  const colon = id.indexOf(':')
  return colon < 0 ? id : id.slice(0, colon)
}

/** The distinct transactions that `eventIds` name (see {@link transactionOfId}): the rows a batch looks up. */
export function transactionsOfIds(eventIds: readonly string[]): string[] {
  return [...new Set(eventIds.map(transactionOfId))]
}
