import type { BatchPlan, PlayerDelta, Totals } from '@fare-casino/core/store'
import { encodeBet, encodeTotals, gameField } from './_codec'
import type { RedisKeys } from './_keys'

/** The totals a plan's deltas add to, read at the version the plan was made from. */
export interface CurrentTotals {
  /** The casino hash (`HGETALL`). */
  casino: Record<string, string>
  /** Player hashes by wallet (`HGETALL`; `{}` for a missing player). */
  players: Map<string, Record<string, string>>
  /** Encoded hour totals by hour (null for none). */
  hourly: Map<number, string | null>
  /** Encoded player-hour totals by `${wallet}:${hour}` (null for none). */
  playerHourly: Map<string, string | null>
}

/** Arguments per command at most: Lua's `unpack` stops at 8,000 values. */
const CHUNK = 1000

/**
 * Every write of `plan` as the flat stream of the batch script (see `fareCasinoApplyBatch`):
 * `name, argc, args...` per command, every value a string, new totals computed here as bigint. Flat
 * (one array of strings, not an array per command): the script decodes it into one table and runs
 * each command with `unpack(stream, from, to)`, and the client builds no array per command.
 * `hourToken` marks every player-hour hash it writes as changed (see `windows.ts`): a token no other
 * batch writes. `after`, when given, receives every total as the stream leaves it (what a batch planned
 * behind this one adds to).
 */
export function planWrites(keys: RedisKeys, plan: BatchPlan, current: CurrentTotals, hourToken: string, after?: CurrentTotals): string[] {
  const out: string[] = []
  const zadd = new Map<string, string[]>()
  const addZ = (key: string, score: number, member: string) => {
    const args = zadd.get(key)
    if (args) args.push(String(score), member)
    else zadd.set(key, [String(score), member])
  }

  for (const p of plan.createPlayers) {
    // A sign-in may have created the player meanwhile: the script keeps that row and does not report it.
    out.push('PLAYER', '5', keys.player(p.wallet), keys.players, p.wallet, String(p.createdAt), String(p.lastSeenAt))
  }

  // Bets are whole values (SET never fails on a foreign type): one MSET per chunk instead of a SET each.
  const bets: string[] = []
  // Signature -> trial id of the bet with the lowest seq it registered / settled. Every bet a transaction
  // settles is settled in one batch (or later, registered after it: a higher seq), so HSETNX keeps the lowest.
  const registered = new Map<string, string>()
  const resolved = new Map<string, { id: string, seq: number }>()
  const settledBy = (bet: { id: string, seq: number, resolveSignature: string | null }) => {
    if (!bet.resolveSignature) return
    const found = resolved.get(bet.resolveSignature)
    if (!found || found.seq > bet.seq) resolved.set(bet.resolveSignature, { id: bet.id, seq: bet.seq })
  }
  const pending = keys.betsPending
  const all = keys.betsAll
  for (const bet of plan.insertBets) {
    bets.push(keys.bet(bet.id), encodeBet(bet))
    addZ(all, bet.seq, bet.id)
    addZ(keys.betsByPlayer(bet.player), bet.seq, bet.id)
    addZ(keys.betsByGame(bet.game), bet.seq, bet.id)
    // Only pending bets get an index of their own: they are few, while `settled` and `won` match about
    // all or half of the bets, so listBets walks all bets for those filters (two ZADDs less per bet).
    if (bet.status === 'pending') addZ(pending, bet.seq, bet.id)
    // One transaction may register several trials: the signature finds the first.
    if (!registered.has(bet.registerSignature)) registered.set(bet.registerSignature, bet.id)
    settledBy(bet)
  }
  const settledPending: string[] = []
  for (const bet of plan.updateBets) {
    bets.push(keys.bet(bet.id), encodeBet(bet))
    settledPending.push(bet.id)
    settledBy(bet)
  }
  pushChunked(out, 'MSET', null, bets)
  pushChunked(out, 'HSETNX', keys.registerSignatures, flatten(registered))
  pushChunked(out, 'HSETNX', keys.resolveSignatures, flatten(new Map([...resolved].map(([signature, bet]) => [signature, bet.id]))))
  pushChunked(out, 'ZREM', pending, settledPending)

  // Removed before added: a trial in both has its kept resolve replaced (see BatchPlan.removeOrphans).
  pushChunked(out, 'HDEL', keys.orphans, plan.removeOrphans)
  if (plan.addOrphans.length) {
    const args: string[] = []
    for (const o of plan.addOrphans) args.push(o.trialId, JSON.stringify(o))
    pushChunked(out, 'HSET', keys.orphans, args)
  }

  for (const [wallet, delta] of plan.players) {
    const fields: string[] = []
    const h = current.players.get(wallet) ?? {}
    const now = playerTotals(h, delta, fields)
    pushChunked(out, 'HSET', keys.player(wallet), fields)
    if (after) {
      const written = { ...h }
      for (let i = 0; i < fields.length; i += 2) written[fields[i]!] = fields[i + 1]!
      after.players.set(wallet, written)
    }
    addZ(keys.leaderboard('wagered'), Number(now.wagered), wallet)
    addZ(keys.leaderboard('profit'), Number(now.payout - now.wagered), wallet)
    addZ(keys.leaderboard('wins'), now.wins, wallet)
    addZ(keys.leaderboard('bets'), now.bets, wallet)
  }

  const c = current.casino
  let lastSeq = Number(c.lastSeq ?? 0)
  for (const b of plan.insertBets) if (b.seq > lastSeq) lastSeq = b.seq
  const casino: Record<string, string> = {
    ...c,
    bets: String(Number(c.bets ?? 0) + plan.casino.bets),
    wins: String(Number(c.wins ?? 0) + plan.casino.wins),
    losses: String(Number(c.losses ?? 0) + plan.casino.losses),
    wagered: String(BigInt(c.wagered ?? 0) + plan.casino.wagered),
    payout: String(BigInt(c.payout ?? 0) + plan.casino.payout),
    pending: String(Number(c.pending ?? 0) + plan.casino.pending),
    lastSeq: String(lastSeq),
  }
  out.push('HSET', '15', keys.casino,
    'bets', casino.bets!, 'wins', casino.wins!, 'losses', casino.losses!, 'wagered', casino.wagered!,
    'payout', casino.payout!, 'pending', casino.pending!, 'lastSeq', casino.lastSeq!)
  if (after) after.casino = casino

  if (plan.hourly.size) {
    const args: string[] = []
    for (const [hour, t] of plan.hourly) {
      const value = addEncoded(current.hourly.get(hour), t)
      args.push(String(hour), value)
      after?.hourly.set(hour, value)
    }
    pushChunked(out, 'HSET', keys.hourly, args)
  }
  const byHour = new Map<number, string[]>()
  for (const [key, t] of plan.playerHourly) {
    const value = addEncoded(current.playerHourly.get(key), t)
    after?.playerHourly.set(key, value)
    const args = byHour.get(t.hour)
    if (args) args.push(t.wallet, value)
    else byHour.set(t.hour, [t.wallet, value])
  }
  for (const [hour, args] of byHour) pushChunked(out, 'HSET', keys.playerHour(hour), args)
  // In the same atomic script as the hours: a reader that sees a token unchanged saw the hour unchanged.
  if (byHour.size) pushChunked(out, 'HSET', keys.playerHourVersions, [...byHour.keys()].flatMap(hour => [String(hour), hourToken]))

  for (const j of plan.jackpots) {
    // LPUSH in chain order leaves the newest at the head.
    out.push('LPUSH', '2', keys.jackpots, JSON.stringify({ ...j, amount: String(j.amount) }))
  }
  if (plan.cursor) {
    // Only forward: a deposed leader's late batch must not move the cursor back.
    out.push('CURSOR', '4', keys.cursor, plan.cursor.signature, String(plan.cursor.slot), String(plan.cursor.updatedAt))
  }
  // After the cursor, which it needs.
  if (plan.published) out.push('PUBLISHED', '3', keys.cursor, plan.published.signature, String(plan.published.slot))
  for (const [key, args] of zadd) pushChunked(out, 'ZADD', key, args)
  if (plan.report) out.push('NUMBERED', '3', keys.systemSeq, keys.system, JSON.stringify(plan.report))
  // Last: an event counts as applied only once everything it moved is written.
  const events: string[] = []
  for (const e of plan.events) events.push(e.id)
  pushChunked(out, 'SADD', keys.events, events)
  return out
}

/** Appends `name, argc, [key,] args...` per chunk of `args` (none when `args` is empty). */
function pushChunked(out: string[], name: string, key: string | null, args: string[]): void {
  for (let i = 0; i < args.length; i += CHUNK) {
    const end = Math.min(args.length, i + CHUNK)
    if (key === null) out.push(name, String(end - i))
    else out.push(name, String(end - i + 1), key)
    for (let j = i; j < end; j++) out.push(args[j]!)
  }
}

function flatten(map: Map<string, string>): string[] {
  const out: string[] = []
  for (const [k, v] of map) out.push(k, v)
  return out
}

/** `bets:wins:wagered:payout` of stored totals (or none) plus `t`, as bigint. */
function addEncoded(stored: string | null | undefined, t: Totals): string {
  if (!stored) return `${t.bets}:${t.wins}:${t.wagered}:${t.payout}`
  const [bets, wins, wagered, payout] = stored.split(':')
  return `${Number(bets) + t.bets}:${Number(wins) + t.wins}:${BigInt(wagered!) + t.wagered}:${BigInt(payout!) + t.payout}`
}

/** Appends a player's totals after `delta` to `fields` as HSET pairs; returns what the leaderboards rank by. */
function playerTotals(h: Record<string, string>, delta: PlayerDelta, fields: string[]) {
  const bets = Number(h.bets ?? 0) + delta.bets
  const wins = Number(h.wins ?? 0) + delta.wins
  const wagered = BigInt(h.wagered ?? 0) + delta.wagered
  const payout = BigInt(h.payout ?? 0) + delta.payout
  fields.push(
    'bets', String(bets), 'wins', String(wins), 'losses', String(Number(h.losses ?? 0) + delta.losses),
    'wagered', String(wagered), 'payout', String(payout),
  )
  for (const game in delta.games) {
    const g = delta.games[game]!
    const fb = gameField('bets', game), fw = gameField('wins', game), fl = gameField('losses', game)
    const fwa = gameField('wagered', game), fp = gameField('payout', game)
    fields.push(
      fb, String(Number(h[fb] ?? 0) + g.bets),
      fw, String(Number(h[fw] ?? 0) + g.wins),
      fl, String(Number(h[fl] ?? 0) + g.losses),
      fwa, String(BigInt(h[fwa] ?? 0) + g.wagered),
      fp, String(BigInt(h[fp] ?? 0) + g.payout),
    )
  }
  return { bets, wins, wagered, payout }
}
