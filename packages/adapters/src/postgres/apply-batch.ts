import { randomBytes } from 'node:crypto'
import { applyOverlay, batchKeys, type BatchState, CasinoError, overlayOf, planBatch } from '@fare-casino/core/store'
import type { Batch, BatchOverlay, BatchPlan, BatchResult, TrialResolvedEvent } from '@fare-casino/core/store'
import type { Sql, TransactionSql } from 'postgres'
import { notWritten, type PendingBatch } from '../_pipeline'
import { textArray } from './_arrays'
import { idsOnBets, transactionsOfIds } from './_bet-events'
import { type BetRow, toBet } from './_rows'
import { transaction } from './_transaction'
import { rowWrites, type TableName, totalsWrites } from './_writes'

/** What a batch planned behind a pending one needs from it. */
export interface PlannedPg {
  overlay: BatchOverlay
  /** The casino row's `batch_token` once it is written: a fresh random value only its write sets. */
  token: string
}

/** What {@link applyBatchPg} is told besides the batch. */
export interface PgBatchOptions {
  /** Test hook: write this many statements of the plan, then fail. */
  failAfterWrites?: number
  /** The batch still pending when this one was called: plan against its overlay, commit after it. */
  after?: PendingBatch<PlannedPg>
  /** Told this batch's overlay and token once planned (for a batch called behind it). */
  onPlanned?: (planned: PlannedPg) => void
  /** Told once this batch holds the casino row lock. */
  onLocked?: () => void
}

type LoadedRows = [applied: { id: string }[], bets: BetRow[], orphans: { trial_id: string, event: TrialResolvedEvent }[], players: { wallet: string }[]]

/**
 * The rows {@link BatchState} is made of, in one pipelined round trip.
 * Bets are found with one primary-key probe per trial id (a LATERAL subquery behind OFFSET 0, which the
 * planner cannot flatten into a join): `= ANY(array)` and plain joins became a sequential scan of the
 * whole table while it was young (no statistics yet), a cost growing with every batch. The other
 * tables stay small (or are analyzed by then): `= ANY` lets the planner scan a tiny one outright.
 */
function loadRows(q: Sql | TransactionSql, t: TableName, keys: ReturnType<typeof batchKeys>): Promise<LoadedRows> {
  const trialIds = textArray(keys.trialIds)
  return Promise.all([
    q<{ id: string }[]>`SELECT unnest(ids) AS id FROM ${t('transaction_events')}
      WHERE signature = ANY(${textArray(transactionsOfIds(keys.eventIds))}::text[])`,
    q<BetRow[]>`SELECT b.* FROM unnest(${trialIds}::text[]) AS k(id)
      CROSS JOIN LATERAL (SELECT * FROM ${t('bets')} WHERE id = k.id OFFSET 0) AS b`,
    q<{ trial_id: string, event: TrialResolvedEvent }[]>`SELECT trial_id, event FROM ${t('orphans')} WHERE trial_id = ANY(${trialIds}::text[])`,
    q<{ wallet: string }[]>`SELECT wallet FROM ${t('players')} WHERE wallet = ANY(${textArray(keys.wallets)}::text[])`,
  ])
}

function toState(keys: ReturnType<typeof batchKeys>, [applied, bets, orphans, players]: LoadedRows, lastSeq: number): BatchState {
  const onBets = idsOnBets(keys.eventIds, bets.map(r => ({ registerEventId: r.register_event_id, resolveEventId: r.resolve_event_id })))
  return {
    appliedEventIds: new Set([...applied.map(r => r.id), ...onBets]),
    bets: new Map(bets.map(r => [r.id, toBet(r)])),
    orphans: new Map(orphans.map(r => [r.trial_id, r.event])),
    players: new Set(players.map(r => r.wallet)),
    lastSeq,
  }
}

/** The casino row, locked: writers (in this process or another) serialize on it. */
async function lockCasino(tx: TransactionSql, t: TableName): Promise<{ lastSeq: number, cursorSignature: string | null }> {
  const [row] = await tx<{ last_seq: string, cursor_signature: string | null }[]>`SELECT last_seq, cursor_signature FROM ${t('casino')} WHERE id = 1 FOR UPDATE`
  if (!row) throw new CasinoError('STORE_ERROR', 'the casino row is missing: run migrate() first')
  return { lastSeq: Number(row.last_seq), cursorSignature: row.cursor_signature }
}

/**
 * `applyBatch` on Postgres: one transaction that locks the casino row, loads the {@link BatchState},
 * plans with the shared `planBatch`, and writes the plan with a handful of multi-row statements
 * (`unnest` of arrays, so a statement's size does not grow with the batch; see `_writes.ts`), pipelined.
 *
 * Called while an earlier batch is still being written (`options.after`), it does not wait for it to
 * commit: once that batch holds the lock (or the one before it committed), it reads outside a
 * transaction, lays the earlier plan over what it read (`applyOverlay`) and plans, all while the server
 * works on the earlier batch; then it waits for that commit and writes in its own
 * transaction, after checking under the lock that the last batch written is the earlier one (the
 * casino row's `batch_token`, a fresh random value every batch sets). If the earlier batch failed, or
 * another batch was written in between, it rejects with a transient `STORE_ERROR` and writes nothing. Either way `batch.expectCursor`, when
 * set, is checked under the lock.
 */
export async function applyBatchPg(sql: Sql, schema: string, batch: Batch, options: PgBatchOptions = {}): Promise<BatchResult> {
  const t: TableName = (name: string) => sql(`${schema}.${name}`)
  const keys = batchKeys(batch)
  const after = options.after
  if (!after) {
    return transaction(sql, async (tx) => {
      const [casino, rows] = await Promise.all([lockCasino(tx, t).finally(() => options.onLocked?.()), loadRows(tx, t, keys)])
      if (batch.expectCursor !== undefined && casino.cursorSignature !== batch.expectCursor) throw notWritten('the store is not at its expected cursor')
      const state = toState(keys, rows, casino.lastSeq)
      const plan = planBatch(batch, state)
      const token = newToken()
      options.onPlanned?.({ overlay: overlayOf(plan, state.lastSeq), token })
      return writePlan(tx, t, plan, token, options.failAfterWrites)
    })
  }
  // At most one batch ahead may be unwritten while this one reads: the one before it must have settled.
  // Behind the first batch of a chain, the read waits until that batch holds the lock: until then
  // another process may still commit (a leader deposed without knowing it yet), and the guard below,
  // which proves only that the batch before wrote last, would let a plan from rows read before that
  // commit through (applying its events again). Once it holds the lock, nothing else commits before it.
  // Further down a chain, a commit in between makes the batch before fail its own guard, and this one too.
  if (after.after) await after.after.committed
  else await after.locked
  const [rows, [seqRow]] = await Promise.all([
    loadRows(sql, t, keys),
    sql<{ last_seq: string }[]>`SELECT last_seq FROM ${t('casino')} WHERE id = 1`,
  ])
  const before = await after.planned
  if (!before) throw notWritten('the batch before it failed')
  const state = applyOverlay(toState(keys, rows, Number(seqRow?.last_seq ?? 0)), before.overlay)
  const plan = planBatch(batch, state)
  const token = newToken()
  options.onPlanned?.({ overlay: overlayOf(plan, state.lastSeq), token })
  // Queue for the lock right behind the batch before (never ahead of it): the server hands it over the
  // moment that one commits, and the guard and the writes, sent with it, run at once. No round trip
  // of ours sits between two commits.
  await after.locked
  let guardTripped = false
  try {
    return await transaction(sql, async (tx) => {
      const lock = tx`SELECT 1 FROM ${t('casino')} WHERE id = 1 FOR UPDATE`.execute()
      void lock.then(() => options.onLocked?.(), () => options.onLocked?.())
      // Read after the lock is granted: the last write must be the batch before's (its token, which no
      // other write sets), and the cursor the expected one. A division by zero (only when not) aborts the
      // transaction, and the writes queued behind it.
      const expected = batch.expectCursor ?? null
      const guard = tx`SELECT CASE WHEN batch_token = ${before.token} AND (${expected}::text IS NULL OR cursor_signature = ${expected}::text)
        THEN 1 ELSE 1 / (last_seq - last_seq + id - id) END FROM ${t('casino')} WHERE id = 1`.execute()
      guard.catch(() => {
        guardTripped = true
      })
      await Promise.all([lock, guard, writePlan(tx, t, plan, token, options.failAfterWrites)])
      return plan.result
    })
  }
  catch (error) {
    if (guardTripped || !await after.committed) throw notWritten(guardTripped ? 'the store is not where the batch before it left it' : 'the batch before it failed')
    throw error
  }
}

/** A batch token: random, so that no other write can leave the value a pipelined batch expects. */
const newToken = (): string => randomBytes(12).toString('base64url')

/** Writes `plan` inside `tx` and resolves to its result. */
async function writePlan(tx: TransactionSql, t: TableName, plan: BatchPlan, token: string, failAfterWrites: number | undefined): Promise<BatchResult> {
  const totals = totalsWrites(tx, t, plan, token)
  if (failAfterWrites === undefined) {
    // The totals go out now (postgres.js sends a query a microtask after it is executed), so that the
    // server applies them while the bet rows, most of the client's work, are built.
    for (const w of totals.writes) w.execute()
    await null
  }
  const writes = [...totals.writes, ...rowWrites(tx, t, plan)]
  if (failAfterWrites !== undefined) {
    // Test hook: write part of the plan, then fail, to prove the transaction rolls it all back.
    await Promise.all(writes.slice(0, failAfterWrites))
    throw new CasinoError('STORE_ERROR', 'injected failure')
  }
  const results = await Promise.all(writes)
  if (totals.playersAt >= 0) {
    // A sign-in may have created a player since the state was read: report only the rows this batch inserted.
    const inserted = new Set((results[totals.playersAt] as unknown as { wallet: string }[]).map(r => r.wallet))
    plan.result.joined = plan.result.joined.filter(p => inserted.has(p.wallet))
  }
  return plan.result
}
