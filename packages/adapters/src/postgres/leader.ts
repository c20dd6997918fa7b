import postgres, { type Options } from 'postgres'
import type { Leader } from '@fare-casino/core'
import { createTerm, createValidity } from '../_term'
import { reconnectDelay } from './reconnect'

/** Options of {@link postgresLeader}. */
export interface PostgresLeaderOptions {
  /** Name of the lock; hashed to the advisory lock key. @default 'fare-casino:indexer' */
  name?: string
  /** Schema of the fencing sequence `fare_leader_fence`. @default 'public' */
  schema?: string
  /**
   * How often the leader checks, in ms, that its connection still holds the lock. Leadership lasts two
   * checks past the last one that answered: a connection gone silent (a partition, a failed-over
   * database host) ends it then, although its checks never fail. @default 2000
   */
  checkEveryMs?: number
  /** `postgres://...`; the leader opens its own single connection, the one that holds the lock. */
  url: string
  /** Extra postgres.js options for that connection. */
  connection?: Options<Record<string, never>>
}

/**
 * Leader election with a Postgres session advisory lock (`pg_try_advisory_lock`) held on a dedicated
 * connection (its own client with one connection that is never recycled, so the lock is not dropped
 * by a pool): when the leader's process dies its connection closes and Postgres frees the lock, so
 * the next `acquire()` of another instance wins. Each acquisition takes a fencing token from a
 * sequence. The leader checks its lock every `checkEveryMs`; a failed check (connection lost or
 * terminated) means leadership is lost, and so does no answer for two periods: the server frees the lock
 * of a session it considers gone while this side may still wait on a silent socket.
 */
export function postgresLeader(options: PostgresLeaderOptions): Leader & { close(): Promise<void> } {
  const name = options.name ?? 'fare-casino:indexer'
  const schema = options.schema ?? 'public'
  const every = options.checkEveryMs ?? 2000
  // One connection, never recycled by age or idleness: the lock lives exactly as long as it does. After a
  // lost connection postgres.js reconnects on the next query, to a new session that holds no lock.
  // 0 disables both timers. No array types (see postgresStore): their fetch could end the process.
  const sql = postgres(options.url, { onnotice: () => {}, fetch_types: false, backoff: reconnectDelay, ...options.connection, max: 1, max_lifetime: 0, idle_timeout: 0 })
  const term = createTerm()
  // Until when the lock last seen held counts as held (see createValidity): two check periods.
  const validity = createValidity()
  const validFor = 2 * every
  const held = () => term.token !== null && validity.held()
  let checking = false
  const check = () => {
    // A check that never answers (a silent connection: postgres.js waits on it without a deadline) must not
    // keep this process leading while another may already hold the lock the server freed.
    if (!validity.held()) {
      term.lose()
      return
    }
    if (checking) return
    checking = true
    const started = validity.now()
    holds().then(
      (yes) => {
        if (yes) validity.grant(started, validFor)
        else term.lose()
      },
      () => term.lose(),
    ).finally(() => {
      checking = false
    })
  }
  /**
   * `query`, or a rejection once `validFor` passes without an answer: an election on a silent connection
   * is lost, never waited on (a casino closing waits for the election under way).
   */
  const answered = <T>(query: Promise<T>): Promise<T> => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`postgres did not answer within ${validFor} ms`)), validFor)
    query.then(resolve, reject).finally(() => clearTimeout(timer))
  })
  const seq = sql(`${schema}.fare_leader_fence`)
  const holds = async (): Promise<boolean> => {
    const [row] = await sql<{ held: boolean }[]>`
      SELECT EXISTS (
        SELECT 1 FROM pg_locks, (SELECT hashtextextended(${name}, 0) AS k) AS key
        WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND objsubid = 1
          AND classid = ((key.k >> 32) & 4294967295)::oid AND objid = (key.k & 4294967295)::oid
      ) AS held`
    return row?.held === true
  }

  return {
    get isLeader() {
      return held()
    },
    get fencingToken() {
      return term.token
    },
    async acquire() {
      if (term.token !== null) {
        const started = validity.now()
        try {
          if (await answered(holds())) {
            validity.grant(started, validFor)
            return true
          }
        }
        catch {}
        term.lose()
        return false
      }
      const c = sql
      let locked = false
      const started = validity.now()
      try {
        // A term lost on a session that still holds the lock (a check that answered too late): leading again
        // needs no second lock, which would count twice (session locks nest) and outlive the next release.
        const already = await answered(holds())
        const [row] = already ? [{ ok: true }] : await answered(c<{ ok: boolean }[]>`SELECT pg_try_advisory_lock(hashtextextended(${name}, 0)) AS ok`)
        if (!row?.ok) {
          term.end()
          return false
        }
        locked = true
        // The sequence is created by the first leader; a concurrent creator is harmless.
        await answered(c`CREATE SEQUENCE IF NOT EXISTS ${seq}`).catch(() => {})
        const [next] = await answered(c<{ v: string }[]>`SELECT nextval(${`${schema}.fare_leader_fence`}::regclass) AS v`)
        term.begin(Number(next!.v))
        validity.grant(started, validFor)
      }
      catch (error) {
        // Won but not taken up (no fencing token, e.g. no right to create the sequence in `schema`): the
        // lock is let go, or this session would hold it (once more at each retry) while nobody leads.
        if (locked) await answered(c`SELECT pg_advisory_unlock(hashtextextended(${name}, 0))`).catch(() => {})
        term.end()
        throw error
      }
      term.watch(check, every)
      return true
    },
    async release() {
      // Bounded: on a silent connection the unlock never answers (the server frees the lock with the session).
      if (term.token !== null) await answered(sql`SELECT pg_advisory_unlock(hashtextextended(${name}, 0))`).catch(() => {})
      term.end()
      validity.reset()
    },
    onLost: term.onLost,
    async close() {
      await this.release()
      await sql.end({ timeout: 5 })
    },
  }
}
