import type { CasinoStore } from '../../store/types'

/** What the parts of the contract suite share: the store of the running test and a few helpers. */
export interface SuiteContext {
  /** The fresh, migrated store of the running test. */
  store(): CasinoStore
  /** Another fresh, migrated store from the factory, disposed of after the test. */
  fresh(): Promise<CasinoStore>
  /** Arms the failure hook on `store`; false when the adapter offers none. */
  failNextBatch(store: CasinoStore, afterWrites: number): boolean
  /** True when the store of the running test can be made to fail mid-batch. */
  canInjectFailure(): boolean
}
