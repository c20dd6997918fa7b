import type { Totals } from '@fare-casino/core/store'
import type { Redis } from 'ioredis'
import { decodeTotals } from './_codec'
import type { RedisKeys } from './_keys'

/**
 * Windowed leaderboards (24h, 7d, 30d) on Redis, summed incrementally in the reading process.
 *
 * The store keeps one hash per hour (wallet -> that player's totals in the hour). A window is the sum
 * of its hours, in bigint (Lua's doubles cannot add money exactly, so Redis cannot keep the sum). Summed
 * again after every batch, a 30-day window of a million bets read ~720 hashes and a million fields:
 * about 3 s of a CPU. Instead each process keeps, per window length, the sum of the window's older hours
 * (`base`) and the latest {@link RECENT_HOURS} hours (`recent`, where a live casino's bets land) one by
 * one; a read after a batch re-reads only those, and a new hour moves one hour out of the base and one
 * into it.
 *
 * What tells that an hour changed: every batch that writes an hour's hash also writes a fresh random
 * token for that hour (`phv`, in the same atomic script). A hash read between two reads of its token
 * that agree is exactly the hash of that token (tokens never repeat). Any change to an hour the base
 * holds (a backfill of old hours) rebuilds the window, and so does age: hours written by a store
 * version without tokens are picked up within {@link REBUILD_AFTER_MS}.
 */

/** Hours at the window's end kept one by one (the hours batches usually write). */
const RECENT_HOURS = 2
/** A window is summed again from scratch at least this often (ms). */
const REBUILD_AFTER_MS = 10 * 60_000
/** Reads of hours whose token moved meanwhile are retried this often before the read fails. */
const MAX_ROUNDS = 5

/** One window length's sums, as of the tokens it read. */
interface WindowSums {
  start: number
  end: number
  /** Token of each hour start..end as summed (null: none written yet). */
  tokens: (string | null)[]
  /** Sum of hours start..end-RECENT_HOURS. */
  base: Map<string, Totals>
  /** Hours end-RECENT_HOURS+1..end, one map each. */
  recent: Map<number, Map<string, Totals>>
  /** base + recent, built on the first read that needs it. */
  merged: Map<string, Totals> | undefined
  builtAt: number
}

/** Adds (sign 1) or subtracts (sign -1) `hour` into `into`; drops players whose window totals reach zero. */
function addHour(into: Map<string, Totals>, hour: Map<string, Totals>, sign: 1 | -1): void {
  const s = BigInt(sign)
  for (const [wallet, t] of hour) {
    const was = into.get(wallet)
    const next: Totals = was
      ? { bets: was.bets + sign * t.bets, wins: was.wins + sign * t.wins, wagered: was.wagered + s * t.wagered, payout: was.payout + s * t.payout }
      : { bets: sign * t.bets, wins: sign * t.wins, wagered: s * t.wagered, payout: s * t.payout }
    if (next.bets === 0 && next.wins === 0 && next.wagered === 0n && next.payout === 0n) into.delete(wallet)
    else into.set(wallet, next)
  }
}

/** An hour's hash as totals per wallet. */
function parseHour(hash: Record<string, string>): Map<string, Totals> {
  const out = new Map<string, Totals>()
  for (const wallet in hash) out.set(wallet, decodeTotals(hash[wallet]))
  return out
}

/** Adds an hour's hash, as read, into `into` (no map of the hour on the way: a window has hundreds). */
function addRawHour(into: Map<string, Totals>, hash: Record<string, string>): void {
  for (const wallet in hash) {
    const t = decodeTotals(hash[wallet])
    const was = into.get(wallet)
    if (!was) into.set(wallet, t)
    else {
      was.bets += t.bets
      was.wins += t.wins
      was.wagered += t.wagered
      was.payout += t.payout
    }
  }
}

function range(from: number, to: number): number[] {
  const out: number[] = []
  for (let h = from; h <= to; h++) out.push(h)
  return out
}

/** The incremental window sums of one store in this process (see the module's comment). */
export function createWindowSums(redis: Redis, keys: RedisKeys, clock: () => number = Date.now) {
  const windows = new Map<number, WindowSums>()

  const tokensOf = async (hours: number[]): Promise<(string | null)[]> =>
    hours.length ? redis.hmget(keys.playerHourVersions, ...hours.map(String)) : []

  /**
   * The hashes of `hours` with the tokens they were read at: tokens, hashes, tokens again, and the
   * hours whose token moved in between read again (a batch wrote them meanwhile).
   */
  async function readHours(hours: number[]): Promise<{ tokens: Map<number, string | null>, data: Map<number, Record<string, string>> }> {
    const tokens = new Map<number, string | null>()
    const data = new Map<number, Record<string, string>>()
    let todo = hours
    for (let round = 0; todo.length > 0; round++) {
      if (round === MAX_ROUNDS) throw new Error(`redis leaderboard: hours kept changing while read (${todo.length} of them)`)
      const p = redis.pipeline()
      p.hmget(keys.playerHourVersions, ...todo.map(String))
      for (const h of todo) p.hgetall(keys.playerHour(h))
      p.hmget(keys.playerHourVersions, ...todo.map(String))
      const replies = (await p.exec()) ?? []
      for (const [error] of replies) if (error) throw error
      const before = replies[0]![1] as (string | null)[]
      const after = replies[replies.length - 1]![1] as (string | null)[]
      const again: number[] = []
      todo.forEach((h, i) => {
        if (before[i] !== after[i]) {
          again.push(h)
          return
        }
        tokens.set(h, after[i]!)
        data.set(h, replies[1 + i]![1] as Record<string, string>)
      })
      todo = again
    }
    return { tokens, data }
  }

  async function rebuild(start: number, end: number): Promise<WindowSums> {
    const { tokens, data } = await readHours(range(start, end))
    const base = new Map<string, Totals>()
    const recent = new Map<number, Map<string, Totals>>()
    for (let h = start; h <= end; h++) {
      if (h > end - RECENT_HOURS) recent.set(h, parseHour(data.get(h)!))
      else addRawHour(base, data.get(h)!)
    }
    return { start, end, tokens: range(start, end).map(h => tokens.get(h)!), base, recent, merged: undefined, builtAt: clock() }
  }

  /**
   * `w` brought to `start..end` (later than its own) when every hour it keeps in its base is unchanged:
   * hours that left are subtracted, hours that entered the base added, the recent ones read again.
   * Undefined when a rebuild is needed.
   */
  async function advance(w: WindowSums, start: number, end: number, now: (string | null)[]): Promise<WindowSums | undefined> {
    const tokenAt = (sums: WindowSums, h: number) => sums.tokens[h - sums.start]
    // Hours of the old base must be as summed: those staying and those to subtract.
    for (let h = Math.max(w.start, start); h <= w.end - RECENT_HOURS; h++) {
      if (now[h - start] !== tokenAt(w, h)) return undefined
    }
    const leaving = range(w.start, Math.min(start - 1, w.end - RECENT_HOURS))
    const entering = range(Math.max(start, w.end - RECENT_HOURS + 1), end - RECENT_HOURS)
    const fresh = range(Math.max(start, end - RECENT_HOURS + 1), end)
    const read = await readHours([...leaving, ...entering, ...fresh])
    for (const h of leaving) if (read.tokens.get(h) !== tokenAt(w, h)) return undefined
    // Copied only when it changes: `w` may be another read's answer meanwhile.
    const base = leaving.length || entering.length ? new Map(w.base) : w.base
    for (const h of leaving) addHour(base, parseHour(read.data.get(h)!), -1)
    for (const h of entering) addHour(base, parseHour(read.data.get(h)!), 1)
    const recent = new Map(fresh.map(h => [h, parseHour(read.data.get(h)!)]))
    const tokens = range(start, end).map(h => (read.tokens.has(h) ? read.tokens.get(h)! : now[h - start]!))
    return { start, end, tokens, base, recent, merged: undefined, builtAt: w.builtAt }
  }

  /** Sums of windows ending before the current ones (a query about the past), kept while unchanged. */
  const past = new Map<string, WindowSums>()
  async function earlier(start: number, end: number): Promise<WindowSums> {
    const key = `${start}:${end}`
    const kept = past.get(key)
    if (kept) {
      const now = await tokensOf(range(start, end))
      if (now.every((t, i) => t === kept.tokens[i])) return kept
    }
    const w = await rebuild(start, end)
    if (past.size >= 16) past.delete(past.keys().next().value!)
    past.set(key, w)
    return w
  }

  return {
    /**
     * Every player's totals over hours `start..end`, exact as of one moment between batches per hour
     * (as the plain sum was). `end` is the current hour; a read about an earlier end than this
     * process already summed is summed on its own (and kept while its hours are unchanged).
     */
    async rows(start: number, end: number): Promise<Map<string, Totals>> {
      const length = end - start + 1
      let w = windows.get(length)
      if (w && end < w.end) return merged(await earlier(start, end))
      if (!w || clock() - w.builtAt > REBUILD_AFTER_MS || end - w.end >= length) {
        w = await rebuild(start, end)
      }
      else {
        const now = await tokensOf(range(start, end))
        const unchanged = w.end === end && now.every((t, i) => t === w!.tokens[i])
        if (!unchanged) w = (await advance(w, start, end, now)) ?? await rebuild(start, end)
      }
      windows.set(length, w)
      return merged(w)
    },
  }
}

/** The window's totals per player: its base with its recent hours added (built once per state). */
function merged(w: WindowSums): Map<string, Totals> {
  if (w.merged) return w.merged
  const out = new Map(w.base)
  for (const hour of w.recent.values()) addHour(out, hour, 1)
  w.merged = out
  return out
}
