import { batchKeys, type BatchState, CasinoError, planBatch } from '@fare-casino/core'
import type { Batch, BatchResult, TrialResolvedEvent } from '@fare-casino/core'
import type { Sql } from 'postgres'
import { textArray } from './_arrays'
import { idsOnBets } from './_bet-events'
import { type BetRow, toBet } from './_rows'
import { rowWrites, totalsWrites } from './_writes'

/**
 * `applyBatch` on Postgres: one transaction that locks the casino row (so that writers, in this
 * process or another, serialize), loads the {@link BatchState} in one pipelined round trip, plans with
 * the shared `planBatch`, and writes the plan with a handful of multi-row statements (`unnest` of
 * arrays, so a statement's size does not grow with the batch; see `_writes.ts`), pipelined as well.
 */
export async function applyBatchPg(sql: Sql, schema: string, batch: Batch, failAfterWrites?: number): Promise<BatchResult> {
  const t = (name: string) => sql(`${schema}.${name}`)
  const keys = batchKeys(batch)
  return sql.begin(async (tx) => {
    // Bets are found with one primary-key probe per trial id (a LATERAL subquery behind OFFSET 0, which the
    // planner cannot flatten into a join): `= ANY(array)` and plain joins became a sequential scan of the
    // whole table while it was young (no statistics yet), a cost growing with every batch. The other
    // tables stay small (or are analyzed by then): `= ANY` lets the planner scan a tiny one outright.
    const trialIds = textArray(keys.trialIds)
    const [locked, applied, bets, orphans, players] = await Promise.all([
      tx<{ last_seq: string }[]>`SELECT last_seq FROM ${t('casino')} WHERE id = 1 FOR UPDATE`,
      tx<{ id: string }[]>`SELECT id FROM ${t('events')} WHERE id = ANY(${textArray(keys.eventIds)}::text[])`,
      tx<BetRow[]>`SELECT b.* FROM unnest(${trialIds}::text[]) AS k(id)
        CROSS JOIN LATERAL (SELECT * FROM ${t('bets')} WHERE id = k.id OFFSET 0) AS b`,
      tx<{ trial_id: string, event: TrialResolvedEvent }[]>`SELECT trial_id, event FROM ${t('orphans')} WHERE trial_id = ANY(${trialIds}::text[])`,
      tx<{ wallet: string }[]>`SELECT wallet FROM ${t('players')} WHERE wallet = ANY(${textArray(keys.wallets)}::text[])`,
    ])
    if (!locked[0]) throw new CasinoError('STORE_ERROR', 'the casino row is missing: run migrate() first')
    const onBets = idsOnBets(keys.eventIds, bets.map(r => ({ registerEventId: r.register_event_id, resolveEventId: r.resolve_event_id })))
    const state: BatchState = {
      appliedEventIds: new Set([...applied.map(r => r.id), ...onBets]),
      bets: new Map(bets.map(r => [r.id, toBet(r)])),
      orphans: new Map(orphans.map(r => [r.trial_id, r.event])),
      players: new Set(players.map(r => r.wallet)),
      lastSeq: Number(locked[0].last_seq),
    }
    const plan = planBatch(batch, state)
    const totals = totalsWrites(tx, t, plan)
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
  })
}
