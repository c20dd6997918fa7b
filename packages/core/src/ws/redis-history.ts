import { type HistoryEntry, type HistoryStore, randomEpoch } from './history'

/** The one Redis call {@link redisHistory} needs; an ioredis client fits as it is. */
export interface RedisEvalClient {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>
}

/** Options of {@link redisHistory}. */
export interface RedisHistoryOptions {
  /** A connected client (ioredis). Not closed by the history: it is yours. */
  client: RedisEvalClient
  /** Key prefix. @default 'fare:ws:' */
  prefix?: string
  /** Frames kept. @default 10_000 */
  size?: number
  /** Age (ms) past which frames are dropped, by the Redis clock. @default 600_000 */
  maxAge?: number
}

// Every script starts a new lifetime when the epoch key is missing (first use, FLUSHALL, eviction): the
// old offsets and frames go with it, so a client's `since` from before is answered `recovered: false`.
const prelude = `
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[1], epoch)
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('XTRIM', KEYS[3], 'MINID', tostring(now - tonumber(ARGV[2])))
`

const headScript = `${prelude}
return { epoch, tonumber(redis.call('GET', KEYS[2]) or '0') }`

// INCR and XADD in one script: offsets are consecutive and each one's frame is stored before any process
// can see a later offset. Stream ids are the Redis clock, which is what the age trim (MINID) compares.
// The event's id (ARGV[5], '' for none) is remembered with its offset in a sorted set (the last `size`
// of them): an append sent again after its reply was lost (a dropped connection: ioredis resends what
// was in flight, the publisher retries) answers the first one's offset and stored frame (found from the
// newest end: offsets are consecutive, and a repeat comes soon), instead of storing the event twice.
const appendScript = `${prelude}
if ARGV[5] ~= '' then
  local known = redis.call('ZSCORE', KEYS[4], ARGV[5])
  if known then
    local offset = tonumber(known)
    local back = tonumber(redis.call('GET', KEYS[2]) or '0') - offset + 1
    local entry = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', back)[back]
    if entry and tonumber(entry[2][2]) == offset then return { epoch, offset, entry[2][4] } end
    -- Trimmed since (by size or age): the frame the caller would have had.
    return { epoch, offset, ARGV[4] .. offset .. '}' }
  end
end
local offset = redis.call('INCR', KEYS[2])
local frame = ARGV[4] .. offset .. '}'
redis.call('XADD', KEYS[3], 'MAXLEN', ARGV[3], '*', 'o', offset, 'f', frame)
if ARGV[5] ~= '' then
  redis.call('ZADD', KEYS[4], offset, ARGV[5])
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', offset - tonumber(ARGV[3]))
end
return { epoch, offset, frame }`

// The frames after ARGV[4] are the newest (last - after) entries of the stream, because offsets are
// consecutive; fewer than that means some were trimmed: not covered. XLEN tells so first, in O(1): a
// client resuming from too long ago read the whole stream (10,000 entries, ~40 ms of Redis) to learn it.
const sinceScript = `${prelude}
if epoch ~= ARGV[3] then return false end
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local after = tonumber(ARGV[4])
if after > last then return false end
if after == last then return {} end
local n = last - after
if redis.call('XLEN', KEYS[3]) < n then return false end
local entries = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', n)
if #entries < n then return false end
local out = {}
for i = #entries, 1, -1 do
  local fields = entries[i][2]
  out[#out + 1] = fields[2]
  out[#out + 1] = fields[4]
end
if tonumber(out[1]) ~= after + 1 then return false end
return out`

// A new lifetime on purpose (an event could not be stored): every instance sees the new epoch on its next
// message and every older `since` is answered `recovered: false`.
const resetScript = `
redis.call('SET', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
return ARGV[1]`

/**
 * A {@link HistoryStore} in Redis, shared by every casino process: `INCR` gives offsets, a capped stream
 * keeps frames (by count and by age), an epoch key names the lifetime, and a sorted set remembers the
 * ids of the last appends (so that one sent twice is stored once). With it (and a Redis PubSub) a
 * client that reconnects to ANY instance with `since` resumes without gap or duplicate.
 *
 * Needs Redis 6.2+ (XTRIM MINID). Takes a structural client so core does not depend on ioredis.
 */
export function redisHistory(options: RedisHistoryOptions): HistoryStore {
  const prefix = options.prefix ?? 'fare:ws:'
  const keys = [`${prefix}epoch`, `${prefix}offset`, `${prefix}history`, `${prefix}appended`]
  const size = options.size ?? 10_000
  const maxAge = options.maxAge ?? 10 * 60_000
  const run = (script: string, ...args: (string | number)[]) =>
    options.client.eval(script, keys.length, ...keys, randomEpoch(), maxAge, ...args)

  return {
    async head() {
      const [epoch, offset] = await run(headScript) as [string, number]
      return { epoch, offset: Number(offset) }
    },
    async append(head, _timestamp, id) {
      const [epoch, offset, frame] = await run(appendScript, size, head, id ?? '') as [string, number, string]
      return { epoch, offset: Number(offset), frame }
    },
    async since(epoch, after) {
      if (!Number.isSafeInteger(after) || after < 0) return null
      const flat = await run(sinceScript, epoch, after) as string[] | null
      if (!flat) return null
      const entries: HistoryEntry[] = []
      for (let i = 0; i < flat.length; i += 2) entries.push({ offset: Number(flat[i]), frame: flat[i + 1]! })
      return entries
    },
    async reset() {
      return String(await run(resetScript))
    },
    async close() {},
  }
}
