import { isCasinoError } from '../errors'

/**
 * Telling a commit that will never succeed from one that may succeed later. A store that is down, a
 * timeout or a lost lock heal by themselves, so the pipeline keeps retrying them (skipping could lose
 * a bet); but a store that refuses a value (an amount past its 64-bit integers, a CHECK) refuses it
 * again on every attempt, and retrying it forever would stop the casino's ingestion for good.
 */

/** CasinoError codes that say "try again later". */
const TRANSIENT_CODES = new Set(['STORE_ERROR', 'NOT_READY', 'INTERNAL', 'RATE_LIMITED'])

/**
 * A stable key for an error that will recur on every attempt with the same batch, or undefined for an
 * error worth retrying. Two failures with the same key are the same refusal.
 */
export function permanentCommitErrorKey(error: unknown): string | undefined {
  if (isCasinoError(error)) return TRANSIENT_CODES.has(error.code) ? undefined : `casino:${error.code}`
  // Deterministic conversions: a bigint a driver cannot bind, BigInt() of a bad value. Not memory that
  // ran out (V8 says so with a RangeError too): that heals, and splitting a group for it would skip bets.
  if (error instanceof RangeError) return /allocation failed|out of memory/i.test(error.message) ? undefined : `range:${error.message}`
  // Postgres SQLSTATE class 22 (data exception: numeric_value_out_of_range...) and CHECK violations.
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string' && /^(?:22[0-9A-Z]{3}|23514)$/.test(code)) return `sqlstate:${code}`
  return undefined
}

/** Thrown by a commit attempt once the same permanent error has come back enough times. */
export class PermanentCommitError extends Error {
  override readonly name = 'PermanentCommitError'
  constructor(readonly key: string, override readonly cause: unknown) {
    super((cause as Error)?.message ?? String(cause))
  }
}
