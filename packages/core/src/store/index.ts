/**
 * `@fare-casino/core/store`: the storage contract and the batch planner, without the server.
 *
 * What a store adapter needs (the contract's types, `planBatch` and its helpers, `CasinoError`) and
 * nothing else: no h3, crossws, jose or unstorage. A worker thread that writes batches (the SQLite
 * writer) loads this in ~20 ms instead of ~150 ms for the whole package, and holds less memory.
 * Every name here is also exported by `@fare-casino/core`, from the same modules.
 */

export { CasinoError, errorStatus, isCasinoError } from '../errors'
export type { CasinoErrorCode } from '../errors'
export type * from './types'
export { batchKeys, hourOf, planBatch, settleBet, withDelta, zeroTotals } from './plan'
export type { BatchPlan, BatchState, PlayerDelta } from './plan'
export { ignoredEventsReport } from './ignored-report'
export { applyOverlay, overlayOf } from './overlay'
export type { BatchOverlay } from './overlay'
export { rankLeaderboard } from './leaderboard'
export { decodeBetCursor, encodeBetCursor } from './cursor'
export { windowStartHour } from './windows'
export { isChatMessageId, isChatPosition } from './chat-ids'
export { decodeFees, encodeFees, feesOfPairs } from './fees'
export { packTransactions, unpackEvents, unpackTransaction } from './packed'
export type { PackedEvents, PackedPart } from './packed'
export { packBatchResult, unpackBatchResult } from './packed-result'
export type { PackedBatchResult } from './packed-result'
