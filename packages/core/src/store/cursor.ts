import { CasinoError } from '../errors'

/**
 * Bet pages are keyed by `seq`, which only grows: a page that starts below a seq never sees a bet
 * inserted later, so pagination stays stable while the indexer writes. The cursor is opaque to clients.
 */

/** Encodes the seq of the last bet of a page as an opaque cursor. */
export function encodeBetCursor(seq: number): string {
  return btoa(`s${seq}`).replace(/=+$/, '')
}

/** Decodes a cursor from {@link encodeBetCursor}; throws `INVALID_CURSOR` on anything else. */
export function decodeBetCursor(cursor: string): number {
  let text: string
  try {
    text = atob(cursor)
  }
  catch {
    throw new CasinoError('INVALID_CURSOR', 'cursor is not valid')
  }
  const match = /^s(\d{1,15})$/.exec(text)
  if (!match) throw new CasinoError('INVALID_CURSOR', 'cursor is not valid')
  return Number(match[1])
}
