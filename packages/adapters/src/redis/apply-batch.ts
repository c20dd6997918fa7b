import { batchKeys, type BatchPlan, type BatchState, CasinoError, planBatch } from '@fare-casino/core'
import type { Batch, BatchResult, TrialResolvedEvent } from '@fare-casino/core'
import type { Redis } from 'ioredis'
import { type CurrentTotals, planWrites } from './_batch-writes'
import { decodeBet } from './_codec'
import type { RedisKeys } from './_keys'
import type { StoreScripts } from './scripts'

/** Re-plans at most this many times when other writers keep committing first. */
const MAX_ATTEMPTS = 100

/**
 * `applyBatch` on Redis, optimistic: read the {@link BatchState} and the current totals in two
 * pipelined round trips, plan with the shared `planBatch`, compute every new total as bigint, and
 * send the whole write as ONE Lua script that runs only if the store's `version` is still the one
 * the state was read at (every committed batch bumps it). Otherwise read and plan again. The script
 * is atomic, and a replayed event is a no-op because the plan made from a fresh state skips it.
 */
export async function applyBatchRedis(
  redis: Redis, keys: RedisKeys, scripts: StoreScripts, batch: Batch, failBeforeWrite = false,
): Promise<BatchResult> {
  const ids = batchKeys(batch)
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // Round trip 1, one script: the version and everything planBatch needs, read atomically.
    const [version, lastSeq, applied, orphans, known, betValues] = await scripts.loadBatch(
      [keys.version, keys.casino, keys.events, keys.orphans, keys.players], keys.bet(''), ids.eventIds, ids.trialIds, ids.wallets,
    )
    const state: BatchState = {
      appliedEventIds: new Set(ids.eventIds.filter((_, i) => applied[i] === 1)),
      bets: new Map(),
      orphans: new Map(),
      players: new Set(ids.wallets.filter((_, i) => known[i] === 1)),
      lastSeq: Number(lastSeq),
    }
    ids.trialIds.forEach((id, i) => {
      const bet = decodeBet(betValues[i])
      if (bet) (state.bets as Map<string, typeof bet>).set(id, bet)
      const orphan = orphans[i]
      if (orphan) (state.orphans as Map<string, TrialResolvedEvent>).set(id, JSON.parse(orphan) as TrialResolvedEvent)
    })
    const plan = planBatch(batch, state)

    // Round trip 2: the current totals the plan's deltas add to.
    const p2 = redis.pipeline().hgetall(keys.casino)
    const wallets = [...plan.players.keys()]
    for (const w of wallets) p2.hgetall(keys.player(w))
    const hours = [...plan.hourly.keys()]
    if (hours.length) p2.hmget(keys.hourly, ...hours.map(String))
    const playerHours = groupByHour(plan)
    for (const [hour, ws] of playerHours) p2.hmget(keys.playerHour(hour), ...ws)
    const r2 = unwrap(await p2.exec())
    let at = 0 // replies in the order the commands were queued (an index: shift() is O(n) per call)
    const current: CurrentTotals = {
      casino: r2[at++] as Record<string, string>,
      players: new Map(wallets.map(w => [w, r2[at++] as Record<string, string>])),
      hourly: new Map(),
      playerHourly: new Map(),
    }
    if (hours.length) (r2[at++] as (string | null)[]).forEach((v, i) => current.hourly.set(hours[i]!, v))
    for (const [hour, ws] of playerHours) {
      (r2[at++] as (string | null)[]).forEach((v, i) => current.playerHourly.set(`${ws[i]}:${hour}`, v))
    }

    const stream = planWrites(keys, plan, current)
    if (failBeforeWrite) throw new CasinoError('STORE_ERROR', 'injected failure')
    const [written, created] = await scripts.applyBatch(keys.version, version, stream)
    if (written === 1) {
      // A sign-in may have created a player between the read and the write: only report those this batch created.
      if (created.length !== plan.result.joined.length) {
        const mine = new Set(created)
        plan.result.joined = plan.result.joined.filter(p => mine.has(p.wallet))
      }
      return plan.result
    }
    // Another writer committed in between: back off a little (jittered) and plan again from fresh state.
    await new Promise(resolve => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)))
  }
  throw new CasinoError('STORE_ERROR', 'applyBatch gave up: other writers kept committing first')
}

function unwrap(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new CasinoError('STORE_ERROR', 'redis pipeline was aborted')
  return results.map(([error, value]) => {
    if (error) throw new CasinoError('STORE_ERROR', `redis: ${error.message}`, { cause: error })
    return value
  })
}

function groupByHour(plan: BatchPlan): Map<number, string[]> {
  const out = new Map<number, string[]>()
  for (const { wallet, hour } of plan.playerHourly.values()) {
    const ws = out.get(hour)
    if (ws) ws.push(wallet)
    else out.set(hour, [wallet])
  }
  return out
}
