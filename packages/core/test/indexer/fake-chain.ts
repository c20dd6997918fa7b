import bs58 from 'bs58'
import { toBase64 } from '../../src/solana/borsh'
import type { RpcClient, SignatureInfo, TransactionJson } from '../../src/solana/rpc'
import { RpcError } from '../../src/solana/rpc-errors'
import { FARE_VAULT_PROGRAM_ID, type VaultEvent } from '../../src/solana/vault-events'
import { encodeVaultEvent } from '../../src/solana/vault-events-encode'
import { createRng } from '../../src/testing/fixtures'

/**
 * An in-memory chain of Fare Vault transactions in the wire shapes of the RPC (json encoding), with an
 * `RpcClient` over it that follows Agave's paging rules and can inject faults. For unit tests and the
 * ingest bench; the localnet is the real thing.
 */

const TOKEN = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA'
let keySeq = 1

/** Unique bytes: a counter in the first 4 bytes, filler after, so keys never collide. */
function uniqueBytes(length: number): Uint8Array {
  const n = keySeq++
  const bytes = new Uint8Array(length)
  new DataView(bytes.buffer).setUint32(0, n)
  bytes[0] = 1 + (n % 200) // no leading zero byte: base58 lengths stay regular
  new DataView(bytes.buffer).setUint32(4, n)
  for (let i = 8; i < length; i++) bytes[i] = (n * 31 + i * 7) & 0xFF
  return bytes
}

/** A fresh, valid-looking base58 32-byte key. */
export function newKey(): string {
  return bs58.encode(uniqueBytes(32))
}

/** A signature-like base58 string. */
function newSignature(): string {
  return bs58.encode(uniqueBytes(64))
}

/** One vault instruction of a fake transaction. */
export interface FakeInstruction {
  kind: 'register' | 'resolve'
  trial: string
  pool: string
  /** The host token account and its owner. */
  hostToken: string
  hostOwner: string
  mint: string
  events: VaultEvent[]
  /** Reach the vault through a CPI of another program (depth 2). */
  viaCpi?: boolean
}

/** Shape of a transaction to add. */
export interface FakeTxInput {
  instructions: FakeInstruction[]
  failed?: boolean
  /** Lines a spoofing program prints (its own frame) after the vault's instructions. */
  spoof?: VaultEvent[]
  /** Raw payloads the vault itself writes (malformed data). */
  rawVaultPayloads?: string[]
  /** Put the token accounts in an address lookup table (v0). */
  lookupTable?: boolean
}

interface FakeTx {
  info: SignatureInfo
  json: TransactionJson
}

/** Fault injection of the fake RPC. */
export interface FakeFaults {
  /** Probability that a call fails (retryable). */
  errorRate?: number
  /** Probability that getTransaction answers null once. */
  nullRate?: number
  /** Pages cut to at most this many entries. */
  shortPages?: number
  /** Deterministic random numbers. */
  random?: () => number
}

/** A seeded PRNG: the contract suite's mulberry32, so fixtures and fake chains draw alike. */
export const seeded: (seed: number) => () => number = createRng

/**
 * Creates a fake chain. `transactionIndex: false` serves it as an older node does: no transaction's
 * position in its block, neither in signature listings nor in getTransaction, so that one slot's
 * transactions may be listed in any order (a resolve before its register).
 */
export function createFakeChain(programId = FARE_VAULT_PROGRAM_ID, { transactionIndex = true }: { transactionIndex?: boolean } = {}) {
  const txs: FakeTx[] = []
  const bySignature = new Map<string, FakeTx>()
  let slot = 1000
  let indexInSlot = 0
  const spoofProgram = newKey()
  const other = newKey()

  const chain = {
    programId,
    txs,
    /** Starts a new slot (later transactions land in it). */
    nextSlot(): void {
      slot++
      indexInSlot = 0
    },
    /** Appends a transaction; returns its signature. */
    add(input: FakeTxInput): string {
      const signature = newSignature()
      const payer = newKey()
      const keys: string[] = [payer, programId, TOKEN, spoofProgram, other]
      const loaded = { writable: [] as string[], readonly: [] as string[] }
      const index = (key: string, tableable = false): number => {
        const at = keys.indexOf(key)
        if (at >= 0) return at
        const w = loaded.writable.indexOf(key)
        if (w >= 0) return -1 - w
        if (tableable && input.lookupTable) {
          loaded.writable.push(key)
          return -loaded.writable.length
        }
        keys.push(key)
        return keys.length - 1
      }
      // Resolve negative (loaded) indexes once the static keys are known.
      const pendingIx: { programIdIndex: number, accounts: number[], depth: number, top: number }[] = []
      const logs: string[] = []
      const tokenBalances: { accountIndex: number, owner: string, mint: string }[] = []
      let payload = 0
      input.instructions.forEach((ix, top) => {
        const accounts = [
          index(newKey()), index(payer), index(ix.trial), index(ix.pool), index(newKey(), true),
          index(ix.hostToken, true), index(ix.mint, true), index(newKey(), true), index(TOKEN), index(other),
        ]
        tokenBalances.push({ accountIndex: accounts[5]!, owner: ix.hostOwner, mint: ix.mint })
        if (ix.viaCpi) {
          pendingIx.push({ programIdIndex: index(other), accounts: [], depth: 1, top })
          pendingIx.push({ programIdIndex: 1, accounts, depth: 2, top })
          logs.push(`Program ${other} invoke [1]`, `Program ${programId} invoke [2]`)
        }
        else {
          pendingIx.push({ programIdIndex: 1, accounts, depth: 1, top })
          logs.push(`Program ${programId} invoke [1]`)
        }
        logs.push(`Program log: Instruction: ${ix.kind === 'register' ? 'TrialRegister' : 'TrialResolveRand'}`)
        for (const event of ix.events) {
          logs.push(`Program data: ${toBase64(encodeVaultEvent(event))}`)
          payload++
        }
        if (top === 0) for (const raw of input.rawVaultPayloads ?? []) logs.push(`Program data: ${raw}`)
        logs.push(`Program ${TOKEN} invoke [${ix.viaCpi ? 3 : 2}]`, 'Program log: Instruction: Transfer', `Program ${TOKEN} success`)
        logs.push(`Program ${programId} consumed 20000 of 200000 compute units`)
        if (input.failed && top === input.instructions.length - 1) {
          logs.push(`Program ${programId} failed: custom program error: 0x177d`)
          if (ix.viaCpi) logs.push(`Program ${other} failed: custom program error: 0x177d`)
        }
        else {
          logs.push(`Program ${programId} success`)
          if (ix.viaCpi) logs.push(`Program ${other} success`)
        }
      })
      if (input.spoof?.length) {
        logs.push(`Program ${spoofProgram} invoke [1]`)
        for (const event of input.spoof) logs.push(`Program data: ${toBase64(encodeVaultEvent(event))}`)
        logs.push(`Program ${spoofProgram} success`)
      }
      void payload
      const fix = (i: number): number => (i >= 0 ? i : keys.length + (-1 - i))
      const top = pendingIx.filter(p => p.depth === 1)
      const inner = new Map<number, typeof pendingIx>()
      for (const p of pendingIx.filter(p => p.depth > 1)) {
        const list = inner.get(p.top) ?? []
        list.push(p)
        inner.set(p.top, list)
      }
      const err = input.failed ? { InstructionError: [0, { Custom: 6013 }] } : null
      const blockTime = 1_700_000_000 + slot
      const balances = tokenBalances.map(b => ({
        accountIndex: fix(b.accountIndex), mint: b.mint, owner: b.owner, programId: TOKEN,
        uiTokenAmount: { amount: '1000', decimals: 6, uiAmount: 0.001, uiAmountString: '0.001' },
      }))
      const json: TransactionJson = {
        slot,
        blockTime,
        ...(transactionIndex ? { transactionIndex: indexInSlot } : {}),
        version: input.lookupTable ? 0 : 'legacy',
        transaction: {
          signatures: [signature],
          message: {
            accountKeys: keys,
            instructions: top.map(p => ({ programIdIndex: p.programIdIndex, accounts: p.accounts.map(fix), data: '3Bxs4', stackHeight: 1 })),
          },
        },
        meta: {
          err,
          logMessages: logs,
          loadedAddresses: loaded,
          innerInstructions: [...inner].map(([index, list]) => ({
            index,
            instructions: list.map(p => ({ programIdIndex: p.programIdIndex, accounts: p.accounts.map(fix), data: '3Bxs4', stackHeight: p.depth })),
          })),
          preTokenBalances: balances,
          postTokenBalances: balances,
        },
      }
      const tx: FakeTx = { info: { signature, slot, err, memo: null, blockTime, confirmationStatus: 'confirmed', ...(transactionIndex ? { transactionIndex: indexInSlot } : {}) }, json }
      indexInSlot++
      txs.push(tx)
      bySignature.set(signature, tx)
      return signature
    },
    /** An `RpcClient` over the chain. */
    rpc(faults: FakeFaults = {}, options: { batches?: boolean } = {}): RpcClient & { calls: number } {
      const random = faults.random ?? seeded(42)
      const maybeFail = (method: string): void => {
        client.calls++
        if (faults.errorRate && random() < faults.errorRate) {
          throw new RpcError(method, 'http', `${method}: HTTP 429 (injected)`, { code: 429, retryable: true })
        }
      }
      const client = {
        url: 'fake://chain',
        calls: 0,
        async getSignaturesForAddress(address: string, page: { before?: string, until?: string, limit?: number } = {}) {
          maybeFail('getSignaturesForAddress')
          const limit = Math.min(page.limit ?? 1000, faults.shortPages ?? Number.POSITIVE_INFINITY)
          const mentions = txs.filter(t => t.json.transaction.message.accountKeys.includes(address))
          let end = mentions.length // exclusive, oldest-first indexing
          if (page.before) {
            const at = mentions.findIndex(t => t.info.signature === page.before)
            if (at < 0) return []
            end = at
          }
          let start = 0
          if (page.until) {
            const at = mentions.findIndex(t => t.info.signature === page.until)
            if (at >= 0) start = at + 1
          }
          const out: SignatureInfo[] = []
          for (let i = end - 1; i >= start && out.length < limit; i--) out.push({ ...mentions[i]!.info })
          return out
        },
        async getTransaction(signature: string) {
          maybeFail('getTransaction')
          if (faults.nullRate && random() < faults.nullRate) return null
          const tx = bySignature.get(signature)
          return tx ? structuredClone(tx.json) : null
        },
        /** A JSON-RPC batch: the request fails as a whole, or each call answers on its own. */
        async getTransactions(signatures: readonly string[]) {
          maybeFail('getTransaction')
          return signatures.map((signature) => {
            if (faults.errorRate && random() < faults.errorRate / 2) {
              return { ok: false as const, error: new RpcError('getTransaction', 'jsonrpc', 'node behind (injected)', { code: -32005, retryable: true }) }
            }
            if (faults.nullRate && random() < faults.nullRate) return { ok: true as const, value: null }
            const tx = bySignature.get(signature)
            return { ok: true as const, value: tx ? structuredClone(tx.json) : null }
          })
        },
        async getSlot() {
          maybeFail('getSlot')
          return slot
        },
        async getBlockTime(s: number) {
          return 1_700_000_000 + s
        },
        async getHealth() {
          return 'ok'
        },
        async call<T>(): Promise<T> {
          throw new RpcError('call', 'jsonrpc', 'not supported', { retryable: false })
        },
      }
      if (options.batches === false) return { ...client, getTransactions: undefined }
      return client
    },
  }
  return chain
}

/** Builds a register (and optionally a resolve) for one bet of a fake chain. */
export function betEvents(input: { trial: string, player: string, pool: string, wager: bigint, qk?: [number, number][], hash?: string, resultIndex?: number }): {
  register: VaultEvent
  resolve: VaultEvent
} {
  return {
    register: {
      name: 'TrialRegistered',
      fields: { trialId: input.trial, who: input.player, poolId: input.pool, multiplier: input.wager, qk: input.qk ?? [[0.5, 0], [0.5, 1.98]], extraDataHash: input.hash ?? 'coinflip-v1' },
    },
    resolve: { name: 'TrialResolved', fields: { trialId: input.trial, resultIndex: BigInt(input.resultIndex ?? 1), randomness: 0.42 } },
  }
}
