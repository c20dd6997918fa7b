import {
  batchKeys, type BatchPlan, type BatchState, CasinoError, planBatch, type PlayerDelta,
} from '@fare-casino/core'
import type { Batch, BatchResult, Totals, TrialResolvedEvent } from '@fare-casino/core'
import type { Redis } from 'ioredis'
import { addTotals, decodeBet, decodeTotals, encodeBet, encodeTotals, gameField } from './_codec'
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
    const current: Current = {
      casino: r2[at++] as Record<string, string>,
      players: new Map(wallets.map(w => [w, r2[at++] as Record<string, string>])),
      hourly: new Map(),
      playerHourly: new Map(),
    }
    if (hours.length) (r2[at++] as (string | null)[]).forEach((v, i) => current.hourly.set(hours[i]!, decodeTotals(v)))
    for (const [hour, ws] of playerHours) {
      (r2[at++] as (string | null)[]).forEach((v, i) => current.playerHourly.set(`${ws[i]}:${hour}`, decodeTotals(v)))
    }

    const commands = planCommands(keys, plan, current)
    if (failBeforeWrite) throw new CasinoError('STORE_ERROR', 'injected failure')
    const [written, created] = await scripts.applyBatch(keys.version, version, JSON.stringify(commands))
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

interface Current {
  casino: Record<string, string>
  players: Map<string, Record<string, string>>
  hourly: Map<number, Totals>
  playerHourly: Map<string, Totals>
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

/** Every write of the plan as Redis commands (arguments as strings), new totals computed here as bigint. */
function planCommands(keys: RedisKeys, plan: BatchPlan, current: Current): string[][] {
  const cmds: string[][] = []
  const zadd = new Map<string, string[]>()
  const addZ = (key: string, score: number | bigint, member: string) => {
    const args = zadd.get(key)
    if (args) args.push(String(Number(score)), member)
    else zadd.set(key, [String(Number(score)), member])
  }
  const pushChunked = (cmd: string, key: string, args: string[], step: number) => {
    for (let i = 0; i < args.length; i += step) cmds.push([cmd, key, ...args.slice(i, i + step)])
  }

  for (const p of plan.createPlayers) {
    // A sign-in may have created the player meanwhile: the script keeps that row and does not report it.
    cmds.push(['PLAYER', keys.player(p.wallet), keys.players, p.wallet, String(p.createdAt), String(p.lastSeenAt)])
  }

  for (const bet of plan.insertBets) {
    cmds.push(['SET', keys.bet(bet.id), encodeBet(bet)])
    addZ(keys.betsAll, bet.seq, bet.id)
    addZ(keys.betsByPlayer(bet.player), bet.seq, bet.id)
    addZ(keys.betsByGame(bet.game), bet.seq, bet.id)
    // Only pending bets get an index of their own: they are few, while `settled` and `won` match about
    // all or half of the bets, so listBets walks all bets for those filters (two ZADDs less per bet).
    if (bet.status === 'pending') addZ(keys.betsPending, bet.seq, bet.id)
    // One transaction may register several trials: the signature finds the first.
    cmds.push(['HSETNX', keys.registerSignatures, bet.registerSignature, bet.id])
    if (bet.resolveSignature) cmds.push(['HSETNX', keys.resolveSignatures, bet.resolveSignature, bet.id])
  }
  const settledPending: string[] = []
  for (const bet of plan.updateBets) {
    cmds.push(['SET', keys.bet(bet.id), encodeBet(bet)])
    settledPending.push(bet.id)
    if (bet.resolveSignature) cmds.push(['HSETNX', keys.resolveSignatures, bet.resolveSignature, bet.id])
  }
  pushChunked('ZREM', keys.betsPending, settledPending, 1000)

  if (plan.addOrphans.length) pushChunked('HSET', keys.orphans, plan.addOrphans.flatMap(o => [o.trialId, JSON.stringify(o)]), 1000)
  pushChunked('HDEL', keys.orphans, plan.removeOrphans, 1000)

  for (const [wallet, delta] of plan.players) {
    const now = playerTotals(current.players.get(wallet) ?? {}, delta)
    cmds.push(['HSET', keys.player(wallet), ...now.fields])
    addZ(keys.leaderboard('wagered'), now.wagered, wallet)
    addZ(keys.leaderboard('profit'), now.payout - now.wagered, wallet)
    addZ(keys.leaderboard('wins'), now.wins, wallet)
    addZ(keys.leaderboard('bets'), now.bets, wallet)
  }

  const c = current.casino
  const big = (v: string | undefined) => BigInt(v ?? 0)
  const lastSeq = plan.insertBets.reduce((max, b) => Math.max(max, b.seq), Number(c.lastSeq ?? 0))
  cmds.push(['HSET', keys.casino,
    'bets', String(Number(c.bets ?? 0) + plan.casino.bets),
    'wins', String(Number(c.wins ?? 0) + plan.casino.wins),
    'losses', String(Number(c.losses ?? 0) + plan.casino.losses),
    'wagered', String(big(c.wagered) + plan.casino.wagered),
    'payout', String(big(c.payout) + plan.casino.payout),
    'pending', String(Number(c.pending ?? 0) + plan.casino.pending),
    'lastSeq', String(lastSeq),
  ])

  if (plan.hourly.size) {
    pushChunked('HSET', keys.hourly, [...plan.hourly].flatMap(([hour, t]) =>
      [String(hour), encodeTotals(addTotals(current.hourly.get(hour) ?? decodeTotals(null), t))]), 1000)
  }
  const byHour = new Map<number, string[]>()
  for (const [key, t] of plan.playerHourly) {
    const args = byHour.get(t.hour) ?? []
    args.push(t.wallet, encodeTotals(addTotals(current.playerHourly.get(key) ?? decodeTotals(null), t)))
    byHour.set(t.hour, args)
  }
  for (const [hour, args] of byHour) pushChunked('HSET', keys.playerHour(hour), args, 1000)

  for (const j of plan.jackpots) {
    // LPUSH in chain order leaves the newest at the head.
    cmds.push(['LPUSH', keys.jackpots, JSON.stringify({ ...j, amount: String(j.amount) })])
  }
  if (plan.cursor) {
    // Only forward: a deposed leader's late batch must not move the cursor back.
    cmds.push(['CURSOR', keys.cursor, plan.cursor.signature, String(plan.cursor.slot), String(plan.cursor.updatedAt)])
  }
  for (const [key, args] of zadd) pushChunked('ZADD', key, args, 1000)
  // Last: an event counts as applied only once everything it moved is written.
  pushChunked('SADD', keys.events, plan.events.map(e => e.id), 1000)
  return cmds
}

/** A player's totals after `delta`, as HSET fields, plus the values the leaderboards rank by. */
function playerTotals(h: Record<string, string>, delta: PlayerDelta) {
  const bets = Number(h.bets ?? 0) + delta.bets
  const wins = Number(h.wins ?? 0) + delta.wins
  const wagered = BigInt(h.wagered ?? 0) + delta.wagered
  const payout = BigInt(h.payout ?? 0) + delta.payout
  const fields = [
    'bets', String(bets), 'wins', String(wins), 'losses', String(Number(h.losses ?? 0) + delta.losses),
    'wagered', String(wagered), 'payout', String(payout),
  ]
  for (const [game, g] of Object.entries(delta.games)) {
    const f = (m: 'bets' | 'wins' | 'losses' | 'wagered' | 'payout') => gameField(m, game)
    fields.push(
      f('bets'), String(Number(h[f('bets')] ?? 0) + g.bets),
      f('wins'), String(Number(h[f('wins')] ?? 0) + g.wins),
      f('losses'), String(Number(h[f('losses')] ?? 0) + g.losses),
      f('wagered'), String(BigInt(h[f('wagered')] ?? 0) + g.wagered),
      f('payout'), String(BigInt(h[f('payout')] ?? 0) + g.payout),
    )
  }
  return { fields, bets, wins, wagered, payout }
}
