import type { Sql, TransactionSql } from 'postgres'

/**
 * Error codes after which the session is gone: postgres.js's own (the socket closed or timed out), the
 * server's connection exceptions (class 08) and shutdowns (57P01 to 57P03: `pg_terminate_backend`, a
 * failover, a restart), and the socket's.
 */
const LOST_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'])

/** True for an error that says the connection (and with it the transaction) is gone. */
export function lostConnection(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && (LOST_CODES.has(code) || /^(?:08[0-9A-Z]{3}|57P0[123])$/.test(code))
}

/** How long a transaction whose connection was lost waits for postgres.js to report the close (ms). */
const CLOSE_WAIT_MS = 10_000

/**
 * `sql.begin(fn)`, except on a connection the server dropped mid-transaction (a backend killed, a
 * failover). There postgres.js 3.4 still sent its ROLLBACK: a write to the closed socket from a
 * `setImmediate`, an uncaught TypeError that ended the process (porsager/postgres#1154, #1208). So
 * when `fn` fails for a lost connection, its promise is left pending instead (the server rolled back
 * when the session ended), and the transaction rejects as postgres.js reports the close; or, should
 * that never come, with the error itself after {@link CLOSE_WAIT_MS}.
 */
export async function transaction<T>(sql: Sql, fn: (tx: TransactionSql) => Promise<T>): Promise<T> {
  let onLost!: (error: unknown) => void
  const lost = new Promise<never>((_, reject) => {
    onLost = error => setTimeout(reject, CLOSE_WAIT_MS, error).unref()
  })
  // A rejection nobody waits for when the transaction settles first.
  lost.catch(() => {})
  const run = sql.begin(async (tx) => {
    try {
      return await fn(tx)
    }
    catch (error) {
      if (!lostConnection(error)) throw error
      onLost(error)
      return new Promise<never>(() => {})
    }
  }) as Promise<T>
  return Promise.race([run, lost])
}
