import type { Redis } from 'ioredis'

/**
 * The Lua scripts of the Redis store, loaded once per client with `defineCommand` (ioredis then runs
 * them by EVALSHA, falling back to EVAL when the server's script cache was flushed). Lua numbers are
 * doubles: scripts compare versions and timestamps (exact below 2^53), never do money arithmetic.
 */
const scripts = {
  /**
   * Applies a batch plan, only if the store is still at the version it was planned from.
   * KEYS[1] version; ARGV[1] expected version; ARGV[2] JSON array of commands, every argument a string.
   * Returns {1, wallets of the players it created} when written, {0, {}} when another batch committed first
   * (the caller re-plans).
   */
  fareCasinoApplyBatch: {
    numberOfKeys: 1,
    // Redis cannot roll a script back, so everything that can fail is checked before the first write:
    // the version, the JSON, and the type of every key a command would write (WRONGTYPE is the one
    // error our commands can meet; SET never fails). The applied-event set is written LAST, by the
    // caller's ordering, so that an event is never marked applied without its totals.
    // Two pseudo-commands: {'PLAYER', key, playersKey, wallet, createdAt, lastSeenAt} creates a player
    // row unless a sign-in did meanwhile, and reports the wallet when it did create it;
    // {'CURSOR', key, signature, slot, updatedAt} moves the cursor only forward (slot >= stored slot).
    lua: `
local current = redis.call('GET', KEYS[1]) or '0'
if current ~= ARGV[1] then return {0, {}} end
local cmds = cjson.decode(ARGV[2])
local want = { HSET = 'hash', HSETNX = 'hash', HDEL = 'hash', PLAYER = 'hash', CURSOR = 'hash', ZADD = 'zset', ZREM = 'zset', SADD = 'set', LPUSH = 'list' }
local checked = {}
for i = 1, #cmds do
  local c = cmds[i]
  local t = want[c[1]]
  if t and not checked[c[2]] then
    local actual = redis.call('TYPE', c[2]).ok
    if actual ~= 'none' and actual ~= t then return redis.error_reply('WRONGTYPE ' .. c[2] .. ' is a ' .. actual) end
    checked[c[2]] = true
  end
end
local created = {}
for i = 1, #cmds do
  local c = cmds[i]
  if c[1] == 'PLAYER' then
    if redis.call('HSETNX', c[2], 'wallet', c[4]) == 1 then
      redis.call('HSET', c[2], 'createdAt', c[5], 'lastSeenAt', c[6])
      redis.call('SADD', c[3], c[4])
      created[#created + 1] = c[4]
    end
  elseif c[1] == 'CURSOR' then
    local slot = tonumber(redis.call('HGET', c[2], 'slot') or '-1')
    if tonumber(c[4]) >= slot then redis.call('HSET', c[2], 'signature', c[3], 'slot', c[4], 'updatedAt', c[5]) end
  else
    redis.call(unpack(c))
  end
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
  applyBatch(versionKey: string, expected: string, commands: string): Promise<[number, string[]]>
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
    applyBatch: (...a) => call('fareCasinoApplyBatch')(...a) as Promise<[number, string[]]>,
    loadBatch: (keys, betPrefix, eventIds, trialIds, wallets) => call('fareCasinoLoadBatch')(
      ...keys, betPrefix, eventIds.length, trialIds.length, ...eventIds, ...trialIds, ...wallets,
    ) as Promise<[string, string, number[], string[], number[], string[]]>,
    ensurePlayer: (...a) => call('fareCasinoEnsurePlayer')(...a) as Promise<[number, string[]]>,
    setUsername: (...a) => call('fareCasinoSetUsername')(...a) as Promise<number>,
    pushNumbered: (...a) => call('fareCasinoPushNumbered')(...a) as Promise<number>,
    addChat: (...a) => call('fareCasinoAddChat')(...a) as Promise<[number, string | null]>,
  }
}
