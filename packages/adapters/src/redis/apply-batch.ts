import { randomBytes } from 'node:crypto'
import { applyOverlay, batchKeys, type BatchState, CasinoError, hourOf, overlayOf, planBatch } from '@fare-casino/core/store'
import type { Batch, BatchOverlay, BatchPlan, BatchResult, Bet, TrialResolvedEvent } from '@fare-casino/core/store'
import type { Redis } from 'ioredis'
import { notWritten, type PendingBatch } from '../_pipeline'
import { type CurrentTotals, planWrites } from './_batch-writes'
import { decodeBet } from './_codec'
import type { RedisKeys } from './_keys'
import type { StoreScripts } from './scripts'

/** Re-plans at most this many times when other writers keep committing first. */
const MAX_ATTEMPTS = 100

/** What a batch leaves behind for one planned behind it: its plan's overlay, its totals, its version. */
export interface RedisOverlay {
  overlay: BatchOverlay
  /** Every total the batch writes, as it writes it. */
  totals: CurrentTotals
  /** The store's version once the batch is written (a token only its write sets). */
  version: string
}

/** What {@link applyBatchRedis} is told besides the batch. */
export interface RedisBatchOptions {
  /** Test hook: fail right before the write. */
  failBeforeWrite?: boolean
  /** The batch still pending when this one was called: plan against its overlay, write right after it. */
  after?: PendingBatch<RedisOverlay>
  /** Told this batch's overlay once its write is sent. */
  onPlanned?: (overlay: RedisOverlay) => void
}

/**
 * `applyBatch` on Redis, optimistic, in two round trips: one script reads the {@link BatchState} and
 * the current totals the plan will add to (predicted from the batch: the players, hours and
 * player-hours its resolves settle into), `planBatch` plans, every new total is computed here as
 * bigint, and ONE Lua script writes it all, only if the store's `version` is still the one the state
 * was read at (every committed batch sets a fresh one). Otherwise read and plan again. The script is atomic,
 * and a replayed event is a no-op because the plan made from a fresh state skips it. A total the
 * prediction missed (a kept orphan settling a bet) is read in between, still checked by the version.
 *
 * Called while an earlier batch is still pending (`options.after`), it reads at once, lays the earlier
 * batch's plan and totals over what it read (either side of that batch's write: what the earlier batch
 * wrote wins), plans, and sends its write right behind the earlier one's, expecting the version that
 * one leaves. If the earlier batch was not written, or anything else committed in between, the script
 * writes nothing and this rejects with a transient `STORE_ERROR` (no re-plan: it would be planned
 * without the earlier batch). `batch.expectCursor`, when set, is checked by the write script.
 */
export async function applyBatchRedis(
  redis: Redis, keys: RedisKeys, scripts: StoreScripts, batch: Batch, options: RedisBatchOptions = {},
): Promise<BatchResult> {
  const ids = batchKeys(batch)
  const wanted = predictTotals(batch, ids.trialIds)
  const after = options.after
  if (after?.after) await after.after.committed
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const loaded = await loadState(scripts, keys, ids, wanted)
    let { state, current, version } = loaded
    if (after) {
      const before = await after.planned
      if (!before) throw notWritten('the batch before it failed')
      state = applyOverlay(state, before.overlay)
      current = overlayTotals(current, before.totals)
      version = before.version
    }
    const plan = planBatch(batch, state)
    await readMissing(redis, keys, plan, current)
    const written = { casino: current.casino, players: new Map(), hourly: new Map(), playerHourly: new Map() } satisfies CurrentTotals
    // The version once written, also the token of the hours it writes: random, so never another batch's.
    const next = randomBytes(12).toString('base64url')
    const stream = planWrites(keys, plan, current, next, written)
    // Checked by the script before any write (one command at the head of a few thousand).
    if (batch.expectCursor !== undefined) stream.unshift('EXPECT', '2', keys.cursor, batch.expectCursor)
    if (options.failBeforeWrite) throw new CasinoError('STORE_ERROR', 'injected failure')
    const sent = scripts.applyBatch(keys.version, version, JSON.stringify(stream), next)
    // Sent: a batch planned behind this one sends its write after this one's, on the same connection.
    options.onPlanned?.({ overlay: overlayOf(plan, state.lastSeq), totals: written, version: next })
    const [done, created] = await sent
    if (done === 1) {
      // A sign-in may have created a player between the read and the write: only report those this batch created.
      if (created.length !== plan.result.joined.length) {
        const mine = new Set(created)
        plan.result.joined = plan.result.joined.filter(p => mine.has(p.wallet))
      }
      return plan.result
    }
    // Written by the first send, whose reply was lost: the players it created are not known any more.
    if (done === 3) return plan.result
    if (done === 2) throw notWritten('the store is not at its expected cursor')
    if (after) throw notWritten('the store is not where the batch before it left it')
    // Another writer committed in between: back off a little (jittered) and plan again from fresh state.
    await new Promise(resolve => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)))
  }
  throw new CasinoError('STORE_ERROR', 'applyBatch gave up: other writers kept committing first')
}

/** `loaded` with every total `written` by an earlier batch in place of what was read. */
function overlayTotals(loaded: CurrentTotals, written: CurrentTotals): CurrentTotals {
  const players = new Map(loaded.players)
  for (const [wallet, hash] of written.players) players.set(wallet, hash)
  const hourly = new Map(loaded.hourly)
  for (const [hour, value] of written.hourly) hourly.set(hour, value)
  const playerHourly = new Map(loaded.playerHourly)
  for (const [key, value] of written.playerHourly) playerHourly.set(key, value)
  return { casino: written.casino, players, hourly, playerHourly }
}

/** Round trip 1, one script: the version, everything planBatch needs and the totals, read atomically. */
async function loadState(
  scripts: StoreScripts, keys: RedisKeys, ids: ReturnType<typeof batchKeys>, wanted: WantedTotals,
): Promise<{ version: string, state: BatchState, current: CurrentTotals }> {
  const [version, casino, applied, orphans, known, betValues, extraWallets, playerHashes, hourly, extraPairs, pairTotals] = await scripts.loadBatch(
    [keys.version, keys.casino, keys.events, keys.orphans, keys.players, keys.hourly],
    [keys.bet(''), keys.player(''), keys.playerHourPrefix],
    [ids.eventIds, ids.trialIds, wanted.resolveHours, ids.wallets, wanted.wallets, wanted.hours, wanted.pairs],
  )
  const appliedEventIds = new Set<string>()
  for (let i = 0; i < ids.eventIds.length; i++) if (applied[i] === 1) appliedEventIds.add(ids.eventIds[i]!)
  const players = new Set<string>()
  for (let i = 0; i < ids.wallets.length; i++) if (known[i] === 1) players.add(ids.wallets[i]!)
  const bets = new Map<string, Bet>()
  const kept = new Map<string, TrialResolvedEvent>()
  for (let i = 0; i < ids.trialIds.length; i++) {
    const bet = decodeBet(betValues[i])
    if (bet) bets.set(ids.trialIds[i]!, bet)
    const orphan = orphans[i]
    if (orphan) kept.set(ids.trialIds[i]!, JSON.parse(orphan) as TrialResolvedEvent)
  }
  const casinoHash = toHash(casino)
  const state: BatchState = { appliedEventIds, bets, orphans: kept, players, lastSeq: Number(casinoHash.lastSeq ?? 0) }

  const current: CurrentTotals = { casino: casinoHash, players: new Map(), hourly: new Map(), playerHourly: new Map() }
  const nx = wanted.wallets.length
  for (let i = 0; i < nx; i++) current.players.set(wanted.wallets[i]!, toHash(playerHashes[i]!))
  for (let i = 0; i < extraWallets.length; i++) current.players.set(extraWallets[i]!, toHash(playerHashes[nx + i]!))
  for (let i = 0; i < wanted.hours.length; i++) current.hourly.set(Number(wanted.hours[i]), hourly[i] || null)
  const np = wanted.pairs.length / 2
  for (let i = 0; i < np; i++) current.playerHourly.set(`${wanted.pairs[2 * i]}:${wanted.pairs[2 * i + 1]}`, pairTotals[i] || null)
  for (let i = 0; i < extraPairs.length / 2; i++) current.playerHourly.set(`${extraPairs[2 * i]}:${extraPairs[2 * i + 1]}`, pairTotals[np + i] || null)
  return { version, state, current }
}

/** The totals a batch's plan will most likely add to, as arguments of the load script. */
interface WantedTotals {
  /** Per trial id (in `batchKeys` order): the hour of the batch's first resolve of it, or ''. */
  resolveHours: string[]
  /** Players of the trials the batch both registers and resolves. */
  wallets: string[]
  /** Hours of the batch's resolves. */
  hours: string[]
  /** (wallet, hour) of those players in those hours, flattened. */
  pairs: string[]
}

/**
 * Predicts from the batch alone which totals its plan moves: a bet settles in the hour of its resolve,
 * and its player is the register's (in the batch) or the stored bet's (the script adds those).
 */
function predictTotals(batch: Batch, trialIds: string[]): WantedTotals {
  const registeredBy = new Map<string, string>()
  const resolvedAt = new Map<string, number>()
  for (const e of batch.events) {
    if (e.kind === 'trialRegistered') {
      if (!registeredBy.has(e.trialId)) registeredBy.set(e.trialId, e.player)
    }
    else if (e.kind === 'trialResolved') {
      if (!resolvedAt.has(e.trialId)) resolvedAt.set(e.trialId, hourOf(e.blockTime))
    }
  }
  const resolveHours: string[] = []
  const wallets = new Set<string>()
  const hours = new Set<string>()
  const pairs = new Set<string>()
  const flat: string[] = []
  for (const id of trialIds) {
    const hour = resolvedAt.get(id)
    resolveHours.push(hour === undefined ? '' : String(hour))
    if (hour === undefined) continue
    hours.add(String(hour))
    const player = registeredBy.get(id)
    if (player === undefined) continue
    wallets.add(player)
    const pair = `${player}:${hour}`
    if (!pairs.has(pair)) {
      pairs.add(pair)
      flat.push(player, String(hour))
    }
  }
  return { resolveHours, wallets: [...wallets], hours: [...hours], pairs: flat }
}

/** Reads, in one pipeline, the totals the plan moves that the load script did not predict (usually none). */
async function readMissing(redis: Redis, keys: RedisKeys, plan: BatchPlan, current: CurrentTotals): Promise<void> {
  const wallets: string[] = []
  for (const w of plan.players.keys()) if (!current.players.has(w)) wallets.push(w)
  const hours: number[] = []
  for (const h of plan.hourly.keys()) if (!current.hourly.has(h)) hours.push(h)
  const pairs: { key: string, wallet: string, hour: number }[] = []
  for (const [key, t] of plan.playerHourly) if (!current.playerHourly.has(key)) pairs.push({ key, wallet: t.wallet, hour: t.hour })
  if (!wallets.length && !hours.length && !pairs.length) return

  const p = redis.pipeline()
  for (const w of wallets) p.hgetall(keys.player(w))
  for (const h of hours) p.hget(keys.hourly, String(h))
  for (const { wallet, hour } of pairs) p.hget(keys.playerHour(hour), wallet)
  const replies = await p.exec()
  if (!replies) throw new CasinoError('STORE_ERROR', 'redis pipeline was aborted')
  let at = 0
  const next = (): unknown => {
    const [error, value] = replies[at++]!
    if (error) throw new CasinoError('STORE_ERROR', `redis: ${error.message}`, { cause: error })
    return value
  }
  for (const w of wallets) current.players.set(w, next() as Record<string, string>)
  for (const h of hours) current.hourly.set(h, next() as string | null)
  for (const { key } of pairs) current.playerHourly.set(key, next() as string | null)
}

/** A hash from its flat `HGETALL` reply. */
function toHash(flat: string[]): Record<string, string> {
  const h: Record<string, string> = {}
  for (let i = 0; i < flat.length; i += 2) h[flat[i]!] = flat[i + 1]!
  return h
}
