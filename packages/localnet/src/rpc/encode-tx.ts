/**
 * getTransaction result encodings (json, jsonParsed, base64, base58, and the legacy binary), field for field as Agave
 * emits them. Keys are sorted later by the serializer, so objects here are built in any order.
 */
import bs58 from 'bs58'
import type { CompiledIx, TokenBalance, TxRecord } from '../chain/types'
import { SYSTEM_PROGRAM_ID, TOKEN_PROGRAM_ID } from '../program/ids'
import { topLevelInstructions } from '../sim/vault'
import { F64 } from './json'

/** Encodings accepted by getTransaction. */
export type TxEncoding = 'json' | 'jsonParsed' | 'base64' | 'base58' | 'binary'

/** Formats a base-unit amount as a decimal string without trailing zeros (`"11.2"`, `"15"`). */
export function uiAmountString(amount: bigint, decimals: number): string {
  if (decimals === 0) return amount.toString()
  const s = amount.toString().padStart(decimals + 1, '0')
  const int = s.slice(0, -decimals)
  const frac = s.slice(-decimals).replace(/0+$/, '')
  return frac ? `${int}.${frac}` : int
}

/**
 * `uiAmount` as Agave computes it: the amount as an f64 divided by 10^decimals as an f64 (not the decimal
 * string read back, which differs in the last digits past 2^53), and none when 10^decimals overflows a
 * u64 (more than 19 decimals) or the amount is zero.
 */
export function uiAmountOf(amount: bigint, decimals: number): number | null {
  if (amount === 0n || decimals > 19) return null
  return Number(amount) / 10 ** decimals
}

function tokenBalanceJson(b: TokenBalance) {
  const ui = uiAmountString(b.amount, b.decimals)
  const uiAmount = uiAmountOf(b.amount, b.decimals)
  return {
    accountIndex: b.accountIndex,
    mint: b.mint,
    owner: b.owner,
    programId: b.programId,
    uiTokenAmount: {
      amount: b.amount.toString(),
      decimals: b.decimals,
      // serde prints the f64 with a decimal point; a zero balance is null, as Agave does.
      uiAmount: uiAmount === null ? null : new F64(uiAmount),
      uiAmountString: ui,
    },
  }
}

function compiledJson(ix: CompiledIx) {
  return { accounts: ix.accounts, data: bs58.encode(ix.data), programIdIndex: ix.programIdIndex, stackHeight: ix.stackHeight }
}

function readU64(data: Uint8Array, at: number): bigint {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getBigUint64(at, true)
}

/** jsonParsed form of one instruction: parsed for System/SPL Token instructions we emit, raw otherwise. */
function parsedIx(ix: CompiledIx, keys: string[]): Record<string, unknown> {
  const programId = keys[ix.programIdIndex]!
  const acc = ix.accounts.map((i) => keys[i]!)
  const d = ix.data
  const parsed = (program: string, type: string, info: Record<string, unknown>) => ({
    parsed: { info, type },
    program,
    programId,
    stackHeight: ix.stackHeight,
  })
  if (programId === TOKEN_PROGRAM_ID && d.length === 9) {
    const amount = readU64(d, 1).toString()
    if (d[0] === 3) return parsed('spl-token', 'transfer', { amount, authority: acc[2], destination: acc[1], source: acc[0] })
    if (d[0] === 7) return parsed('spl-token', 'mintTo', { account: acc[1], amount, mint: acc[0], mintAuthority: acc[2] })
    if (d[0] === 8) return parsed('spl-token', 'burn', { account: acc[0], amount, authority: acc[2], mint: acc[1] })
  }
  if (programId === SYSTEM_PROGRAM_ID && d.length === 52 && d[0] === 0) {
    return parsed('system', 'createAccount', {
      lamports: readU64(d, 4),
      newAccount: acc[1],
      owner: bs58.encode(d.subarray(20, 52)),
      source: acc[0],
      space: readU64(d, 12),
    })
  }
  return { accounts: acc, data: bs58.encode(d), programId, stackHeight: ix.stackHeight }
}

/** Encodes a landed transaction as getTransaction's result. */
export function encodeTransaction(rec: TxRecord, encoding: TxEncoding, withVersion: boolean): Record<string, unknown> {
  const m = rec.meta
  const parsedMode = encoding === 'jsonParsed'
  const meta: Record<string, unknown> = {
    computeUnitsConsumed: m.computeUnitsConsumed,
    costUnits: m.costUnits,
    err: m.err,
    fee: m.fee,
    innerInstructions: m.innerInstructions.map((g) => ({
      index: g.index,
      instructions: g.instructions.map((ix) => (parsedMode ? parsedIx(ix, rec.accountKeys) : compiledJson(ix))),
    })),
    logMessages: m.logMessages,
    postBalances: m.postBalances,
    postTokenBalances: m.postTokenBalances.map(tokenBalanceJson),
    preBalances: m.preBalances,
    preTokenBalances: m.preTokenBalances.map(tokenBalanceJson),
    rewards: [],
    status: m.err === null ? { Ok: null } : { Err: m.err },
  }
  // jsonParsed folds loaded addresses into accountKeys and drops meta.loadedAddresses.
  if (!parsedMode) meta.loadedAddresses = { readonly: rec.loaded.readonly, writable: rec.loaded.writable }

  const msg = rec.message
  let transaction: unknown
  if (encoding === 'binary') {
    // The legacy `binary` encoding (Agave's LegacyBinary): base58 as a bare string, not a [data, encoding] pair.
    transaction = bs58.encode(rec.wire)
  } else if (encoding === 'base64' || encoding === 'base58') {
    const wire = rec.wire
    transaction = [encoding === 'base64' ? Buffer.from(wire).toString('base64') : bs58.encode(wire), encoding]
  } else {
    const staticCount = msg.staticAccountKeys.length
    const header = {
      numReadonlySignedAccounts: msg.header.numReadonlySignedAccounts,
      numReadonlyUnsignedAccounts: msg.header.numReadonlyUnsignedAccounts,
      numRequiredSignatures: msg.header.numRequiredSignatures,
    }
    const message: Record<string, unknown> = {
      recentBlockhash: msg.recentBlockhash,
      instructions: topLevelInstructions(rec).map((ix) => (parsedMode ? parsedIx(ix, rec.accountKeys) : compiledJson(ix))),
    }
    if (parsedMode) {
      message.accountKeys = rec.accountKeys.map((pubkey, i) => ({
        pubkey,
        signer: i < header.numRequiredSignatures,
        source: i < staticCount ? 'transaction' : 'lookupTable',
        writable: rec.writable[i],
      }))
    } else {
      message.accountKeys = rec.accountKeys.slice(0, staticCount)
      message.header = header
    }
    if (rec.version === 0) {
      message.addressTableLookups = msg.addressTableLookups.map((l) => ({
        accountKey: l.accountKey,
        readonlyIndexes: l.readonlyIndexes,
        writableIndexes: l.writableIndexes,
      }))
    }
    transaction = { message, signatures: rec.signatures }
  }
  const out: Record<string, unknown> = {
    blockTime: rec.blockTime,
    meta,
    slot: rec.slot,
    transaction,
    transactionIndex: rec.transactionIndex,
  }
  if (withVersion) out.version = rec.version === 0 ? 0 : 'legacy'
  return out
}
