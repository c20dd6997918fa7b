import { type BatchPlan, encodeFees, type SystemEvent } from '@fare-casino/core/store'
import type { Helper, PendingQuery, Row, Sql, TransactionSql } from 'postgres'
import { boolArray, numArray, textArray } from './_arrays'
import { splitBetEvents, transactionOfId } from './_bet-events'

/**
 * The statements that write a {@link BatchPlan}, each covering every row of its table.
 *
 * Rows come from `unnest`s in the SELECT list (zipped: every array of a statement has the same length),
 * not from `FROM unnest(a, b, ...)`: the multi-argument form materializes each array into a tuplestore
 * first, which cost the server about as much again as parsing the arrays (~4 ms per 500 bets).
 */

/** A schema-qualified table name. */
export type TableName = (name: string) => Helper<string, []>

/** The INSERT of one SystemEvent: `recordSystemEvent`, and a batch's report of its ignored events. */
export function insertSystemEvent(q: Sql | TransactionSql, t: TableName, event: Omit<SystemEvent, 'id'>): PendingQuery<Row[]> {
  return q`INSERT INTO ${t('system_events')} (type, severity, message, metadata, created_at)
    VALUES (${event.type}, ${event.severity}, ${event.message}, ${event.metadata === null ? null : JSON.stringify(event.metadata)}::text::jsonb, ${event.createdAt})`
}

const T = textArray
const N = numArray

/**
 * The totals: player rows and their totals, per-game, hourly and window totals, the casino row and
 * cursor. Cheap to build (a few hundred rows), so `applyBatch` sends them first and builds the bet rows
 * while the server applies these. `playersAt` is the index of the players INSERT (its RETURNING says
 * which players this batch created), or -1. New players are inserted before any totals update them.
 * `token` becomes the casino row's `batch_token` (see `applyBatchPg`).
 */
export function totalsWrites(tx: TransactionSql, t: TableName, plan: BatchPlan, token: string): { writes: PendingQuery<Row[]>[], playersAt: number } {
  const q: PendingQuery<Row[]>[] = []
  const playersAt = plan.createPlayers.length ? 0 : -1
  if (plan.createPlayers.length) {
    const ps = plan.createPlayers
    // A sign-in may have created the player since the state was loaded: keep that row.
    q.push(tx`INSERT INTO ${t('players')} (wallet, created_at, last_seen_at)
      SELECT unnest(${T(ps.map(p => p.wallet))}::text[]), unnest(${N(ps.map(p => p.createdAt))}::int8[]),
        unnest(${N(ps.map(p => p.lastSeenAt))}::int8[])
      ON CONFLICT (wallet) DO NOTHING
      RETURNING wallet`)
  }
  if (plan.players.size) {
    const ds = [...plan.players]
    q.push(tx`UPDATE ${t('players')} AS p SET total_bets = p.total_bets + d.bets, total_wins = p.total_wins + d.wins,
        total_losses = p.total_losses + d.losses, total_wagered = p.total_wagered + d.wagered, total_payout = p.total_payout + d.payout
      FROM (SELECT unnest(${T(ds.map(([w]) => w))}::text[]) AS wallet, unnest(${N(ds.map(([, d]) => d.bets))}::int8[]) AS bets,
        unnest(${N(ds.map(([, d]) => d.wins))}::int8[]) AS wins, unnest(${N(ds.map(([, d]) => d.losses))}::int8[]) AS losses,
        unnest(${N(ds.map(([, d]) => d.wagered))}::numeric[]) AS wagered, unnest(${N(ds.map(([, d]) => d.payout))}::numeric[]) AS payout) AS d
      WHERE p.wallet = d.wallet`)
    const gs: { wallet: string, game: string, bets: number, wins: number, losses: number, wagered: bigint, payout: bigint }[] = []
    for (const [wallet, d] of ds) {
      for (const game in d.games) {
        const g = d.games[game]!
        gs.push({ wallet, game, bets: g.bets, wins: g.wins, losses: g.losses, wagered: g.wagered, payout: g.payout })
      }
    }
    q.push(tx`INSERT INTO ${t('player_games')} AS g (wallet, game, bets, wins, losses, wagered, payout)
      SELECT unnest(${T(gs.map(g => g.wallet))}::text[]), unnest(${T(gs.map(g => g.game))}::text[]), unnest(${N(gs.map(g => g.bets))}::int8[]),
        unnest(${N(gs.map(g => g.wins))}::int8[]), unnest(${N(gs.map(g => g.losses))}::int8[]), unnest(${N(gs.map(g => g.wagered))}::numeric[]),
        unnest(${N(gs.map(g => g.payout))}::numeric[])
      ON CONFLICT (wallet, game) DO UPDATE SET bets = g.bets + excluded.bets, wins = g.wins + excluded.wins,
        losses = g.losses + excluded.losses, wagered = g.wagered + excluded.wagered, payout = g.payout + excluded.payout`)
  }
  if (plan.hourly.size) {
    const hs = [...plan.hourly]
    q.push(tx`INSERT INTO ${t('hourly')} AS h (hour, bets, wins, wagered, payout)
      SELECT unnest(${N(hs.map(([h]) => h))}::int4[]), unnest(${N(hs.map(([, v]) => v.bets))}::int8[]), unnest(${N(hs.map(([, v]) => v.wins))}::int8[]),
        unnest(${N(hs.map(([, v]) => v.wagered))}::numeric[]), unnest(${N(hs.map(([, v]) => v.payout))}::numeric[])
      ON CONFLICT (hour) DO UPDATE SET bets = h.bets + excluded.bets, wins = h.wins + excluded.wins,
        wagered = h.wagered + excluded.wagered, payout = h.payout + excluded.payout`)
  }
  if (plan.playerHourly.size) {
    const hs = [...plan.playerHourly.values()]
    // One statement, one set of arrays, for both tables: the hourly rows, and every materialized window
    // that covers a delta's hour (none until a windowed leaderboard is read), grouped per (window, wallet)
    // because one INSERT may not update a row twice.
    q.push(tx`WITH d AS MATERIALIZED (
        SELECT unnest(${T(hs.map(v => v.wallet))}::text[]) AS wallet, unnest(${N(hs.map(v => v.hour))}::int4[]) AS hour,
          unnest(${N(hs.map(v => v.bets))}::int8[]) AS bets, unnest(${N(hs.map(v => v.wins))}::int8[]) AS wins,
          unnest(${N(hs.map(v => v.wagered))}::numeric[]) AS wagered, unnest(${N(hs.map(v => v.payout))}::numeric[]) AS payout
      ), hourly AS (
        INSERT INTO ${t('player_hourly')} AS h (wallet, hour, bets, wins, wagered, payout)
        SELECT wallet, hour, bets, wins, wagered, payout FROM d
        ON CONFLICT (wallet, hour) DO UPDATE SET bets = h.bets + excluded.bets, wins = h.wins + excluded.wins,
          wagered = h.wagered + excluded.wagered, payout = h.payout + excluded.payout
      )
      INSERT INTO ${t('player_windows')} AS w (hours, wallet, bets, wins, wagered, payout)
      SELECT lw.hours, d.wallet, sum(d.bets), sum(d.wins), sum(d.wagered), sum(d.payout)
      FROM d JOIN ${t('leaderboard_windows')} AS lw ON d.hour BETWEEN lw.end_hour - lw.hours + 1 AND lw.end_hour
      GROUP BY lw.hours, d.wallet
      ON CONFLICT (hours, wallet) DO UPDATE SET bets = w.bets + excluded.bets, wins = w.wins + excluded.wins,
        wagered = w.wagered + excluded.wagered, payout = w.payout + excluded.payout`)
  }
  const c = plan.casino
  const lastSeq = plan.insertBets.reduce((max, b) => Math.max(max, b.seq), 0)
  const cursor = plan.cursor
  q.push(tx`UPDATE ${t('casino')} SET bets = bets + ${c.bets}, wins = wins + ${c.wins}, losses = losses + ${c.losses},
      wagered = wagered + ${String(c.wagered)}::numeric, payout = payout + ${String(c.payout)}::numeric, pending = pending + ${c.pending},
      last_seq = GREATEST(last_seq, ${lastSeq}::int8), batch_token = ${token}
      ${cursor ? cursorSet(tx, cursor) : tx``}
      ${plan.published ? publishedSet(tx, plan.published, cursor !== null) : tx``}
    WHERE id = 1`)
  return { writes: q, playersAt }
}

/** The rows: events, bets (new and settled), orphans and jackpots. */
export function rowWrites(tx: TransactionSql, t: TableName, plan: BatchPlan): PendingQuery<Row[]>[] {
  const q: PendingQuery<Row[]>[] = []
  const split = splitBetEvents(plan)
  // Events that created or settled a bet are recorded on its row; the rest in their transaction's row
  // (added to it when an earlier batch recorded some of its events).
  const events = split.others
  if (events.length) {
    q.push(tx`INSERT INTO ${t('transaction_events')} AS te (signature, slot, block_time, ids, kinds)
      SELECT tx, min(slot), min(block_time), array_agg(id ORDER BY n), array_agg(kind ORDER BY n)
      FROM (SELECT unnest(${T(events.map(e => transactionOfId(e.id)))}::text[]) AS tx, unnest(${T(events.map(e => e.id))}::text[]) AS id,
        unnest(${T(events.map(e => e.kind))}::text[]) AS kind, unnest(${N(events.map(e => e.slot))}::int8[]) AS slot,
        unnest(${N(events.map(e => e.blockTime))}::int8[]) AS block_time, unnest(${N(events.map((_, i) => i))}::int4[]) AS n) AS e
      GROUP BY tx
      ON CONFLICT (signature) DO UPDATE SET ids = te.ids || EXCLUDED.ids, kinds = te.kinds || EXCLUDED.kinds`)
  }
  const ins = plan.insertBets
  if (ins.length) {
    q.push(tx`INSERT INTO ${t('bets')} (id, seq, player, pool, mint, game, extra_data_hash, wager, qk, result_index, payout,
        multiplier, won, status, register_signature, register_slot, block_time, resolve_signature, resolve_slot, settled_block_time,
        register_event_id, resolve_event_id, fees, pool_accumulated_amount)
      SELECT unnest(${T(ins.map(b => b.id))}::text[]), unnest(${N(ins.map(b => b.seq))}::int8[]), unnest(${T(ins.map(b => b.player))}::text[]),
        unnest(${T(ins.map(b => b.pool))}::text[]), unnest(${T(ins.map(b => b.mint))}::text[]), unnest(${T(ins.map(b => b.game))}::text[]),
        unnest(${T(ins.map(b => b.extraDataHash))}::text[]), unnest(${N(ins.map(b => b.wager))}::numeric[]),
        unnest(${T(ins.map(b => JSON.stringify(b.qk)))}::text[])::jsonb, unnest(${N(ins.map(b => b.resultIndex))}::int8[]),
        unnest(${N(ins.map(b => b.payout))}::numeric[]), unnest(${N(ins.map(b => b.multiplier))}::float8[]),
        unnest(${boolArray(ins.map(b => b.won))}::bool[]), unnest(${T(ins.map(b => b.status))}::text[]),
        unnest(${T(ins.map(b => b.registerSignature))}::text[]), unnest(${N(ins.map(b => b.registerSlot))}::int8[]),
        unnest(${N(ins.map(b => b.blockTime))}::int8[]), unnest(${T(ins.map(b => b.resolveSignature))}::text[]),
        unnest(${N(ins.map(b => b.resolveSlot))}::int8[]), unnest(${N(ins.map(b => b.settledBlockTime))}::int8[]),
        unnest(${T(ins.map(b => split.register.get(b.id) ?? null))}::text[]), unnest(${T(ins.map(b => split.resolve.get(b.id) ?? null))}::text[]),
        unnest(${T(ins.map(b => encodeFees(b.fees)))}::text[])::jsonb, unnest(${N(ins.map(b => b.poolAccumulatedAmount))}::numeric[])`)
  }
  const upd = plan.updateBets
  if (upd.length) {
    q.push(tx`UPDATE ${t('bets')} AS b SET status = v.status, result_index = v.result_index, payout = v.payout,
        multiplier = v.multiplier, won = v.won, resolve_signature = v.resolve_signature, resolve_slot = v.resolve_slot,
        settled_block_time = v.settled_block_time, resolve_event_id = v.resolve_event_id
      FROM (SELECT unnest(${T(upd.map(b => b.id))}::text[]) AS id, unnest(${T(upd.map(b => b.status))}::text[]) AS status,
        unnest(${N(upd.map(b => b.resultIndex))}::int8[]) AS result_index, unnest(${N(upd.map(b => b.payout))}::numeric[]) AS payout,
        unnest(${N(upd.map(b => b.multiplier))}::float8[]) AS multiplier, unnest(${boolArray(upd.map(b => b.won))}::bool[]) AS won,
        unnest(${T(upd.map(b => b.resolveSignature))}::text[]) AS resolve_signature, unnest(${N(upd.map(b => b.resolveSlot))}::int8[]) AS resolve_slot,
        unnest(${N(upd.map(b => b.settledBlockTime))}::int8[]) AS settled_block_time,
        unnest(${T(upd.map(b => split.resolve.get(b.id) ?? null))}::text[]) AS resolve_event_id) AS v
      WHERE b.id = v.id`)
  }
  // Removed before added: a trial in both has its kept resolve replaced (see BatchPlan.removeOrphans).
  if (plan.removeOrphans.length) {
    q.push(tx`DELETE FROM ${t('orphans')} WHERE trial_id = ANY(${T(plan.removeOrphans)}::text[])`)
  }
  if (plan.addOrphans.length) {
    const os = plan.addOrphans
    q.push(tx`INSERT INTO ${t('orphans')} (trial_id, event)
      SELECT unnest(${T(os.map(o => o.trialId))}::text[]), unnest(${T(os.map(o => JSON.stringify(o)))}::text[])::jsonb
      ON CONFLICT (trial_id) DO NOTHING`)
  }
  if (plan.jackpots.length) {
    const js = plan.jackpots
    q.push(tx`INSERT INTO ${t('jackpots')} (id, pool, trial_id, receiver, amount, signature, slot, block_time)
      SELECT id, pool, trial_id, receiver, amount, signature, slot, block_time
      FROM unnest(${T(js.map(j => j.id))}::text[], ${T(js.map(j => j.pool))}::text[], ${T(js.map(j => j.trialId))}::text[],
        ${T(js.map(j => j.receiver))}::text[], ${N(js.map(j => j.amount))}::numeric[], ${T(js.map(j => j.signature))}::text[],
        ${N(js.map(j => j.slot))}::int8[], ${N(js.map(j => j.blockTime))}::int8[]) WITH ORDINALITY
        AS v(id, pool, trial_id, receiver, amount, signature, slot, block_time, ord)
      ORDER BY ord
      ON CONFLICT (id) DO NOTHING`)
  }
  if (plan.report) q.push(insertSystemEvent(tx, t, plan.report))
  return q
}

/**
 * SET items that move the cursor only forward (new slot >= stored slot): a deposed leader's late
 * commit applies its events but must not move the cursor back.
 */
function cursorSet(tx: TransactionSql, cursor: NonNullable<BatchPlan['cursor']>) {
  const forward = tx`(cursor_slot IS NULL OR cursor_slot <= ${cursor.slot}::int8)`
  return tx`, cursor_signature = CASE WHEN ${forward} THEN ${cursor.signature} ELSE cursor_signature END,
    cursor_slot = CASE WHEN ${forward} THEN ${cursor.slot}::int8 ELSE cursor_slot END,
    cursor_updated_at = CASE WHEN ${forward} THEN ${cursor.updatedAt}::int8 ELSE cursor_updated_at END`
}

/**
 * SET items that move the published mark (see `Batch.published`) only forward, and only beside a
 * cursor: one stored already, or the one this batch sets (`withCursor`).
 */
function publishedSet(tx: TransactionSql, published: NonNullable<BatchPlan['published']>, withCursor: boolean) {
  const forward = tx`((published_slot IS NULL OR published_slot <= ${published.slot}::int8) AND (${withCursor}::boolean OR cursor_signature IS NOT NULL))`
  return tx`, published_signature = CASE WHEN ${forward} THEN ${published.signature} ELSE published_signature END,
    published_slot = CASE WHEN ${forward} THEN ${published.slot}::int8 ELSE published_slot END`
}
