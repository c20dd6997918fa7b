/**
 * The stored form of a landed transaction: the real signed web3.js transaction plus the
 * execution metadata a node would record for it.
 */
import type { CompiledMessage } from '../sim/tx-builder'

/** A TransactionError as it appears on the wire, e.g. `{"InstructionError":[0,{"Custom":6013}]}`. */
export type TransactionErrorJson = { InstructionError: [number, { Custom: number } | string] } | string

/** An instruction in account-index form (top level or inner). */
export interface CompiledIx {
  programIdIndex: number
  accounts: number[]
  data: Uint8Array
  /** 1 for top level, 2 for a CPI made by a top-level instruction, ... */
  stackHeight: number
}

/** A token account balance snapshot (pre or post). */
export interface TokenBalance {
  accountIndex: number
  mint: string
  owner: string
  programId: string
  amount: bigint
  decimals: number
}

/** Execution metadata (`meta`) of a transaction. */
export interface TxMeta {
  err: TransactionErrorJson | null
  fee: number
  preBalances: bigint[]
  postBalances: bigint[]
  preTokenBalances: TokenBalance[]
  postTokenBalances: TokenBalance[]
  innerInstructions: Array<{ index: number; instructions: CompiledIx[] }>
  logMessages: string[]
  computeUnitsConsumed: number
  costUnits: number
}

/** A transaction ready to land: what the simulator produces. */
export interface PreparedTx {
  signature: string
  /** All signatures, base58, fee payer first. */
  signatures: string[]
  /** The compiled message. */
  message: CompiledMessage
  /** The signed transaction in wire format (`VersionedTransaction.deserialize` reads it). */
  wire: Uint8Array
  version: 'legacy' | 0
  /** Writable flag for each entry of accountKeys. */
  writable: boolean[]
  /** Full account index space: static keys, then loaded writable, then loaded readonly. */
  accountKeys: string[]
  loaded: { writable: string[]; readonly: string[] }
  meta: TxMeta
}

/** A landed transaction with its position in the ledger. */
export interface TxRecord extends PreparedTx {
  /** Ledger-wide order, increasing. */
  seq: number
  slot: number
  transactionIndex: number
  blockTime: number
}

/** Commitment levels a client can ask for. */
export type Commitment = 'processed' | 'confirmed' | 'finalized'
