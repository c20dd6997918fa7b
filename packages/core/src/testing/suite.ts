import { afterEach, beforeEach, describe } from 'vitest'
import type { CasinoStore } from '../store/types'
import { applyBatchSuite } from './suites/apply-batch'
import { atomicitySuite } from './suites/atomicity'
import { aggregatesSuite } from './suites/aggregates'
import { betsSuite } from './suites/bets'
import { operationsSuite } from './suites/operations'
import { pipelineSuite } from './suites/pipeline'
import { playersSuite } from './suites/players'
import type { SuiteContext } from './suites/context'

/**
 * An optional test hook a store may offer so that the suite can prove `applyBatch` atomic:
 * the NEXT `applyBatch` call throws after it has made `afterWrites` writes inside its transaction
 * (what a write is, is up to the adapter: a row, a statement), or just before committing when the
 * batch makes fewer writes. One shot: the call after that one behaves normally.
 */
export interface FailureInjection {
  failNextBatch(afterWrites: number): void
}

/** True when `store` offers the {@link FailureInjection} hook. */
export function supportsFailureInjection(store: CasinoStore): store is CasinoStore & FailureInjection {
  return typeof (store as Partial<FailureInjection>).failNextBatch === 'function'
}

/** Options of {@link testCasinoStore}. */
export interface TestCasinoStoreOptions<S extends CasinoStore = CasinoStore> {
  /** Disposes of a store after each test (delete its file, drop its schema). @default store.close() */
  teardown?: (store: S) => Promise<void> | void
  /**
   * Arms a failure in the next `applyBatch` of `store` when the store itself has no `failNextBatch`.
   * Without either, the atomicity tests are reported as skipped.
   */
  failNextBatch?: (store: S, afterWrites: number) => void
}

/**
 * The contract suite every `CasinoStore` must pass: call it at the top level of a vitest file.
 * `factory` must return a NEW, EMPTY store each time (the suite calls `migrate()` itself).
 *
 * @example
 * testCasinoStore('sqlite', () => sqliteStore({ file: ':memory:' }))
 */
export function testCasinoStore<S extends CasinoStore>(
  name: string,
  factory: () => Promise<S> | S,
  options: TestCasinoStoreOptions<S> = {},
): void {
  describe(`CasinoStore contract: ${name}`, () => {
    let current: S | undefined
    const extra: S[] = []
    const dispose = async (store: S) => {
      if (options.teardown) await options.teardown(store)
      else await store.close()
    }
    const open = async () => {
      const store = await factory()
      await store.migrate()
      return store
    }

    beforeEach(async () => {
      current = await open()
    })
    afterEach(async () => {
      for (const store of extra.splice(0)) await dispose(store)
      if (current) await dispose(current)
      current = undefined
    })

    const ctx: SuiteContext = {
      store() {
        if (!current) throw new Error('no store: the suite hooks did not run')
        return current
      },
      async fresh() {
        const store = await open()
        extra.push(store)
        return store
      },
      failNextBatch(store, afterWrites) {
        if (supportsFailureInjection(store)) {
          store.failNextBatch(afterWrites)
          return true
        }
        if (options.failNextBatch) {
          options.failNextBatch(store as S, afterWrites)
          return true
        }
        return false
      },
      canInjectFailure: () => {
        if (options.failNextBatch) return true
        if (!current) return false
        return supportsFailureInjection(current)
      },
    }

    applyBatchSuite(ctx)
    atomicitySuite(ctx)
    betsSuite(ctx)
    aggregatesSuite(ctx)
    playersSuite(ctx)
    operationsSuite(ctx)
    pipelineSuite(ctx)
  })
}
