import { expect, it } from 'vitest'
import * as core from '@fare-casino/core'
// Type-only exports vanish at runtime: importing them here makes `pnpm typecheck` fail when one goes.
import type {
  Casino, CasinoConfig, CasinoIndexer, CasinoIndexerStatus, CasinoStore, HistoryStore, Indexer, IndexerOptions,
  IndexerStatus, Leader, PubSub, Realtime, RealtimeOptions, ResolvedCasinoConfig,
} from '@fare-casino/core'

/** The names `@fare-casino/core` exports, sorted: changing the public API means changing this list. */
const exported = [
  'CHAT_MESSAGE_MAX_LENGTH', 'CasinoError', 'DEFAULT_RESERVED_USERNAMES', 'FARE_VAULT_PROGRAM_ID', 'PENDING_OVERFLOW_CLOSE', 'RpcError', 'SLOW_CONSUMER_CLOSE',
  'TransactionDecodeError', 'anchorDiscriminator', 'applyMultiplier', 'applyOverlay', 'batchKeys', 'casinoEventTypes', 'chatMessageText', 'childLogger',
  'clientIp', 'createCasino', 'createCasinoEvents', 'createGameRegistry', 'createIndexer', 'createLogger', 'createMemoryKv',
  'createNonce', 'createRateLimiter', 'createRealtime', 'createRpcClient', 'createTokenService', 'decodeBase58',
  'decodeBetCursor', 'decodeFees', 'decodeTransaction', 'decodeVaultEvent', 'defineGame', 'deriveWsUrl', 'encodeBetCursor',
  'encodeFees', 'encodeVaultEvent', 'errorStatus', 'expiringMemoryDriver', 'feesOfPairs', 'fixedChannels', 'formatSiwsMessage', 'getExpiring', 'hourOf', 'ignoredEventsReport',
  'isCasinoError', 'isChatMessageId', 'isChatPosition', 'isRetryableRpcCode', 'isRpcError', 'isWalletAddress', 'issueSignIn', 'memoryHistory', 'memoryPubSub',
  'memoryStore', 'overlayOf', 'packBatchResult', 'packTransactions', 'parseAmount', 'parseClientMessage', 'parseSiwsMessage', 'planBatch', 'postChatMessage', 'programDataOf',
  'randomEpoch', 'rankLeaderboard', 'redisHistory', 'resolveConfig', 'resolveIndexerOptions', 'resolveRealtimeOptions',
  'setExpiring', 'settleBet', 'signIn', 'siwsChainId', 'subscribeLogs', 'toBetJSON', 'toCasinoJSON', 'toChatMessageJSON',
  'toGameJSON', 'toJackpotJSON', 'toLeaderboardEntryJSON', 'toPlayerJSON', 'toStatsJSON', 'toSystemEventJSON',
  'unpackBatchResult', 'unpackEvents', 'unpackTransaction', 'vaultAdminEventNames', 'vaultEventDiscriminators', 'vaultEventNames', 'verifySiwsSignature', 'windowStartHour',
  'withDelta', 'zeroTotals',
]

it('exports a deliberate list of names from @fare-casino/core', () => {
  expect(Object.keys(core).sort()).toEqual(exported)
})

it('exports the types a casino is assembled from', () => {
  // Each type is used, so a removed or renamed one fails the type-check of this file.
  type Api = [Casino, CasinoIndexer, CasinoIndexerStatus, CasinoStore, HistoryStore, Indexer, IndexerOptions, IndexerStatus, Leader, PubSub, Realtime, RealtimeOptions, ResolvedCasinoConfig]
  const arity: Api['length'] = 13
  const config: Pick<CasinoConfig, 'leader' | 'pubsub' | 'history' | 'realtime' | 'indexer'> = { indexer: false, realtime: false }
  expect([arity, config]).toEqual([13, { indexer: false, realtime: false }])
})
