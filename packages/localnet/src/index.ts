/**
 * @fare-casino/localnet: a local Solana JSON-RPC + WebSocket server simulating the Fare Vault.
 */

// Server
export { startLocalnet } from './localnet'
export type {
  CreatePlayerOptions,
  Localnet,
  LocalnetOptions,
  LocalnetPlayer,
  LocalnetStats,
  PlaceBetOptions,
  PlacedBet,
  SpoofOptions,
  TrialOutcome,
} from './localnet'
export type { Bot, BotOptions } from './bot'
export type { FaultOptions, FaultStats, HttpFaultKind } from './faults'

// Games
export { defaultGames, gameHash, pickOutcome } from './games'
export type { LocalnetGame } from './games'

// Fare Vault program layouts (also used to build golden fixtures)
export { decodeEvent, encodeEvent, encodeEventBase64, encodeEventLog, FEE_TYPES } from './program/events'
export type { FareEvent, FareEventFields, QkPair } from './program/events'
export {
  anchorDiscriminator,
  EVENT_DISCRIMINATORS,
  FARE_EVENT_NAMES,
  FARE_VAULT_PROGRAM_ID,
  INSTRUCTION_DISCRIMINATORS,
  SYSTEM_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
} from './program/ids'
export type { FareEventName } from './program/ids'
export { trialRegisterInstruction, trialResolveInstruction } from './program/instructions'
export type { TrialRegisterAccounts, TrialRegisterArgs, TrialResolveAccounts } from './program/instructions'
export { FEE_BPS } from './sim/vault'
export { associatedTokenAddress, MINT_DECIMALS } from './sim/world'
