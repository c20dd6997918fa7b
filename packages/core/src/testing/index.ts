/**
 * `@fare-casino/core/testing`: the contract suite every `CasinoStore` runs, and the fixtures it is
 * built from. Needs vitest (an optional peer dependency of `@fare-casino/core`).
 */

// The contract suite
export { supportsFailureInjection, testCasinoStore } from './suite'
export type { FailureInjection, TestCasinoStoreOptions } from './suite'

// Fixtures: chain events, batches, seeded workloads
export {
  coinFlipQK, createRng, generateWorkload, makeBatch, makeJackpot, makeRegister, makeResolve, randomSignature, vaultFees,
  randomWallet, testPool,
} from './fixtures'
export type { RegisterInput, ResolveInput, Rng, Workload, WorkloadOptions } from './fixtures'

// Assertions helpers: what a store shows, and what its counters must add up to
export { listAllBets, recomputeTotals, snapshotStore, windowTotals } from './inspect'
export type { RecomputedTotals, StoreSnapshot } from './inspect'
