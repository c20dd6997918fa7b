import { CasinoError } from './errors'
import type { Indexer, IndexerStatus } from './indexer/types'
import type { CasinoLogger } from './logger'
import type { BatchResult, CasinoStore } from './store/types'

/**
 * Leadership among casino instances that share a store: exactly one of them runs the indexer.
 * Implemented by `postgresLeader` (`@fare-casino/adapters/postgres`, a session advisory lock) and
 * `redisLeader` (`@fare-casino/adapters/redis`, a lease), passed as `createCasino({ leader })`.
 */
export interface Leader {
  /** Tries to become (or stay) the leader; true when this instance leads. Never waits for the lock. */
  acquire(): Promise<boolean>
  /** True while this instance holds the lease / lock. */
  readonly isLeader: boolean
  /**
   * Grows with every acquisition across all contenders: a write tagged with an older token than the
   * store has seen comes from a deposed leader. Null when not leading.
   */
  readonly fencingToken: number | null
  /** Gives the leadership up (no onLost call). */
  release(): Promise<void>
  /** Calls `cb` when leadership is lost involuntarily (lease expired, connection lost); returns an unsubscribe. */
  onLost(cb: () => void): () => void
}

/** Who indexes: `single` (no leader configured: this instance), `leader` (elected), `follower` (another instance). */
export type IndexerRole = 'single' | 'leader' | 'follower'

/** `casino.indexer.status()`, also shown by `/health/ready` under `checks.indexer.status`. */
export interface CasinoIndexerStatus {
  /** False makes `/health/ready` answer 503: this instance should index and does not, or its commits are stuck. */
  ok: boolean
  /** Why `ok` is false, or a warning (leader election failing); null when all is well. */
  problem: string | null
  role: IndexerRole
  /** The fencing token of the current term; null unless leading. */
  fencingToken: number | null
  /** Transactions wait and nothing was committed for `indexerStallMs`. */
  stalled: boolean
  running: boolean
  /** Caught up with the chain since this term started. */
  live: boolean
  /** Null on a follower (it does not watch the chain). */
  lagSlots: number | null
  lagSeconds: number | null
  lastError: IndexerStatus['lastError']
  /** Everything the running indexer reports; null on a follower. */
  detail: IndexerStatus | null
}

/** The indexer as the casino exposes it: `casino.indexer`. */
export interface CasinoIndexer {
  /** Starts indexing (single) or campaigning for leadership (with a leader). */
  start(): Promise<void>
  /** Stops the indexer, stops campaigning and releases leadership. Idempotent. */
  stop(): Promise<void>
  status(): CasinoIndexerStatus
}

/** What {@link createIndexerSupervisor} needs. */
export interface IndexerSupervisorOptions {
  /** Builds a fresh indexer over `store` (a fenced view of the casino's store when leading). */
  create: (store: CasinoStore) => Indexer
  store: CasinoStore
  leader?: Leader | null
  /** Milliseconds between `acquire()` attempts while not leading. */
  retryMs: number
  /** Milliseconds without a commit, while transactions wait, after which the indexer counts as stuck. */
  stallMs: number
  logger: CasinoLogger
  /** Clock (tests). @default Date.now */
  now?: () => number
}

/**
 * Runs the indexer of one casino instance. Without a leader it simply starts and stops it. With one,
 * only the leader indexes: a follower tries `acquire()` every `retryMs`; on winning it builds a FRESH
 * indexer (which resumes from the durable cursor, so nothing is lost or doubled across a failover) and
 * starts it; on `onLost` it stops it at once. The store the indexer writes through refuses a commit
 * once this instance no longer holds the term it started with (see {@link fencedStore}).
 */
export function createIndexerSupervisor(options: IndexerSupervisorOptions): CasinoIndexer {
  const { leader, logger } = options
  const now = options.now ?? Date.now
  let indexer: Indexer | null = null
  let term: { token: number | null, offLost: () => void } | null = null
  let stopped = true
  let timer: ReturnType<typeof setTimeout> | undefined
  let campaigning: Promise<void> = Promise.resolve()
  /** Indexers still stopping (a loss stops one in the background): stop() waits for them too. */
  let stopping: Promise<unknown> = Promise.resolve()
  let electionError: string | null = null
  // Stall detection: the last time a commit was seen (or nothing was waiting).
  let progress = { transactions: -1, at: now(), idle: true }

  const schedule = () => {
    if (stopped || !leader) return
    clearTimeout(timer)
    timer = setTimeout(() => {
      campaigning = campaign()
    }, options.retryMs)
    timer.unref?.()
  }

  const startIndexer = async (store: CasinoStore) => {
    const next = options.create(store)
    indexer = next
    progress = { transactions: -1, at: now(), idle: true }
    await next.start()
  }

  const resign = async (why: 'lost' | 'stopped') => {
    const current = indexer
    const ended = term
    indexer = null
    term = null
    ended?.offLost()
    if (current) {
      const done = current.stop().catch((error: unknown) => logger.error('indexer failed to stop', { error }))
      stopping = Promise.all([stopping, done])
      await done
    }
    if (why === 'lost') {
      logger.warn('lost the leadership; indexer stopped', { fencingToken: ended?.token ?? null })
      schedule()
    }
  }

  const campaign = async (): Promise<void> => {
    if (stopped || !leader || term) return
    let won: boolean
    try {
      won = await leader.acquire()
      electionError = null
    }
    catch (error) {
      electionError = `leader election failing: ${(error as Error)?.message ?? String(error)}`
      logger.warn('leader election failed; retrying', { error })
      schedule()
      return
    }
    if (!won) return schedule()
    if (stopped) {
      await leader.release().catch(() => {})
      return
    }
    const token = leader.fencingToken
    // Registered before the indexer starts, so a loss during its start is not missed.
    term = { token, offLost: leader.onLost(() => void resign('lost')) }
    logger.info('became the leader; indexing', { fencingToken: token })
    try {
      await startIndexer(fencedStore(options.store, () => leader.isLeader && leader.fencingToken === token, token))
    }
    catch (error) {
      logger.error('indexer failed to start', { error })
      await resign('stopped')
      await leader.release().catch(() => {})
      schedule()
    }
  }

  return {
    async start() {
      if (!stopped) return
      stopped = false
      if (!leader) return startIndexer(options.store)
      campaigning = campaign()
      await campaigning
    },
    async stop() {
      if (stopped) return
      stopped = true
      clearTimeout(timer)
      await campaigning
      await resign('stopped')
      // An indexer stopped on a loss just before may still be stopping: the store must outlive it.
      await stopping
      if (leader) await leader.release().catch((error: unknown) => logger.warn('leadership not released', { error }))
    },
    status() {
      const role: IndexerRole = !leader ? 'single' : term ? 'leader' : 'follower'
      const detail = indexer?.status() ?? null
      const t = now()
      let stalled = false
      if (detail) {
        if (detail.pending === 0 || detail.transactions !== progress.transactions) {
          progress = { transactions: detail.transactions, at: t, idle: detail.pending === 0 }
        }
        else if (progress.idle) {
          // Work appeared since the last look: the stall clock starts now, not at the last idle sample.
          progress = { transactions: detail.transactions, at: t, idle: false }
        }
        stalled = detail.pending > 0 && t - progress.at >= options.stallMs
      }
      const problem = role === 'follower'
        ? electionError
        : stopped ? 'stopped' : !detail?.running ? 'indexer not running' : stalled ? `no commit for ${Math.round((t - progress.at) / 1000)} s while transactions wait` : null
      return {
        // A follower is ready: it serves reads while another instance indexes.
        ok: role === 'follower' ? !stopped : problem === null,
        problem,
        role,
        fencingToken: term?.token ?? null,
        stalled,
        running: detail?.running ?? false,
        live: detail?.live ?? false,
        lagSlots: detail ? detail.lagSlots : null,
        lagSeconds: detail ? detail.lagSeconds : null,
        lastError: detail?.lastError ?? null,
        detail,
      }
    },
  }
}

/**
 * A view of `store` whose writes (`applyBatch`, and `applyPackedBatch` when it has one) first check that
 * this instance still holds its term, so a deposed leader that has noticed its loss can never commit
 * again (the check runs before every commit, including one retried after the loss). It cannot close the
 * window in which a leader has lost its lock without knowing yet; a store-side fencing check would (see
 * docs/deployment.md).
 */
export function fencedStore(store: CasinoStore, holds: () => boolean, token: number | null): CasinoStore {
  const fence = <B>(write: (batch: B) => Promise<BatchResult>) => async (batch: B): Promise<BatchResult> => {
    if (!holds()) throw new CasinoError('NOT_READY', 'not the leader any more: commit refused', { data: { fencingToken: token } })
    return write(batch)
  }
  // Every way of committing: a write path the fence does not name would let a deposed leader write.
  const fenced: Partial<CasinoStore> = {
    applyBatch: fence(store.applyBatch.bind(store)),
    ...(store.applyPackedBatch && { applyPackedBatch: fence(store.applyPackedBatch.bind(store)) }),
  }
  return new Proxy(store, {
    get(target, property) {
      if (property in fenced) return fenced[property as keyof CasinoStore]
      const value = Reflect.get(target, property, target) as unknown
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
}
