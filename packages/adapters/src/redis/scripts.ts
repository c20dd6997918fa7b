import type { Redis } from 'ioredis'

/**
 * The Lua scripts of the Redis store, loaded once per client with `defineCommand` (ioredis then runs
 * them by EVALSHA, falling back to EVAL when the server's script cache was flushed). Lua numbers are
 * doubles: scripts compare versions and timestamps (exact below 2^53), never do money arithmetic.
 */
const scripts = {
  /**
   * Applies a batch plan, only if the store is still at the version it was planned from.
   * KEYS[1] version; ARGV[1] expected version; then the commands as one flat stream (see `planWrites`):
   * `name, argc, args...` each, every value a string.
   * Returns {1, wallets of the players it created} when written, {0, {}} when another batch committed first
   * (the caller re-plans).
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
    // {'HSETNX', key, field, value, ...} is HSETNX of each pair in order (one HMGET and one HSET).
    lua: `
local current = redis.call('GET', KEYS[1]) or '0'
if current ~= ARGV[1] then return {0, {}} end
local want = { HSET = 'hash', HSETNX = 'hash', HDEL = 'hash', PLAYER = 'hash', CURSOR = 'hash', ZADD = 'zset', ZREM = 'zset', SADD = 'set', LPUSH = 'list', MSET = 'any' }
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
local n = #ARGV
local i = 2
while i <= n do
  local t, argc = want[ARGV[i]], tonumber(ARGV[i + 1])
  if not t or not argc or argc < 1 or i + 1 + argc > n then return redis.error_reply('ERR bad batch command at ' .. i) end
  if t ~= 'any' then
    local err = check(ARGV[i + 2], t)
    if not err and ARGV[i] == 'PLAYER' then err = check(ARGV[i + 3], 'set') end
    if err then return err end
  end
  i = i + 2 + argc
end
local created = {}
i = 2
while i <= n do
  local name, a = ARGV[i], i + 2
  local last = a + tonumber(ARGV[i + 1]) - 1
  if name == 'PLAYER' then
    if redis.call('HSETNX', ARGV[a], 'wallet', ARGV[a + 2]) == 1 then
      redis.call('HSET', ARGV[a], 'createdAt', ARGV[a + 3], 'lastSeenAt', ARGV[a + 4])
      redis.call('SADD', ARGV[a + 1], ARGV[a + 2])
      created[#created + 1] = ARGV[a + 2]
    end
  elseif name == 'CURSOR' then
    local slot = tonumber(redis.call('HGET', ARGV[a], 'slot') or '-1')
    if tonumber(ARGV[a + 2]) >= slot then redis.call('HSET', ARGV[a], 'signature', ARGV[a + 1], 'slot', ARGV[a + 2], 'updatedAt', ARGV[a + 3]) end
  elseif name == 'HSETNX' then
    local fields = {}
    for j = a + 1, last, 2 do fields[#fields + 1] = ARGV[j] end
    local have = redis.call('HMGET', ARGV[a], unpack(fields))
    local set = {}
    for k = 1, #fields do
      if not have[k] then
        set[#set + 1] = fields[k]
        set[#set + 1] = ARGV[a + 2 * k]
      end
    end
    if #set > 0 then redis.call('HSET', ARGV[a], unpack(set)) end
  else
    redis.call(name, unpack(ARGV, a, last))
  end
  i = last + 1
end
redis.call('INCR', KEYS[1])
return {1, created}`,
  },
  /**
   * Reads the state a batch is planned from, in one command (a pipeline of a thousand HGETALLs costs
   * more client CPU than the planning itself). KEYS[1] version, KEYS[2] casino, KEYS[3] events,
   * KEYS[4] orphans, KEYS[5] players; ARGV[1] bet key prefix, ARGV[2] number of event ids, ARGV[3]
   * number of trial ids, then the event ids, trial ids and wallets.
   * Returns { version, lastSeq, applied flags, orphan JSONs, player flags, encoded bet ('' if none) per trial }.
   */
  fareCasinoLoadBatch: {
    numberOfKeys: 5,
    lua: `
local ne, nt = tonumber(ARGV[2]), tonumber(ARGV[3])
local applied, orphans, players, bets = {}, {}, {}, {}
for i = 1, ne do applied[i] = redis.call('SISMEMBER', KEYS[3], ARGV[3 + i]) end
for i = 1, nt do
  local id = ARGV[3 + ne + i]
  orphans[i] = redis.call('HGET', KEYS[4], id) or ''
  bets[i] = redis.call('GET', ARGV[1] .. id) or ''
end
for i = 4 + ne + nt, #ARGV do players[#players + 1] = redis.call('SISMEMBER', KEYS[5], ARGV[i]) end
return { redis.call('GET', KEYS[1]) or '0', redis.call('HGET', KEYS[2], 'lastSeq') or '0', applied, orphans, players, bets }`,
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
} as const

/** Typed calls of the store's scripts on one client. */
export interface StoreScripts {
  loadBatch(keys: string[], betPrefix: string, eventIds: string[], trialIds: string[], wallets: string[]): Promise<[string, string, number[], string[], number[], string[]]>
  applyBatch(versionKey: string, expected: string, stream: string[]): Promise<[number, string[]]>
  ensurePlayer(playerKey: string, playersKey: string, wallet: string, now: number): Promise<[number, string[]]>
  setUsername(playerKey: string, usernamesKey: string, wallet: string, username: string, lower: string): Promise<number>
  pushNumbered(counterKey: string, listKey: string, record: string): Promise<number>
  addChat(counterKey: string, chatKey: string, liveKey: string, playerKey: string, json: string): Promise<[number, string | null]>
}

type ScriptFn = (...args: (string | number)[]) => Promise<unknown>

/** Defines the scripts on `redis` (once per client) and returns typed callers. */
export function storeScripts(redis: Redis): StoreScripts {
  const client = redis as unknown as Record<string, ScriptFn>
  for (const [name, def] of Object.entries(scripts)) {
    if (typeof client[name] !== 'function') redis.defineCommand(name, { numberOfKeys: def.numberOfKeys, lua: def.lua })
  }
  const call = (name: keyof typeof scripts) => client[name]!.bind(redis)
  return {
    applyBatch: (versionKey, expected, stream) => call('fareCasinoApplyBatch')(versionKey, expected, ...stream) as Promise<[number, string[]]>,
    loadBatch: (keys, betPrefix, eventIds, trialIds, wallets) => call('fareCasinoLoadBatch')(
      ...keys, betPrefix, eventIds.length, trialIds.length, ...eventIds, ...trialIds, ...wallets,
    ) as Promise<[string, string, number[], string[], number[], string[]]>,
    ensurePlayer: (...a) => call('fareCasinoEnsurePlayer')(...a) as Promise<[number, string[]]>,
    setUsername: (...a) => call('fareCasinoSetUsername')(...a) as Promise<number>,
    pushNumbered: (...a) => call('fareCasinoPushNumbered')(...a) as Promise<number>,
    addChat: (...a) => call('fareCasinoAddChat')(...a) as Promise<[number, string | null]>,
  }
}
