import type { Database, Statement } from 'better-sqlite3'
import { addToWindowsSql } from './windows'

/**
 * Every fixed statement of the store, prepared once per connection. All of them read integers as
 * bigint (safe integers) so money is exact; `rows.ts` converts the rest to numbers.
 * Lists of keys are passed as one JSON array and expanded with `json_each`, so one prepared statement
 * serves any batch size.
 */
export function prepareStatements(db: Database) {
  const p = (source: string): Statement => db.prepare(source).safeIntegers(true)
  const inJson = (column: string) => `${column} IN (SELECT value FROM json_each(?))`
  /**
   * The rows of `table` whose `column` is one of a JSON array's (distinct) keys: each key looked up in
   * the column's index, in the array's order. `IN (SELECT … json_each)` first copies and sorts the keys
   * into a temporary index: 7 ms for the 8,000 signatures of one commit, against 0.8 ms here.
   * CROSS JOIN keeps the array the outer loop, whatever the table's statistics say.
   */
  const byJsonKeys = (columns: string, table: string, column: string) =>
    `SELECT ${columns} FROM json_each(?) AS keys CROSS JOIN ${table} AS t ON t.${column} = keys.value`
  return {
    // applyBatch: loading the state
    // From event ids: the transaction an id names (its signature, up to the first ':'; see transactionOfId).
    eventsOfIds: p(`SELECT DISTINCT t.signature, t.events FROM json_each(?) AS keys CROSS JOIN transaction_events AS t
      ON t.signature = iif(instr(keys.value, ':') > 0, substr(keys.value, 1, instr(keys.value, ':') - 1), keys.value)`),
    betsByIds: p(byJsonKeys('t.*', 'bets', 'id')),
    orphansByIds: p(byJsonKeys('t.event', 'orphan_resolves', 'trial_id')).pluck(),
    knownWallets: p(byJsonKeys('t.wallet', 'players', 'wallet')).pluck(),
    lastSeq: p('SELECT last_seq FROM casino_totals WHERE id = 1').pluck(),

    // applyBatch: writing the plan
    insertTransactionEvents: p('INSERT INTO transaction_events (signature, slot, block_time, events) VALUES (?, ?, ?, ?)'),
    setTransactionEvents: p('UPDATE transaction_events SET events = ? WHERE signature = ?'),
    insertPlayer: p('INSERT INTO players (wallet, username, created_at, last_seen_at) VALUES (?, NULL, ?, ?)'),
    insertBet: p(`INSERT INTO bets (seq, id, player, pool, mint, game, extra_data_hash, wager, qk, result_index, payout,
      multiplier, won, status, register_signature, register_slot, block_time, resolve_signature, resolve_slot, settled_block_time,
      fees, pool_accumulated_amount, register_event_id, resolve_event_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    settleBet: p(`UPDATE bets SET result_index = ?, payout = ?, multiplier = ?, won = ?, status = ?, resolve_signature = ?,
      resolve_slot = ?, settled_block_time = ?, resolve_event_id = ? WHERE id = ?`),
    insertOrphan: p('INSERT INTO orphan_resolves (trial_id, event) VALUES (?, ?)'),
    deleteOrphan: p('DELETE FROM orphan_resolves WHERE trial_id = ?'),
    addPlayerTotals: p(`UPDATE players SET total_bets = total_bets + ?, total_wins = total_wins + ?, total_losses = total_losses + ?,
      total_wagered = total_wagered + ?, total_payout = total_payout + ? WHERE wallet = ?`),
    addPlayerGame: p(`INSERT INTO player_games (wallet, game, bets, wins, losses, wagered, payout) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (wallet, game) DO UPDATE SET bets = bets + excluded.bets, wins = wins + excluded.wins,
      losses = losses + excluded.losses, wagered = wagered + excluded.wagered, payout = payout + excluded.payout`),
    addCasino: p(`UPDATE casino_totals SET bets = bets + ?, wins = wins + ?, losses = losses + ?, wagered = wagered + ?,
      payout = payout + ?, pending = pending + ?, players = players + ?, last_seq = max(last_seq, ?) WHERE id = 1`),
    addHourly: p(`INSERT INTO hourly (hour, bets, wins, wagered, payout) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (hour) DO UPDATE SET bets = bets + excluded.bets, wins = wins + excluded.wins,
      wagered = wagered + excluded.wagered, payout = payout + excluded.payout`),
    addPlayerHourly: p(`INSERT INTO player_hourly (wallet, hour, bets, wins, wagered, payout) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (wallet, hour) DO UPDATE SET bets = bets + excluded.bets, wins = wins + excluded.wins,
      wagered = wagered + excluded.wagered, payout = payout + excluded.payout`),
    addToWindows: p(addToWindowsSql),
    insertJackpot: p(`INSERT INTO jackpots (id, pool, trial_id, receiver, amount, signature, slot, block_time)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    setCursor: p(`INSERT INTO cursor (id, signature, slot, updated_at) VALUES (1, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET signature = excluded.signature, slot = excluded.slot, updated_at = excluded.updated_at
      WHERE excluded.slot >= cursor.slot`),
    // Only forward, and only beside a stored cursor (see Batch.published).
    setPublished: p(`UPDATE cursor SET published_signature = ?, published_slot = ?
      WHERE id = 1 AND (published_slot IS NULL OR published_slot <= ?)`),

    // reads
    cursor: p('SELECT signature, slot, updated_at, published_signature, published_slot FROM cursor WHERE id = 1'),
    betById: p('SELECT * FROM bets WHERE id = ?'),
    betByRegisterSignature: p(`SELECT * FROM bets WHERE substr(register_signature, 1, 16) = substr(?, 1, 16)
      AND register_signature = ? ORDER BY seq LIMIT 1`),
    betByResolveSignature: p(`SELECT * FROM bets WHERE substr(resolve_signature, 1, 16) = substr(?, 1, 16)
      AND resolve_signature = ? ORDER BY seq LIMIT 1`),
    playerHistory: p('SELECT * FROM bets WHERE player = ? ORDER BY seq DESC LIMIT ? OFFSET ?'),
    playerBetCount: p('SELECT count(*) FROM bets WHERE player = ?').pluck(),
    player: p('SELECT * FROM players WHERE wallet = ?'),
    playerByUsername: p('SELECT * FROM players WHERE lower(username) = lower(?)'),
    playerGames: p('SELECT game, bets, wins, losses, wagered, payout FROM player_games WHERE wallet = ? ORDER BY game'),
    touchPlayer: p('UPDATE players SET last_seen_at = max(last_seen_at, ?) WHERE wallet = ?'),
    countPlayer: p('UPDATE casino_totals SET players = players + 1 WHERE id = 1'),
    setUsername: p('UPDATE players SET username = ? WHERE wallet = ?'),
    usernames: p(`SELECT wallet, username FROM players WHERE ${inJson('wallet')}`),
    casino: p('SELECT * FROM casino_totals WHERE id = 1'),
    hourlyRange: p(`SELECT coalesce(sum(bets), 0) AS bets, coalesce(sum(wins), 0) AS wins, coalesce(sum(wagered), 0) AS wagered,
      coalesce(sum(payout), 0) AS payout FROM hourly WHERE hour BETWEEN ? AND ?`),
    jackpots: p('SELECT * FROM jackpots ORDER BY seq DESC LIMIT ?'),

    // chat, operations
    addChat: p(`INSERT INTO chat_messages (wallet, username, message, created_at)
      VALUES (?, (SELECT username FROM players WHERE wallet = ?), ?, ?) RETURNING id, wallet, username, message, created_at`),
    // The author's name now (see ChatMessage.username).
    listChat: p(`SELECT c.id AS id, c.wallet AS wallet, p.username AS username, c.message AS message, c.created_at AS created_at
      FROM chat_messages AS c LEFT JOIN players AS p ON p.wallet = c.wallet
      WHERE c.deleted_at IS NULL AND c.id < ? ORDER BY c.id DESC LIMIT ?`),
    deleteChat: p('UPDATE chat_messages SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL'),
    addSystemEvent: p('INSERT INTO system_events (type, severity, message, metadata, created_at) VALUES (?, ?, ?, ?, ?)'),
    listSystemEvents: p('SELECT * FROM system_events ORDER BY id DESC LIMIT ?'),
    purgeNonces: p('DELETE FROM used_nonces WHERE expires_at < ?'),
    useNonce: p('INSERT OR IGNORE INTO used_nonces (nonce, expires_at) VALUES (?, ?)'),
    /** A live (not yet purged) row: `purgeNonces` removes those with `expires_at` below now. */
    isNonceUsed: p('SELECT 1 FROM used_nonces WHERE nonce = ? AND expires_at >= ?'),
    ping: p('SELECT 1').pluck(),
  }
}

/** The prepared statements of one connection. */
export type SqliteStatements = ReturnType<typeof prepareStatements>
