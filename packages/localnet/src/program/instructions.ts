/**
 * Instruction builders: the two Fare Vault instructions (Anchor data = discriminator ‖ borsh args,
 * accounts in IDL order) and the SPL Token / System instructions the vault invokes by CPI.
 * Instructions are plain objects over base58 strings (no PublicKey round trips, which dominate
 * the cost of a bet); {@link toTransactionInstruction} gives the web3.js form.
 */
import { PublicKey, TransactionInstruction } from '@solana/web3.js'
import { BorshWriter } from './borsh'
import type { QkPair } from './events'
import { FARE_VAULT_PROGRAM_ID, INSTRUCTION_DISCRIMINATORS, SYSTEM_PROGRAM_ID, TOKEN_PROGRAM_ID } from './ids'

/** An account of an instruction. */
export interface IxAccount {
  address: string
  signer: boolean
  writable: boolean
}

/** An instruction before compilation. */
export interface Ix {
  programId: string
  keys: IxAccount[]
  data: Uint8Array
}

/** The web3.js TransactionInstruction for an instruction. */
export function toTransactionInstruction(ix: Ix): TransactionInstruction {
  return new TransactionInstruction({
    programId: new PublicKey(ix.programId),
    keys: ix.keys.map((k) => ({ pubkey: new PublicKey(k.address), isSigner: k.signer, isWritable: k.writable })),
    data: Buffer.from(ix.data),
  })
}

function acc(address: string, writable: boolean, signer = false): IxAccount {
  return { address, signer, writable }
}

/** Accounts of trial_register, in IDL order. */
export interface TrialRegisterAccounts {
  vaultState: string
  payer: string
  trial: string
  pool: string
  netToken: string
  hostToken: string
  mint: string
  payerToken: string
}

/** Args of trial_register. `mult` is the wager as f64 (base units). */
export interface TrialRegisterArgs {
  qk: ReadonlyArray<QkPair>
  mult: number
  extraDataHash: string
}

/** Builds trial_register; account order is what indexers rely on (host_token is account #5). */
export function trialRegisterInstruction(a: TrialRegisterAccounts, args: TrialRegisterArgs): Ix {
  const data = new BorshWriter(64 + args.qk.length * 16)
    .bytes(INSTRUCTION_DISCRIMINATORS.trial_register)
    .qk(args.qk)
    .f64(args.mult)
    .string(args.extraDataHash)
    .finish()
  return {
    programId: FARE_VAULT_PROGRAM_ID,
    keys: [
      acc(a.vaultState, true),
      acc(a.payer, true, true),
      acc(a.trial, true, true),
      acc(a.pool, true),
      acc(a.netToken, true),
      acc(a.hostToken, true),
      acc(a.mint, true),
      acc(a.payerToken, true),
      acc(TOKEN_PROGRAM_ID, false),
      acc(SYSTEM_PROGRAM_ID, false),
    ],
    data,
  }
}

/** Accounts of trial_resolve_rand, in IDL order. */
export interface TrialResolveAccounts {
  user: string
  vaultState: string
  trial: string
  pool: string
  netToken: string
  hostToken: string
  mint: string
  userToken: string
  multisigAuthority: string
  vaultMintSigner: string
  resolver: string
}

/** Builds trial_resolve_rand with its 64 random bytes. */
export function trialResolveInstruction(a: TrialResolveAccounts, randomness: Uint8Array): Ix {
  if (randomness.length !== 64) throw new RangeError('randomness must be 64 bytes')
  const data = new BorshWriter(72).bytes(INSTRUCTION_DISCRIMINATORS.trial_resolve_rand).bytes(randomness).finish()
  return {
    programId: FARE_VAULT_PROGRAM_ID,
    keys: [
      acc(a.user, true),
      acc(a.vaultState, true),
      acc(a.trial, true),
      acc(a.pool, true),
      acc(a.netToken, true),
      acc(a.hostToken, true),
      acc(a.mint, true),
      acc(a.userToken, true),
      acc(a.multisigAuthority, false),
      acc(a.vaultMintSigner, false),
      acc(TOKEN_PROGRAM_ID, false),
      acc(a.resolver, true, true),
    ],
    data,
  }
}

/** SPL Token instruction tags used by the simulator. */
export const TOKEN_IX = { transfer: 3, mintTo: 7, burn: 8 } as const

/** SPL Token instruction data: one tag byte and a u64 amount. */
export function tokenInstructionData(tag: number, amount: bigint): Uint8Array {
  return new BorshWriter(9).u8(tag).u64(amount).finish()
}

/** System CreateAccount data: u32 tag 0, lamports u64, space u64, owner pubkey. */
export function createAccountData(lamports: bigint, space: bigint, owner: string): Uint8Array {
  return new BorshWriter(52).u32(0).u64(lamports).u64(space).pubkey(owner).finish()
}
