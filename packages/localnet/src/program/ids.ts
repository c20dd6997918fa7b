/**
 * Well-known program ids and the Fare Vault's Anchor discriminators.
 * Discriminators are derived the way Anchor derives them (sha256 of a namespaced name, first 8 bytes)
 * instead of being pasted in, so a typo cannot go unnoticed; the tests pin them to the IDL values.
 */
import { createHash } from 'node:crypto'

/** The Fare Vault program id (mainnet and this localnet). */
export const FARE_VAULT_PROGRAM_ID = 'FAREvmepkHArRWwLjHmwPQGL9Byg8iKF3hu1vewxTSXe'
/** SPL Token program. */
export const TOKEN_PROGRAM_ID = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA'
/** Associated Token Account program (only used to derive token account addresses). */
export const ASSOCIATED_TOKEN_PROGRAM_ID = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL'
/** System program. */
export const SYSTEM_PROGRAM_ID = '11111111111111111111111111111111'

/** First 8 bytes of sha256(`<namespace>:<name>`), Anchor's discriminator rule. */
export function anchorDiscriminator(namespace: 'global' | 'event' | 'account', name: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`${namespace}:${name}`).digest().subarray(0, 8))
}

/** Instruction discriminators (sha256("global:<snake_name>")[0..8]). */
export const INSTRUCTION_DISCRIMINATORS = {
  trial_register: anchorDiscriminator('global', 'trial_register'),
  trial_resolve_rand: anchorDiscriminator('global', 'trial_resolve_rand'),
  pool_register: anchorDiscriminator('global', 'pool_register'),
} as const

/** Names of the Fare Vault events this package can encode and decode. */
export const FARE_EVENT_NAMES = [
  'TrialRegistered',
  'TrialResolved',
  'FeeCharged',
  'PoolRegistered',
  'PoolAccumulatedAmountUpdated',
  'PoolAccumulatedAmountReleased',
] as const

/** One of {@link FARE_EVENT_NAMES}. */
export type FareEventName = (typeof FARE_EVENT_NAMES)[number]

/** Event discriminators (sha256("event:<Name>")[0..8]), keyed by event name. */
export const EVENT_DISCRIMINATORS: Readonly<Record<FareEventName, Uint8Array>> = Object.fromEntries(
  FARE_EVENT_NAMES.map((n) => [n, anchorDiscriminator('event', n)]),
) as Record<FareEventName, Uint8Array>

/** Anchor error codes of the Fare Vault that the simulator can raise. */
export const FARE_VAULT_ERRORS = {
  InvalidMultiplier: { code: 6008, msg: 'The multiplier must be positive' },
  EVTooHigh: { code: 6013, msg: 'The expected value is too high' },
} as const
