// Errors
export { CasinoError, errorStatus, isCasinoError } from './errors'
export type { CasinoErrorCode } from './errors'

// Events
export { casinoEventTypes, createCasinoEvents } from './events'
export type { CasinoEventMap, CasinoEvents, CasinoEventType } from './events'

// Money
export { applyMultiplier, parseAmount } from './money'

// Storage contract and the in-memory reference store
export type * from './store/types'
export { memoryStore } from './store/memory'
export type { MemoryStoreOptions } from './store/memory'
export { batchKeys, hourOf, planBatch, settleBet, withDelta, zeroTotals } from './store/plan'
export type { BatchPlan, BatchState, PlayerDelta } from './store/plan'
export { rankLeaderboard } from './store/leaderboard'
export { decodeBetCursor, encodeBetCursor } from './store/cursor'
export { windowStartHour } from './store/windows'
