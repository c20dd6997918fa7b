import type { Database } from 'better-sqlite3'
import { batchKeys, CasinoError, planBatch } from '@fare-casino/core/store'
import type { Batch, BatchPlan, BatchResult, Bet, BatchState, ChainEvent } from '@fare-casino/core/store'
import { notWritten } from '../_pipeline'
import { idsOnBets, splitBetEvents, transactionOfId } from '../postgres/_bet-events'
import { type BetRow, betValues, fromOrphanJson, systemEventValues, toBet } from './rows'
import type { SqliteStatements } from './statements'

/** Counts writes so that a test can make a batch fail halfway (the `failNextBatch` hook). */
export interface WriteGate {
  /** Called before every write; throws when the armed failure is due. */
  beforeWrite(): void
  /** Called before commit; throws when a failure is still armed. */
  beforeCommit(): void
}

/** A gate that never fails. */
const openGate: WriteGate = { beforeWrite() {}, beforeCommit() {} }

/**
 * The gate of one batch: open, or (the `failNextBatch` hook armed with `afterWrites`) failing after that
 * many writes, or before the commit when the batch writes less.
 */
export function gateFor(afterWrites: number | undefined): WriteGate {
  if (afterWrites === undefined) return openGate
  let left = afterWrites
  const fire = (): never => {
    throw new CasinoError('STORE_ERROR', 'injected failure')
  }
  return {
    beforeWrite() {
      if (left-- <= 0) fire()
    },
    beforeCommit: fire,
  }
}

/** One applied event of a `transaction_events` row. */
interface RecordedEvent {
  id: string
  kind: ChainEvent['kind']
  data: Record<string, unknown> | null
}

/** The `transaction_events` rows of the transactions `eventIds` name (rows exist only for replays, mostly). */
function recordedEvents(s: SqliteStatements, eventIds: readonly string[]): Map<string, RecordedEvent[]> {
  const rows = s.eventsOfIds.all(JSON.stringify(eventIds)) as { signature: string, events: string }[]
  return new Map(rows.map(row => [row.signature, JSON.parse(row.events) as RecordedEvent[]]))
}

/**
 * Reads what {@link planBatch} needs, inside the caller's transaction, and the recorded events of the
 * transactions the batch's event ids name (the row of an id's transaction says whether it was applied).
 */
function loadState(s: SqliteStatements, batch: Batch): { state: BatchState, recorded: Map<string, RecordedEvent[]> } {
  const keys = batchKeys(batch)
  const trialIds = JSON.stringify(keys.trialIds)
  const rows = s.betsByIds.all(trialIds) as (BetRow & { register_event_id: string | null, resolve_event_id: string | null })[]
  const applied = new Set(idsOnBets(keys.eventIds, rows.map(r => ({ registerEventId: r.register_event_id, resolveEventId: r.resolve_event_id }))))
  const recorded = recordedEvents(s, keys.eventIds)
  for (const events of recorded.values()) for (const event of events) applied.add(event.id)
  return {
    state: {
      appliedEventIds: applied,
      bets: new Map(rows.map(row => [row.id, toBet(row)])),
      orphans: new Map((s.orphansByIds.all(trialIds) as string[]).map(json => {
        const event = fromOrphanJson(json)
        return [event.trialId, event]
      })),
      players: new Set(s.knownWallets.all(JSON.stringify(keys.wallets)) as string[]),
      lastSeq: Number(s.lastSeq.get() ?? 0n),
    },
    recorded,
  }
}

/** The record of an applied event: its decoded fields for the kinds that have them. */
function recordOf(e: ChainEvent): RecordedEvent {
  return { id: e.id, kind: e.kind, data: 'data' in e ? e.data : null }
}

/** `events` grouped by the transaction their ids name, in order. */
function byTransaction(events: readonly ChainEvent[]): Map<string, ChainEvent[]> {
  const out = new Map<string, ChainEvent[]>()
  for (const event of events) {
    const key = transactionOfId(event.id)
    const group = out.get(key)
    if (group) group.push(event)
    else out.set(key, [event])
  }
  return out
}

/** Writes a plan. Players first: bets and per-player rows reference them. */
function writePlan(s: SqliteStatements, plan: BatchPlan, recorded: ReadonlyMap<string, RecordedEvent[]>, gate: WriteGate): void {
  const run = (statement: { run: (...args: unknown[]) => unknown }, ...args: unknown[]) => {
    gate.beforeWrite()
    statement.run(...args)
  }
  // Events that created or settled a bet are recorded on its row; the rest in their transaction's row
  // (added to it when an earlier batch recorded some of its events).
  const split = splitBetEvents(plan)
  for (const [transaction, events] of byTransaction(split.others)) {
    const stored = recorded.get(transaction)
    const records = events.map(recordOf)
    if (stored) run(s.setTransactionEvents, JSON.stringify([...stored, ...records]), transaction)
    else run(s.insertTransactionEvents, transaction, events[0]!.slot, events[0]!.blockTime, JSON.stringify(records))
  }
  for (const p of plan.createPlayers) run(s.insertPlayer, p.wallet, p.createdAt, p.lastSeenAt)
  let maxSeq = 0
  for (const bet of plan.insertBets) {
    run(s.insertBet, ...betValues(bet), split.register.get(bet.id) ?? null, split.resolve.get(bet.id) ?? null)
    if (bet.seq > maxSeq) maxSeq = bet.seq
  }
  for (const bet of plan.updateBets) run(s.settleBet, ...settleValues(bet, split.resolve.get(bet.id) ?? null))
  // Removed before added: a trial in both has its kept resolve replaced (see BatchPlan.removeOrphans).
  for (const id of plan.removeOrphans) run(s.deleteOrphan, id)
  for (const o of plan.addOrphans) run(s.insertOrphan, o.trialId, JSON.stringify(o))
  for (const [wallet, d] of plan.players) {
    run(s.addPlayerTotals, d.bets, d.wins, d.losses, d.wagered, d.payout, wallet)
    for (const [game, g] of Object.entries(d.games)) run(s.addPlayerGame, wallet, game, g.bets, g.wins, g.losses, g.wagered, g.payout)
  }
  const c = plan.casino
  run(s.addCasino, c.bets, c.wins, c.losses, c.wagered, c.payout, c.pending, plan.createPlayers.length, maxSeq)
  for (const [hour, t] of plan.hourly) run(s.addHourly, hour, t.bets, t.wins, t.wagered, t.payout)
  for (const t of plan.playerHourly.values()) {
    run(s.addPlayerHourly, t.wallet, t.hour, t.bets, t.wins, t.wagered, t.payout)
    run(s.addToWindows, { wallet: t.wallet, hour: t.hour, bets: t.bets, wins: t.wins, wagered: t.wagered, payout: t.payout })
  }
  for (const j of plan.jackpots) run(s.insertJackpot, j.id, j.pool, j.trialId, j.receiver, String(j.amount), j.signature, j.slot, j.blockTime)
  if (plan.cursor) run(s.setCursor, plan.cursor.signature, plan.cursor.slot, plan.cursor.updatedAt)
  if (plan.published) run(s.setPublished, plan.published.signature, plan.published.slot, plan.published.slot)
  if (plan.report) run(s.addSystemEvent, ...systemEventValues(plan.report))
}

function settleValues(bet: Bet, resolveEventId: string | null): unknown[] {
  return [
    bet.resultIndex, bet.payout, bet.multiplier, bet.won === null ? null : bet.won ? 1 : 0, bet.status,
    bet.resolveSignature, bet.resolveSlot, bet.settledBlockTime, resolveEventId, bet.id,
  ]
}

/**
 * `applyBatch` as ONE synchronous better-sqlite3 transaction: load, plan, write, commit. It is
 * BEGIN IMMEDIATE so that the write lock is held from the first read: another process (or another
 * store on the same file) can never plan from the same state and hand out the same seqs.
 * Any throw, including SQLite refusing an overflowing total, rolls the whole batch back.
 */
export function createBatchWriter(db: Database, s: SqliteStatements): (batch: Batch, gate: WriteGate) => BatchResult {
  const transaction = db.transaction((batch: Batch, gate: WriteGate): BatchResult => {
    if (batch.expectCursor !== undefined && (s.cursor.get() as { signature: string } | undefined)?.signature !== batch.expectCursor) {
      throw notWritten('the store is not at its expected cursor')
    }
    const { state, recorded } = loadState(s, batch)
    const plan = planBatch(batch, state)
    writePlan(s, plan, recorded, gate)
    gate.beforeCommit()
    return plan.result
  })
  return (batch, gate) => {
    try {
      return transaction.immediate(batch, gate)
    }
    catch (error) {
      throw amountOutOfRange(error) ?? error
    }
  }
}

/**
 * SQLite's refusals of an amount past its signed 64-bit integers, as `AMOUNT_OUT_OF_RANGE`: binding a
 * bigint above 2^63 - 1 (a u64 wager, a huge payout) throws a RangeError; a total summed past it turns
 * REAL and fails the `*_totals_integer` CHECKs (or SUM() throws "integer overflow"). The same batch
 * fails the same way every time, which the indexer must be able to tell from a transient failure.
 */
function amountOutOfRange(error: unknown): CasinoError | undefined {
  const message = (error as Error)?.message ?? ''
  const code = (error as { code?: unknown })?.code
  const refused = (error instanceof RangeError && /too big|out of range/i.test(message))
    || (code === 'SQLITE_CONSTRAINT_CHECK' && /_totals_integer/.test(message))
    || /integer overflow/i.test(message)
  return refused ? new CasinoError('AMOUNT_OUT_OF_RANGE', `the store cannot hold an amount: ${message}`, { cause: error }) : undefined
}
