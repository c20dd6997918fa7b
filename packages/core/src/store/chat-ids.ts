/**
 * Chat message ids are the decimal strings of a store's counter (SQLite's rowid, a Postgres bigserial,
 * a Redis INCR), at most 15 digits so that every store reads them exactly as numbers. Written another
 * way (`007`), an id names no message in any store: SQLite and Postgres read `007` as 7 and deleted
 * message 7, while Redis and memory compared the strings and found none.
 */

/** True when `id` is a chat message id as a store hands them out: 1 to 15 digits, no leading zero. */
export function isChatMessageId(id: string): boolean {
  return /^[1-9]\d{0,14}$/.test(id)
}

/**
 * True when `before` can position a page of chat: any decimal of 1 to 15 digits, compared as a number
 * (`007` pages from before message 7). Anything else names no message, so nothing is before it.
 */
export function isChatPosition(before: string): boolean {
  return /^\d{1,15}$/.test(before)
}
