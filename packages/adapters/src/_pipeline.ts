import { CasinoError } from '@fare-casino/core/store'
import type { BatchResult } from '@fare-casino/core/store'

/**
 * Pipelined `applyBatch` (`pipelinesBatches`), what the Postgres and Redis stores share: which batch a
 * new call is planned behind, and the refusal when it cannot be written.
 */

/**
 * A batch of one store whose `applyBatch` has not settled: what a batch called behind it plans against
 * (`P`, once planned), and what that batch waits for.
 */
export interface PendingBatch<P> {
  /** What the batch leaves for one planned behind it, or undefined when it failed before planning. */
  readonly planned: Promise<P | undefined>
  /** Resolves once it holds the store's write lock (stores that take one), or once it settled. */
  readonly locked: Promise<void>
  /** True once committed, false once failed. */
  readonly committed: Promise<boolean>
  /** The batch called before it, while that one was still pending (cleared once this one settles). */
  after: PendingBatch<P> | undefined
}

/** What one `applyBatch` call gets from {@link createBatchChain}. */
export interface ChainedCall<P> {
  /** The batch still pending when this one was called: plan behind it. */
  after: PendingBatch<P> | undefined
  /** Tells a batch called behind this one what it plans against. */
  onPlanned: (planned: P) => void
  /** Tells a batch called behind this one that this one holds the write lock. */
  onLocked: () => void
}

/**
 * The batches of one store in call order: each call learns the batch still pending before it. A batch
 * is forgotten once settled, before its caller's `await` returns, so calls made one after another
 * never pipeline, and a chain of settled batches is never kept alive.
 */
export function createBatchChain<P>() {
  let pending: PendingBatch<P> | undefined
  return {
    /** Runs `apply` as the newest batch of the chain. */
    run(apply: (call: ChainedCall<P>) => Promise<BatchResult>): Promise<BatchResult> {
      let planned!: (value: P | undefined) => void
      let locked!: () => void
      const after = pending
      const run = apply({ after, onPlanned: value => planned(value), onLocked: () => locked() })
      const self: PendingBatch<P> = {
        planned: new Promise((resolve) => {
          planned = resolve
        }),
        locked: new Promise((resolve) => {
          locked = resolve
        }),
        committed: run.then(() => true, () => false),
        after,
      }
      pending = self
      return run.finally(() => {
        // Settled either way: a failure before planning or locking says so to the batch behind.
        planned(undefined)
        locked()
        self.after = undefined
        if (pending === self) pending = undefined
      })
    },
  }
}

/** The transient refusal of a pipelined batch: nothing of it was written, and it may be applied again. */
export function notWritten(why: string): CasinoError {
  return new CasinoError('STORE_ERROR', `pipelined batch not written: ${why}; apply it again`)
}
