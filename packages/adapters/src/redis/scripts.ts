import type { Redis } from 'ioredis'

/**
 * The Lua scripts of the Redis store, loaded once per client with `defineCommand` (ioredis then runs
 * them by EVALSHA, falling back to EVAL when the server's script cache was flushed). Lua numbers are
 * doubles: scripts compare versions and timestamps (exact below 2^53), never do money arithmetic.
 */
const scripts = {
  /**
   * Applies a batch plan, only if the store is still at the version it was planned from.
   * KEYS[1] version; ARGV[1] expected version; ARGV[2] the commands as one flat stream (see `planWrites`),
   * ARGV[3] the version once written: a fresh random token, not a counter, so that a batch planned
   * behind this one (which expects exactly it) can never match a version some other write left;
   * a JSON array of strings: `name, argc, args...` each. One JSON argument rather than thousands: the
   * client writes one string (ioredis serialises each argument separately, which cost more than the
   * script saved), and `cjson.decode` of a flat array of strings is one table.
   * Returns {1, wallets of the players it created} when written, {0, {}} when another batch committed first
   * (the caller re-plans), {2, {}} when the cursor is not the one an {'EXPECT', key, signature} asks for,
   * {3, {}} when this same write (its ARGV[3]) was written before: ioredis sends a command again after a
   * reconnect when its reply was lost, and the write had landed (`<version>:written:<token>`, an hour).
   * Read as "another batch first", that made the batch re-plan into duplicates of its own events: its
   * bets were never published.
   */
  fareCasinoApplyBatch: {
    numberOfKeys: 1,
    // Redis cannot roll a script back, so everything that can fail is checked before the first write:
    // the version, the shape of the stream, and the type of every key a command would write (WRONGTYPE
    // is the one error our commands can meet; MSET never fails). The applied-event set is written
    // LAST, by the caller's ordering, so that an event is never marked applied without its totals.
    // Three pseudo-commands: {'PLAYER', key, playersKey, wallet, createdAt, lastSeenAt} creates a player
    // row unless a sign-in did meanwhile, and reports the wallet when it did create it;
    // {'CURSOR', key, signature, slot, updatedAt} moves the cursor only forward (slot >= stored slot);
    // {'HSETNX', key, field, value, ...} is HSETNX of each pair in order (one HMGET and one HSET);
    // {'EXPECT', key, signature} writes nothing unless the cursor hash holds that signature;
    // {'PUBLISHED', key, signature, slot} moves the published mark of the cursor hash only forward, and
    // only once the hash holds a cursor; {'NUMBERED', counterKey, listKey, record} pushes "<id>\\n<record>"
    // with the next id of the counter (a SystemEvent, as fareCasinoPushNumbered does).
    lua: `
local current = redis.call('GET', KEYS[1]) or '0'
if current ~= ARGV[1] then
  -- This very write landed before (its reply was lost and the client sent it again): say so.
  if redis.call('EXISTS', KEYS[1] .. ':written:' .. ARGV[3]) == 1 then return {3, {}} end
  return {0, {}}
end
local want = { HSET = 'hash', HSETNX = 'hash', HDEL = 'hash', PLAYER = 'hash', CURSOR = 'hash', PUBLISHED = 'hash', EXPECT = 'hash', NUMBERED = 'string', ZADD = 'zset', ZREM = 'zset', SADD = 'set', LPUSH = 'list', MSET = 'any' }
local checked = {}
local function check(key, t)
  local seen = checked[key]
  if seen then
    if seen ~= t then return redis.error_reply('WRONGTYPE ' .. key .. ' written as a ' .. seen .. ' and a ' .. t) end
    return nil
  end
  local actual = redis.call('TYPE', key).ok
  if actual ~= 'none' and actual ~= t then return redis.error_reply('WRONGTYPE ' .. key .. ' is a ' .. actual) end
  checked[key] = t
  return nil
end
local ok, A = pcall(cjson.decode, ARGV[2])
if not ok or type(A) ~= 'table' then return redis.error_reply('ERR bad batch stream') end
local n = #A
local i = 1
while i <= n do
  local t, argc = want[A[i]], tonumber(A[i + 1])
  if not t or not argc or argc < 1 or i + 1 + argc > n then return redis.error_reply('ERR bad batch command at ' .. i) end
  for j = i + 2, i + 1 + argc do
    if type(A[j]) ~= 'string' then return redis.error_reply('ERR bad batch argument at ' .. j) end
  end
  if t ~= 'any' then
    local err = check(A[i + 2], t)
    if not err and A[i] == 'PLAYER' then err = check(A[i + 3], 'set') end
    if not err and A[i] == 'NUMBERED' then
      err = check(A[i + 3], 'list')
      -- INCR refuses a value that is not a 64-bit integer as Redis writes one: checked here, before any write.
      local seq = not err and redis.call('GET', A[i + 2])
      if seq and not (seq == '0' or (#seq <= 18 and string.match(seq, '^%-?[1-9]%d*$'))) then
        err = redis.error_reply('ERR ' .. A[i + 2] .. ' holds no counter')
      end
    end
    if err then return err end
    if A[i] == 'EXPECT' and redis.call('HGET', A[i + 2], 'signature') ~= A[i + 3] then return {2, {}} end
  end
  i = i + 2 + argc
end
local created = {}
i = 1
while i <= n do
  local name, a = A[i], i + 2
  local last = a + tonumber(A[i + 1]) - 1
  if name == 'PLAYER' then
    if redis.call('HSETNX', A[a], 'wallet', A[a + 2]) == 1 then
      redis.call('HSET', A[a], 'createdAt', A[a + 3], 'lastSeenAt', A[a + 4])
      redis.call('SADD', A[a + 1], A[a + 2])
      created[#created + 1] = A[a + 2]
    end
  elseif name == 'CURSOR' then
    local slot = tonumber(redis.call('HGET', A[a], 'slot') or '-1')
    if tonumber(A[a + 2]) >= slot then redis.call('HSET', A[a], 'signature', A[a + 1], 'slot', A[a + 2], 'updatedAt', A[a + 3]) end
  elseif name == 'PUBLISHED' then
    local have = redis.call('HMGET', A[a], 'signature', 'publishedSlot')
    if have[1] and tonumber(A[a + 2]) >= tonumber(have[2] or '-1') then redis.call('HSET', A[a], 'publishedSignature', A[a + 1], 'publishedSlot', A[a + 2]) end
  elseif name == 'EXPECT' then
    -- checked above, before any write
  elseif name == 'NUMBERED' then
    redis.call('LPUSH', A[a + 1], redis.call('INCR', A[a]) .. '\\n' .. A[a + 2])
  elseif name == 'HSETNX' then
    local fields = {}
    for j = a + 1, last, 2 do fields[#fields + 1] = A[j] end
    local have = redis.call('HMGET', A[a], unpack(fields))
    local set = {}
    for k = 1, #fields do
      if not have[k] then
        set[#set + 1] = fields[k]
        set[#set + 1] = A[a + 2 * k]
      end
    end
    if #set > 0 then redis.call('HSET', A[a], unpack(set)) end
  else
    redis.call(name, unpack(A, a, last))
  end
  i = last + 1
end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('SET', KEYS[1] .. ':written:' .. ARGV[3], '1', 'EX', 3600)
return {1, created}`,
  },
  /**
   * Reads the state a batch is planned from AND the current totals its plan will most likely add to,
   * in one command (they used to be a second round trip: a pipeline of one HGETALL per player).
   * KEYS[1] version, KEYS[2] casino, KEYS[3] events, KEYS[4] orphans, KEYS[5] players, KEYS[6] hourly;
   * ARGV[1] bet key prefix, ARGV[2] player key prefix, ARGV[3] player-hour key prefix, ARGV[4] a JSON
   * array of seven lists of strings: event ids, trial ids, resolve hour per trial ('' when the batch
   * does not resolve that trial), wallets (is each a player?), wallets whose totals to read, hours,
   * (wallet, hour) pairs flattened. JSON in and out, not thousands of arguments and reply elements:
   * ioredis serialises and parses those one by one in JavaScript, `JSON.parse` is native.
   * A stored bet that the batch resolves adds its player and that player's pair for the resolve hour
   * (a bet settles in the hour of its resolve): the caller then needs no further read unless a kept
   * orphan settles a bet, which the caller reads itself.
   * Returns the JSON of [ version, HGETALL casino, applied flags, orphan JSONs, player flags, encoded
   * bet ('' if none) per trial, extra wallets, HGETALL per totals wallet then per extra wallet, hour
   * totals, extra pairs as wallet, hour, ..., totals per pair then per extra pair ] (false for a
   * missing value; an empty list may come as {}: cjson cannot tell).
   */
  fareCasinoLoadBatch: {
    numberOfKeys: 6,
    lua: `
local L = cjson.decode(ARGV[4])
local eventIds, trialIds, resolveHours, wallets, totalsWallets, hours, wanted = L[1], L[2], L[3], L[4], L[5], L[6], L[7]
local applied, orphans, known, bets = {}, {}, {}, {}
for i = 1, #eventIds do applied[i] = redis.call('SISMEMBER', KEYS[3], eventIds[i]) end
for i = 1, #wallets do known[i] = redis.call('SISMEMBER', KEYS[5], wallets[i]) end
local listed = {}
for i = 1, #totalsWallets do listed[totalsWallets[i]] = true end
local extra, extraPairs = {}, {}
for i = 1, #trialIds do
  local id = trialIds[i]
  orphans[i] = redis.call('HGET', KEYS[4], id) or ''
  local bet = redis.call('GET', ARGV[1] .. id) or ''
  bets[i] = bet
  local hour = resolveHours[i]
  if bet ~= '' and hour ~= '' then
    local ok, fields = pcall(cjson.decode, bet)
    local w = ok and type(fields) == 'table' and fields[3]
    if type(w) == 'string' then
      if not listed[w] then
        listed[w] = true
        extra[#extra + 1] = w
      end
      extraPairs[#extraPairs + 1] = w
      extraPairs[#extraPairs + 1] = hour
    end
  end
end
local nx = #totalsWallets
local players = {}
for i = 1, nx do players[i] = redis.call('HGETALL', ARGV[2] .. totalsWallets[i]) end
for i = 1, #extra do players[nx + i] = redis.call('HGETALL', ARGV[2] .. extra[i]) end
local hourly = {}
for i = 1, #hours do hourly[i] = redis.call('HGET', KEYS[6], hours[i]) end
local totals = {}
for i = 1, #wanted, 2 do totals[#totals + 1] = redis.call('HGET', ARGV[3] .. wanted[i + 1], wanted[i]) end
for i = 1, #extraPairs, 2 do totals[#totals + 1] = redis.call('HGET', ARGV[3] .. extraPairs[i + 1], extraPairs[i]) end
return cjson.encode({ redis.call('GET', KEYS[1]) or '0', redis.call('HGETALL', KEYS[2]), applied, orphans, known, bets, extra, players, hourly, extraPairs, totals })`,
  },
  /**
   * Gets or creates a player and moves lastSeenAt forward. KEYS[1] player hash, KEYS[2] players set;
   * ARGV[1] wallet, ARGV[2] now (ms). Returns { created (0|1), HGETALL of the player }.
   */
  fareCasinoEnsurePlayer: {
    numberOfKeys: 2,
    lua: `
local created = 0
if redis.call('HEXISTS', KEYS[1], 'wallet') == 0 then
  redis.call('HSET', KEYS[1], 'wallet', ARGV[1], 'createdAt', ARGV[2], 'lastSeenAt', ARGV[2])
  redis.call('SADD', KEYS[2], ARGV[1])
  created = 1
else
  local last = tonumber(redis.call('HGET', KEYS[1], 'lastSeenAt') or '0')
  if tonumber(ARGV[2]) > last then redis.call('HSET', KEYS[1], 'lastSeenAt', ARGV[2]) end
end
return { created, redis.call('HGETALL', KEYS[1]) }`,
  },
  /**
   * Sets or clears a username, unique case-insensitively. KEYS[1] player hash, KEYS[2] usernames hash;
   * ARGV[1] wallet, ARGV[2] username ('' clears), ARGV[3] its lower-cased form.
   * Returns -1 for no such player, 0 when another player has the name, 1 when set.
   */
  fareCasinoSetUsername: {
    numberOfKeys: 2,
    lua: `
if redis.call('HEXISTS', KEYS[1], 'wallet') == 0 then return -1 end
if ARGV[2] ~= '' then
  local owner = redis.call('HGET', KEYS[2], ARGV[3])
  if owner and owner ~= ARGV[1] then return 0 end
end
local old = redis.call('HGET', KEYS[1], 'usernameKey')
if old then redis.call('HDEL', KEYS[2], old) end
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], 'username', 'usernameKey')
else
  redis.call('HSET', KEYS[1], 'username', ARGV[2], 'usernameKey', ARGV[3])
  redis.call('HSET', KEYS[2], ARGV[3], ARGV[1])
end
return 1`,
  },
  /**
   * Numbers and stores a record: KEYS[1] counter, KEYS[2] list (newest first); ARGV[1] the record.
   * Stored as "<id>\\n<record>", so that ids and list order agree under concurrency. Returns the id.
   */
  fareCasinoPushNumbered: {
    numberOfKeys: 2,
    lua: `
local id = redis.call('INCR', KEYS[1])
redis.call('LPUSH', KEYS[2], id .. '\\n' .. ARGV[1])
return id`,
  },
  /**
   * Adds a chat message with the author's current username. KEYS[1] counter, KEYS[2] messages hash,
   * KEYS[3] live ids zset, KEYS[4] player hash; ARGV[1] JSON of the message without username.
   * Stored as "<json>\\n<username>". Returns { id, username or false }.
   */
  fareCasinoAddChat: {
    numberOfKeys: 4,
    lua: `
local id = redis.call('INCR', KEYS[1])
local username = redis.call('HGET', KEYS[4], 'username')
redis.call('HSET', KEYS[2], id, ARGV[1] .. '\\n' .. (username or ''))
redis.call('ZADD', KEYS[3], id, id)
return { id, username }`,
  },
  /**
   * The members of an all-time leaderboard that can be in its top `limit`, read at one instant (a batch
   * landing between separate reads could move a player out of every list). Everyone when there are
   * fewer; else everyone scoring above the floor (the limit-th score) and, of those tied at it, all of
   * them while they are few, or when the floor is 2^53 or more (an equal double may hide different
   * amounts); else the ones that can rank best in the tie, which ranks next by wagered (descending), then
   * wallet (ascending): those whose wagered score is above the k-th highest, then as many at it as are
   * still needed, in Redis' order (bytes, as JavaScript compares base58; never Lua's, which follows the
   * server's locale). On the wagered leaderboard itself a tie below 2^53 is of equal amounts, so wallet
   * order alone. Doubles round monotonically, so the exact top is always among them; the caller re-ranks
   * exactly. Run in Redis so that a tie of many thousands (wallets that each bet once) never crosses the
   * network: ~0.1 s of Redis for 50,000, where reading them all took 1.0 to 1.3 s in Node.
   * KEYS[1] the metric's sorted set, KEYS[2] the wagered one; ARGV[1] limit, ARGV[2] the tie size from
   * which to narrow, ARGV[3] '1' when KEYS[1] is the wagered one.
   */
  fareCasinoLeaderboardCandidates: {
    numberOfKeys: 2,
    lua: `
local limit = tonumber(ARGV[1])
local top = redis.call('ZREVRANGE', KEYS[1], 0, limit - 1, 'WITHSCORES')
local out = {}
if #top / 2 < limit then
  for i = 1, #top, 2 do out[#out + 1] = top[i] end
  return out
end
local floor = top[#top]
out = redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', '(' .. floor)
local k = limit - #out
local f = tonumber(floor)
local exact = f ~= nil and f < 9007199254740992 and f > -9007199254740992
if k <= 0 or not exact or redis.call('ZCOUNT', KEYS[1], floor, floor) <= tonumber(ARGV[2]) then
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], floor, floor)) do out[#out + 1] = member end
  return out
end
if ARGV[3] == '1' then
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], floor, floor, 'LIMIT', 0, k)) do out[#out + 1] = member end
  return out
end
local tied = redis.call('ZRANGEBYSCORE', KEYS[1], floor, floor)
-- The k highest wagered scores of the tie, ascending (best[1] the k-th highest), kept by insertion: k is small.
local scores, best = {}, {}
for i, member in ipairs(tied) do
  local score = tonumber(redis.call('ZSCORE', KEYS[2], member) or '0')
  scores[i] = score
  if #best < k then
    best[#best + 1] = score
    if #best == k then table.sort(best) end
  elseif score > best[1] then
    best[1] = score
    local j = 1
    while j < k and best[j] > best[j + 1] do best[j], best[j + 1] = best[j + 1], best[j]; j = j + 1 end
  end
end
local kth = best[1]
local at = {}
for i, member in ipairs(tied) do
  if scores[i] > kth then out[#out + 1] = member
  elseif scores[i] == kth then at[#at + 1] = member end
end
if kth >= 9007199254740992 then
  for _, member in ipairs(at) do out[#out + 1] = member end
  return out
end
-- Below 2^53 an equal score is an equal amount: the first wallets in Redis' order fill the places left.
local need = limit - #out
for i = 1, math.min(need, #at) do out[#out + 1] = at[i] end
return out`,
  },
} as const

/** What `fareCasinoLoadBatch` returns (see its comment); `false` for a missing value. */
export type LoadBatchReply = [
  version: string, casino: string[], applied: number[], orphans: string[], known: number[], bets: string[],
  extraWallets: string[], players: string[][], hourly: (string | false)[], extraPairs: string[], pairs: (string | false)[],
]

/** Typed calls of the store's scripts on one client. */
export interface StoreScripts {
  loadBatch(keys: string[], prefixes: string[], lists: string[][]): Promise<LoadBatchReply>
  applyBatch(versionKey: string, expected: string, stream: string, next: string): Promise<[number, string[]]>
  ensurePlayer(playerKey: string, playersKey: string, wallet: string, now: number): Promise<[number, string[]]>
  setUsername(playerKey: string, usernamesKey: string, wallet: string, username: string, lower: string): Promise<number>
  pushNumbered(counterKey: string, listKey: string, record: string): Promise<number>
  addChat(counterKey: string, chatKey: string, liveKey: string, playerKey: string, json: string): Promise<[number, string | null]>
  leaderboardCandidates(metricKey: string, wageredKey: string, limit: number, narrowAbove: number, byWagered: '0' | '1'): Promise<string[]>
}

type ScriptFn = (...args: (string | number | Buffer)[]) => Promise<unknown>

/**
 * A large (JSON) argument as bytes. ioredis writes a string argument to the socket as UTF-8, which
 * Node encodes several times slower than it copies Latin-1; for ASCII (what JSON.stringify of our ids,
 * signatures and numbers almost always is) the two are the same bytes.
 */
function bytes(s: string): Buffer {
  return Buffer.from(s, Buffer.byteLength(s) === s.length ? 'latin1' : 'utf8')
}

/** Defines the scripts on `redis` (once per client) and returns typed callers. */
export function storeScripts(redis: Redis): StoreScripts {
  const client = redis as unknown as Record<string, ScriptFn>
  for (const [name, def] of Object.entries(scripts)) {
    if (typeof client[name] !== 'function') redis.defineCommand(name, { numberOfKeys: def.numberOfKeys, lua: def.lua })
  }
  const call = (name: keyof typeof scripts) => client[name]!.bind(redis)
  return {
    applyBatch: (versionKey, expected, stream, next) => call('fareCasinoApplyBatch')(versionKey, expected, bytes(stream), next) as Promise<[number, string[]]>,
    loadBatch: async (keys, prefixes, lists) => {
      const json = await call('fareCasinoLoadBatch')(...keys, ...prefixes, bytes(JSON.stringify(lists))) as string
      const reply = JSON.parse(json) as unknown[]
      // cjson writes an empty Lua table as {}: make every list an array again.
      for (let i = 1; i < reply.length; i++) if (!Array.isArray(reply[i])) reply[i] = []
      const players = reply[7] as unknown[]
      for (let i = 0; i < players.length; i++) if (!Array.isArray(players[i])) players[i] = []
      return reply as LoadBatchReply
    },
    ensurePlayer: (...a) => call('fareCasinoEnsurePlayer')(...a) as Promise<[number, string[]]>,
    setUsername: (...a) => call('fareCasinoSetUsername')(...a) as Promise<number>,
    pushNumbered: (...a) => call('fareCasinoPushNumbered')(...a) as Promise<number>,
    addChat: (...a) => call('fareCasinoAddChat')(...a) as Promise<[number, string | null]>,
    leaderboardCandidates: (...a) => call('fareCasinoLeaderboardCandidates')(...a) as Promise<string[]>,
  }
}
