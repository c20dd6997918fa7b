import { blockPosition } from '../solana/block-position'
import { decodeBase64Transient } from '../solana/codecs'
import { programDataOf } from '../solana/logs'
import type { CompiledInstructionJson, TransactionJson } from '../solana/rpc'
import { decodeVaultEvent, type VaultEvent } from '../solana/vault-events'
import type { ChainEvent, TrialRegisteredEvent } from '../store/types'
import type { ResolvedIndexerFilter } from './types'

/**
 * From one `json`-encoded transaction to the chain events that concern this casino. Pure.
 *
 * Ownership is decided from the vault instruction that touches the trial: trial_register and
 * trial_resolve_rand both list the trial at account 2, the pool at 3, the host token account at 5 and
 * the mint at 6. The host token account's owner comes from the transaction's token balances, so no
 * extra RPC call is needed. Finding the instruction by the trial account (rather than by counting
 * invoke lines) keeps working when the vault is reached through a CPI or a precompile logs nothing.
 */

/** What {@link decodeTransaction} needs besides the transaction. */
export interface DecodeOptions {
  programId: string
  filter: ResolvedIndexerFilter
  /** Game id of an extra_data_hash (`'unknown'` when not registered). */
  gameOf: (extraDataHash: string) => string
}

/** The events of one transaction. */
export interface TransactionDecoding {
  /** Events of this casino, in the order the program emitted them. */
  events: ChainEvent[]
  /** Every Fare Vault event found, this casino's or not. */
  found: number
  /** Something an operator should know (log truncated, unknown event), without blocking ingestion. */
  warnings: string[]
}

/** A transaction whose vault data cannot be decoded, ever: it is recorded and skipped. */
export class TransactionDecodeError extends Error {
  override readonly name = 'TransactionDecodeError'
}

interface VaultInstruction {
  /** Indexes of the instruction's accounts in the transaction, in the instruction's own order. */
  indexes: number[]
}

/**
 * Decodes one transaction fetched with `encoding: 'json'`. Failed transactions yield no event.
 * Throws {@link TransactionDecodeError} when the vault's data cannot be decoded.
 */
export function decodeTransaction(tx: TransactionJson, signature: string, options: DecodeOptions, fallbackBlockTime?: number | null): TransactionDecoding {
  const out: TransactionDecoding = { events: [], found: 0, warnings: [] }
  // Callers pass only served transactions: a missing meta is a node lagging, to fetch again (pipeline).
  if (!tx.meta) throw new TransactionDecodeError('transaction has no meta')
  if (tx.meta.err !== null && tx.meta.err !== undefined) return out

  // `null` is what a node answers when it did not record the logs: the events are in them, so such a
  // transaction is recorded as undecodable, never read as one without events (its bets lost silently).
  if (!Array.isArray(tx.meta.logMessages)) throw new TransactionDecodeError('the node served the transaction without its logs (log recording off): its vault events cannot be read')
  const scan = programDataOf(tx.meta.logMessages, options.programId)
  if (scan.inconsistent) throw new TransactionDecodeError('log invoke frames do not nest')
  if (scan.truncated) out.warnings.push('log truncated: events after the cut are lost')
  if (scan.payloads.length === 0) return out

  const keys = accountKeysOf(tx)
  const byTrial = vaultInstructionsByTrial(tx, keys, options.programId)
  const owners = tokenOwners(tx)
  // A node without the block time: the signature list's, else now (never null in the store).
  const blockTime = tx.blockTime ?? fallbackBlockTime ?? Math.floor(Date.now() / 1000)
  // Every event is written out as a literal: `{ ...base, more }` costs microseconds a call in V8.
  const slot = tx.slot
  // Newer nodes say where in its block the transaction ran: what tells a resolve of an earlier trial of
  // the keypair from one listed before its register (planBatch).
  const transactionIndex = blockPosition(tx.transactionIndex)

  const isOurs = (trialId: string | null, pool: string | null): boolean => {
    const filter = options.filter
    if (filter.kind === 'all') return true
    const ix = trialId === null ? undefined : byTrial.get(trialId)
    if (filter.kind === 'pools') {
      const p = pool ?? (ix ? keys[ix.indexes[3]!] : undefined)
      return p !== undefined && filter.pools.has(p)
    }
    if (!ix) return false
    const hostIndex = ix.indexes[5]
    return hostIndex !== undefined && owners.get(hostIndex) === filter.host
  }

  // First every payload decoded, so that a register can take in the fees and pool update of its
  // trial that the vault emits before it (see `foldIntoRegisters`).
  const decoded: (VaultEvent | undefined)[] = []
  scan.payloads.forEach((payload, index) => {
    try {
      // Into a buffer the next payload reuses: decodeVaultEvent copies out every field it keeps.
      const result = decodeVaultEvent(decodeBase64Transient(payload))
      if (result.kind === 'unknown') out.warnings.push(`unknown event discriminator in payload ${index}`)
      else if (result.kind === 'event') out.found++
      decoded.push(result.kind === 'event' ? result.event : undefined)
    }
    catch (error) {
      throw new TransactionDecodeError(`payload ${index}: ${(error as Error).message}`)
    }
  })
  const folds = foldIntoRegisters(decoded, f => isOurs(f.trialId, f.poolId))

  decoded.forEach((event, index) => {
    if (event === undefined || folds.folded[index]) return
    const id = `${signature}:${index}`
    switch (event.name) {
      case 'TrialRegistered': {
        const f = event.fields
        if (!isOurs(f.trialId, f.poolId)) return
        const ix = byTrial.get(f.trialId)
        const fold = folds.byTrial.get(f.trialId)
        const hash = storableText(f.extraDataHash, 'extra_data_hash', index, out.warnings)
        out.events.push({
          id, kind: 'trialRegistered', signature, slot, blockTime, trialId: f.trialId, player: f.who, pool: f.poolId,
          mint: (ix ? keys[ix.indexes[6]!] : undefined) ?? null, wager: f.multiplier, qk: finiteQk(f.qk, index, out.warnings), extraDataHash: hash,
          game: options.gameOf(hash), fees: fold?.fees ?? [], poolAccumulatedAmount: fold?.poolAccumulatedAmount ?? null, transactionIndex,
        })
        return
      }
      case 'TrialResolved': {
        const f = event.fields
        if (!isOurs(f.trialId, null)) return
        if (f.resultIndex > BigInt(Number.MAX_SAFE_INTEGER)) throw new TransactionDecodeError(`result_index out of range in payload ${index}`)
        out.events.push({ id, kind: 'trialResolved', signature, slot, blockTime, trialId: f.trialId, resultIndex: Number(f.resultIndex), randomness: f.randomness, transactionIndex })
        return
      }
      case 'PoolAccumulatedAmountReleased': {
        const f = event.fields
        if (!isOurs(f.trialId, f.poolId)) return
        out.events.push({ id, kind: 'jackpotReleased', signature, slot, blockTime, pool: f.poolId, trialId: f.trialId, receiver: f.receiver, amount: f.releasedAmount })
        return
      }
      case 'FeeCharged':
        if (!isOurs(event.fields.trialId, event.fields.poolId)) return
        out.events.push({ id, kind: 'feeCharged', signature, slot, blockTime, data: jsonSafe(event.fields) })
        return
      case 'PoolAccumulatedAmountUpdated':
        if (!isOurs(event.fields.trialId, event.fields.poolId)) return
        out.events.push({ id, kind: 'poolAccumulatedAmountUpdated', signature, slot, blockTime, data: jsonSafe(event.fields) })
        return
      case 'PoolRegistered':
        // A pool is nobody's trial: it concerns a casino that follows pools, or everything.
        if (options.filter.kind === 'host' || !isOurs(null, event.fields.poolId)) return
        out.events.push({ id, kind: 'poolRegistered', signature, slot, blockTime, data: jsonSafe(event.fields) })
    }
  })
  return out
}

/**
 * `qk` with every value that is not a finite number (an f64 on chain can be NaN or ±Infinity) read as 0,
 * with a warning: such a value has no JSON form, so each store and the API would otherwise turn it into
 * something else (`null` in SQLite's JSON, `NaN` in memory), and the bet's multiplier would differ
 * between stores. A 0 keeps the bet (payout 0, as `applyMultiplier` pays for any such multiplier).
 * The same array when all are finite, as on every real trial.
 */
function finiteQk(qk: TrialRegisteredEvent['qk'], index: number, warnings: string[]): TrialRegisteredEvent['qk'] {
  if (qk.every(([q, k]) => Number.isFinite(q) && Number.isFinite(k))) return qk
  warnings.push(`a q or k of TrialRegistered in payload ${index} is not a finite number: read as 0`)
  return qk.map(([q, k]) => [Number.isFinite(q) ? q : 0, Number.isFinite(k) ? k : 0])
}

/**
 * `text` from chain with every U+0000 read as U+FFFD, with a warning. A Rust String may hold U+0000, and
 * any player can register a trial with such an extra_data_hash against this casino's host: Postgres
 * text cannot hold the character, so that one store refused the batch for good and the bet was skipped,
 * while SQLite and Redis kept it. Read so, the bet is kept alike in every store. The same string when it
 * has none, as on every real trial.
 */
function storableText(text: string, field: string, index: number, warnings: string[]): string {
  if (!text.includes('\u0000')) return text
  warnings.push(`${field} of TrialRegistered in payload ${index} holds U+0000: read as U+FFFD`)
  return text.replaceAll('\u0000', '\uFFFD')
}

/** What one register takes in: the fees and the pool's new accumulated amount of its trial in its pool. */
interface RegisterFold extends Pick<TrialRegisteredEvent, 'fees' | 'poolAccumulatedAmount'> {
  pool: string
  /** The payload index of the register: only what the vault emitted before it is the register's. */
  at: number
}

/** What the registers of one transaction take in: see {@link foldIntoRegisters}. */
interface RegisterFolds {
  /** By trial (of a register of ours). */
  byTrial: Map<string, RegisterFold>
  /** By payload index: true for an event that is part of a register now, not an event of its own. */
  folded: boolean[]
}

/**
 * A register comes with the fees the vault charged on it and the pool's new accumulated amount, each
 * an event of its own (three FeeCharged and a PoolAccumulatedAmountUpdated before every
 * TrialRegistered). Carried as five events, they cost the whole pipeline (packing, planning, a row
 * each) about as much as the bets themselves; as fields of the register, next to nothing. Only the
 * events of a trial registered (for this casino, as `ours` says) in the same transaction and pool, and
 * emitted before that register, are folded: any other stays an event of its own, as before (a
 * transaction that also resolves the trial emits the resolve's own pool update after it).
 */
function foldIntoRegisters(decoded: readonly (VaultEvent | undefined)[], ours: (fields: { trialId: string, poolId: string }) => boolean): RegisterFolds {
  const byTrial = new Map<string, RegisterFold>()
  decoded.forEach((event, at) => {
    if (event?.name !== 'TrialRegistered' || byTrial.has(event.fields.trialId) || !ours(event.fields)) return
    byTrial.set(event.fields.trialId, { pool: event.fields.poolId, fees: [], poolAccumulatedAmount: null, at })
  })
  const folded: boolean[] = []
  if (byTrial.size === 0) return { byTrial, folded }
  decoded.forEach((event, index) => {
    if (event?.name !== 'FeeCharged' && event?.name !== 'PoolAccumulatedAmountUpdated') return
    const f = event.fields
    const fold = byTrial.get(f.trialId)
    if (fold?.pool !== f.poolId || index > fold.at) return
    if (event.name === 'FeeCharged') fold.fees.push({ type: event.fields.feeType, amount: event.fields.feeAmount })
    else fold.poolAccumulatedAmount = event.fields.newAccumulatedAmount
    folded[index] = true
  })
  return { byTrial, folded }
}

/** The account index space: static keys, then loaded writable, then loaded readonly (v0). */
export function accountKeysOf(tx: TransactionJson): string[] {
  const loaded = tx.meta?.loadedAddresses
  const keys = tx.transaction.message.accountKeys
  return loaded ? [...keys, ...loaded.writable, ...loaded.readonly] : keys
}

/** Owner of each token account, by account index, from the pre- and post-transaction balances. */
export function tokenOwners(tx: TransactionJson): Map<number, string> {
  const owners = new Map<number, string>()
  for (const list of [tx.meta?.preTokenBalances, tx.meta?.postTokenBalances]) {
    for (const balance of list ?? []) if (balance.owner) owners.set(balance.accountIndex, balance.owner)
  }
  return owners
}

/** Every instruction of the vault (top level and inner), keyed by its account 2 (the trial). */
function vaultInstructionsByTrial(tx: TransactionJson, keys: string[], programId: string): Map<string, VaultInstruction> {
  const out = new Map<string, VaultInstruction>()
  const visit = (ix: CompiledInstructionJson): void => {
    if (keys[ix.programIdIndex] !== programId || ix.accounts.length < 7) return
    const trial = keys[ix.accounts[2]!]
    if (trial === undefined || out.has(trial)) return
    out.set(trial, { indexes: ix.accounts })
  }
  for (const ix of tx.transaction.message.instructions) visit(ix)
  for (const inner of tx.meta?.innerInstructions ?? []) for (const ix of inner.instructions) visit(ix)
  return out
}

/** The decoded fields with amounts as decimal strings. A plain loop: it runs for every fee event (several a bet). */
function jsonSafe(fields: object): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(fields)) {
    const value = (fields as Record<string, unknown>)[key]
    out[key] = typeof value === 'bigint' ? value.toString() : value
  }
  return out
}
