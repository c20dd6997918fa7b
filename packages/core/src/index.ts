/**
 * @fare-casino/core: a casino backend for the Fare Protocol on Solana. The one barrel: named
 * re-exports grouped by module. Inside the package, import the file, never this barrel.
 * test/exports.test.ts lists every name exported here, so that an API change is deliberate.
 */

// The casino
export { createCasino } from './casino'
export type { Casino, CasinoContext, CasinoServer, CasinoState } from './casino'
export type { FetchContext } from './http/host-handlers'

// Config
export { FARE_VAULT_PROGRAM_ID, resolveConfig } from './config'
export { DEFAULT_RESERVED_USERNAMES } from './usernames'
export type {
  AuthOptions, CasinoConfig, CasinoNetwork, CorsConfig, RateLimitConfig, RateLimitRule, ResolvedCasinoConfig,
} from './config'

// Games
export { createGameRegistry, defineGame } from './games/registry'
export type { GameDefinition, GameRegistry } from './games/registry'

// Events
export { casinoEventTypes, createCasinoEvents } from './events'
export type { CasinoEventMap, CasinoEvents, CasinoEventType, ChatDeletion } from './events'

// Logging
export { childLogger, createLogger } from './logger'
export type { CasinoLogger } from './logger'

// Money
export { applyMultiplier, parseAmount } from './money'

// Errors and the storage contract: everything `@fare-casino/core/store` exports (one list, in that entry)
export * from './store/index'
// The in-memory reference store
export { memoryStore } from './store/memory'
export type { MemoryStoreOptions } from './store/memory'

// JSON shapes of the REST API and the live stream (amounts as decimal strings)
export {
  toBetJSON, toCasinoJSON, toChatMessageJSON, toGameJSON, toJackpotJSON, toLeaderboardEntryJSON, toPlayerJSON,
  toStatsJSON, toSystemEventJSON,
} from './serialize'
export type { BetJSON } from './serialize'

// Sign In With Solana
export { issueSignIn, signIn } from './auth/sign-in'
export type { IssuedSignIn, SignInContext, SignInResult } from './auth/sign-in'
export { createNonce, formatSiwsMessage, parseSiwsMessage, siwsChainId } from './solana/siws'
export type { SiwsChainId, SiwsMessage } from './solana/siws'
export { verifySiwsSignature } from './solana/siws-verify'
export { decodeBase58, isWalletAddress } from './solana/address'

// Client IPs behind a proxy (Fly-Client-IP, X-Forwarded-For) and chat, shared by HTTP and WebSocket
export { clientIp } from './http/client-ip'
export type { HeaderReader } from './http/client-ip'
export { postChatMessage } from './http/post-chat'
export { CHAT_MESSAGE_MAX_LENGTH, chatMessageText } from './chat-text'

// JWTs
export { createTokenService } from './auth/tokens'
export type { TokenClaims, TokenService, TokenServiceOptions } from './auth/tokens'

// KV (unstorage): nonces, rate limits, revocations
export { createMemoryKv, getExpiring, setExpiring } from './kv/storage'
export { expiringMemoryDriver } from './kv/memory-driver'
export type { ExpiringMemoryInstance, ExpiringMemoryOptions } from './kv/memory-driver'
export { createRateLimiter } from './kv/rate-limit'
export type { RateLimiter, RateLimitResult } from './kv/rate-limit'

// Indexer
export { createIndexer } from './indexer/indexer'
export { resolveIndexerOptions } from './indexer/options'
export { decodeTransaction, TransactionDecodeError } from './indexer/decode'
export type { DecodeOptions, TransactionDecoding } from './indexer/decode'
export type {
  Indexer, IndexerContext, IndexerFilter, IndexerGame, IndexerLogger, IndexerOptions, IndexerStart, IndexerStatus,
  ResolvedIndexerFilter, ResolvedIndexerOptions,
} from './indexer/types'

// Leadership among instances (only the leader indexes)
export type { CasinoIndexer, CasinoIndexerStatus, IndexerRole, Leader } from './leader'

// Fare Vault events (Anchor layouts, `Program data:` logs)
export {
  decodeVaultEvent, vaultAdminEventNames, vaultEventDiscriminators, vaultEventNames,
} from './solana/vault-events'
export type { VaultEvent, VaultEventDecoding, VaultEventFields, VaultEventName } from './solana/vault-events'
export { encodeVaultEvent } from './solana/vault-events-encode'
export { anchorDiscriminator } from './solana/vault-events-hash'
export { programDataOf } from './solana/logs'
export type { ProgramDataScan } from './solana/logs'

// Solana RPC client
export { createRpcClient, deriveWsUrl } from './solana/rpc'
export type { BatchAnswer, CompiledInstructionJson, RpcClient, RpcClientOptions, SignatureInfo, TokenBalanceJson, TransactionJson } from './solana/rpc'
export { isRetryableRpcCode, isRpcError, RpcError } from './solana/rpc-errors'
export type { RpcErrorKind } from './solana/rpc-errors'
export { subscribeLogs } from './solana/rpc-subscribe'
export type { LogsNotification, LogsSubscription, SocketLike, SubscribeLogsOptions, WebSocketConstructor } from './solana/rpc-subscribe'

// Realtime: the WebSocket stream, its protocol, pub/sub and recovery history
export { createRealtime } from './ws/realtime'
export { PENDING_OVERFLOW_CLOSE } from './ws/realtime'
export type { Realtime, RealtimeContext } from './ws/realtime'
export type { VerifiedToken } from './ws/session'
export type { PublisherRetry } from './ws/publisher'
export { resolveRealtimeOptions } from './ws/options'
export type { RealtimeOptions, ResolvedRealtimeOptions } from './ws/options'
export { SLOW_CONSUMER_CLOSE } from './ws/fanout'
export { fixedChannels, parseClientMessage } from './ws/protocol'
export type { BetFilters, Channel, ClientMessage, ProtocolError, RealtimeErrorCode, Since } from './ws/protocol'
export { memoryPubSub } from './pubsub/memory'
export type { PubSub } from './pubsub/types'
export { randomEpoch } from './ws/history'
export type { HistoryEntry, HistoryHead, HistoryStore } from './ws/history'
export { memoryHistory } from './ws/memory-history'
export type { MemoryHistoryOptions } from './ws/memory-history'
export { redisHistory } from './ws/redis-history'
export type { RedisEvalClient, RedisHistoryOptions } from './ws/redis-history'
