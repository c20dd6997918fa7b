/**
 * Every Redis key of a store, under one prefix (`fare:` by default) so that several casinos, or test
 * runs, share a server and a run can delete exactly its own keys (`SCAN MATCH <prefix>*`).
 */
export function redisKeys(prefix: string) {
  return {
    prefix,
    /** A fresh token set by every committed batch: a batch planned at another version is re-planned. */
    version: `${prefix}version`,
    /** Set of applied chain event ids. */
    events: `${prefix}events`,
    /** Hash: casino totals, pending count and lastSeq. */
    casino: `${prefix}casino`,
    /** Hash: signature, slot, updatedAt of the indexer cursor; publishedSignature, publishedSlot of its published mark. */
    cursor: `${prefix}cursor`,
    /** Hash: trial id -> JSON of a resolve seen before its register. */
    orphans: `${prefix}orphans`,
    /** String per bet: its encoded fields (see `encodeBet`). */
    bet: (id: string) => `${prefix}bet:${id}`,
    /** Sorted sets of bet ids by seq: all bets, per player, per game, and the pending ones. */
    betsAll: `${prefix}bets`,
    betsByPlayer: (wallet: string) => `${prefix}bets:player:${wallet}`,
    betsByGame: (game: string) => `${prefix}bets:game:${game}`,
    betsPending: `${prefix}bets:status:pending`,
    /** Hashes: signature -> trial id of the first bet it registered / settled. */
    registerSignatures: `${prefix}sig:register`,
    resolveSignatures: `${prefix}sig:resolve`,
    /** Hash per player. */
    player: (wallet: string) => `${prefix}player:${wallet}`,
    /** Set of every player's wallet (its size is totalPlayers). */
    players: `${prefix}players`,
    /** Hash: lower-cased username -> wallet. */
    usernames: `${prefix}usernames`,
    /** Sorted set of wallets per all-time leaderboard metric (scores are doubles: candidates, re-ranked exactly). */
    leaderboard: (metric: string) => `${prefix}lb:${metric}`,
    /** Hash: hour -> casino totals of that hour. */
    hourly: `${prefix}hourly`,
    /** Hash per hour: wallet -> that player's totals in that hour. */
    playerHour: (hour: number) => `${prefix}ph:${hour}`,
    /**
     * Hash: hour -> a random token, written anew by every batch that writes that hour's `playerHour` hash
     * (windowed leaderboards tell from it which hours changed; see `windows.ts`).
     */
    playerHourVersions: `${prefix}phv`,
    /** What every `playerHour` key starts with (the batch script appends the hour). */
    playerHourPrefix: `${prefix}ph:`,
    /** List of jackpot JSON, newest first. */
    jackpots: `${prefix}jackpots`,
    chatSeq: `${prefix}chat:seq`,
    /** Hash: id -> message JSON. */
    chat: `${prefix}chat`,
    /** Sorted set of undeleted message ids (score = id). */
    chatLive: `${prefix}chat:live`,
    systemSeq: `${prefix}system:seq`,
    /** List of system event JSON, newest first. */
    system: `${prefix}system`,
    nonce: (nonce: string) => `${prefix}nonce:${nonce}`,
  }
}

/** The keys of one store. */
export type RedisKeys = ReturnType<typeof redisKeys>
