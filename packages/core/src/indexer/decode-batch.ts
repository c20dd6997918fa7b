import { RpcError } from '../solana/rpc-errors'
import { type BatchAnswer, parseRpcBody, readTransactionsBatch, type TransactionJson } from '../solana/rpc'
import type { ChainEvent } from '../store/types'
import { decodeTransaction, type DecodeOptions, TransactionDecodeError } from './decode'

/**
 * From fetched transactions to what the pipeline commits, in one pure step that runs on the main
 * thread or on the decode thread alike (see `decode-thread.ts`): a getTransaction batch body goes in,
 * and out come, per signature, the casino's events, or "not served yet", or the call's own error.
 */

/** A served transaction, decoded. */
export interface DecodedTransaction {
  slot: number
  /** This casino's events, in program order (empty when undecodable, or when `packed`). */
  events: ChainEvent[]
  /**
   * Set instead of `events` by the decode thread: its events are transaction `index` of `bytes`, the
   * fetch batch's events as `packTransactions` wrote them, `count` of them.
   */
  packed?: { bytes: Uint8Array, index: number, count: number }
  /** Something an operator should know, without blocking ingestion. */
  warnings: string[]
  /** Why the vault data cannot be decoded, ever (the transaction is recorded and skipped), or null. */
  undecodable: string | null
}

/** One signature's answer: decoded, null when the node has not served it fully yet, or the call's error. */
export type DecodedAnswer = { ok: true, value: DecodedTransaction | null } | { ok: false, error: RpcError }

/** What a batch was asked for: the signatures in order, the id of the first call, and listed block times. */
export interface DecodeRequest {
  first: number
  signatures: string[]
  /** The signature listing's block time of each (used when the node leaves `blockTime` null). */
  blockTimes: (number | null)[]
}

/**
 * True for a transaction the node has fully served. A lagging node (behind a load balancer) may answer
 * null, or the transaction without its `meta` (no logs, no status yet): both mean "not yet", to fetch
 * again, never "undecodable" (which would skip the bet for good).
 */
function isServed(tx: TransactionJson | null | undefined): tx is TransactionJson {
  return tx !== null && tx !== undefined && tx.meta !== null && tx.meta !== undefined
}

/**
 * True when `tx` is the transaction of `signature` (its first signature is the transaction's id). A
 * proxy that mixes up the answers of a batch would otherwise have one transaction's events stored under
 * another's signature, and the other's bets never.
 */
function isTransactionOf(tx: TransactionJson, signature: string): boolean {
  return tx.transaction?.signatures?.[0] === signature
}

/** The error of an answer that is another transaction than the one asked for: retried, like a bad answer. */
function wrongTransaction(signature: string, tx: TransactionJson): RpcError {
  const got = String(tx.transaction?.signatures?.[0] ?? 'none').slice(0, 100)
  return new RpcError('getTransaction', 'invalid-response', `the node answered for ${signature} with another transaction (${got})`, { retryable: true })
}

/** Decodes a served transaction; a transaction that can never be decoded says why instead of throwing. */
export function decodeServed(tx: TransactionJson, signature: string, options: DecodeOptions, fallbackBlockTime: number | null): DecodedTransaction {
  try {
    const decoded = decodeTransaction(tx, signature, options, fallbackBlockTime)
    return { slot: tx.slot, events: decoded.events, warnings: decoded.warnings, undecodable: null }
  }
  catch (error) {
    // Deterministic: another attempt would fail the same way.
    const reason = error instanceof TransactionDecodeError ? error.message : `malformed transaction: ${String(error)}`
    return { slot: tx.slot, events: [], warnings: [], undecodable: reason }
  }
}

/**
 * A fetched transaction decoded, or null when the node has not served it fully yet (nor as the
 * transaction of `signature`: fetched again too).
 */
export function decodeFetched(tx: TransactionJson | null, signature: string, options: DecodeOptions, fallbackBlockTime: number | null): DecodedTransaction | null {
  return isServed(tx) && isTransactionOf(tx, signature) ? decodeServed(tx, signature, options, fallbackBlockTime) : null
}

/** The answers of a getTransaction batch, decoded (a call's error stays its answer). */
export function decodeAnswers(answers: BatchAnswer<TransactionJson | null>[], request: Omit<DecodeRequest, 'first'>, options: DecodeOptions): DecodedAnswer[] {
  return answers.map((answer, i): DecodedAnswer => {
    if (!answer.ok) return answer
    const signature = request.signatures[i]!
    const tx = answer.value
    if (!isServed(tx)) return { ok: true, value: null }
    if (!isTransactionOf(tx, signature)) return { ok: false, error: wrongTransaction(signature, tx) }
    return { ok: true, value: decodeServed(tx, signature, options, request.blockTimes[i] ?? null) }
  })
}

/**
 * Parses and decodes a getTransaction batch body. Throws an `RpcError` for the whole request (not
 * JSON: retryable; not a batch answer: not retryable, the node refuses batches).
 */
export function decodeTransactionsBody(bytes: Uint8Array, request: DecodeRequest, options: DecodeOptions): DecodedAnswer[] {
  return decodeAnswers(readTransactionsBatch(parseRpcBody('getTransaction', bytes), request.first, request.signatures.length), request, options)
}
