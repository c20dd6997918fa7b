/**
 * The JSON-RPC methods the localnet serves. Each returns the `result` value; the dispatcher
 * wraps it in the envelope and sorts its keys.
 */
import type { Ledger } from '../chain/ledger'
import type { World } from '../sim/world'
import type { TxEncoding } from './encode-tx'
import { type Arity, checkArity, endOfTuple } from './arity'
import { invalidParams, RpcError, rpcErrors } from './errors'
import { checkMinContextSlot, commitmentOf, confirmedCommitmentOf, contextConfigAt, parseBase58Key, stringOf, unsignedOf } from './params'
import { getSignaturesForAddress, type PageSizer } from './signatures'
import { transactionJson } from './tx-cache'

/**
 * Node version reported by getVersion and `context.apiVersion`: an Agave 4.1, the line whose answers carry
 * what the localnet's do (`transactionIndex` on transactions and signatures, `costUnits`). With 2.3.7 it
 * named a version that has neither. Its feature set is the one such a node reports.
 */
export const SOLANA_CORE_VERSION = '4.1.1'
const FEATURE_SET = 3345198602

/** What the methods read. */
export interface RpcContext {
  ledger: Ledger
  world: World
  pageSizer: PageSizer
}

/** A method handler: params array in, result value out (throws RpcError). */
export type RpcMethod = (ctx: RpcContext, params: unknown[]) => unknown

/** getVersion's result, served over HTTP and the WebSocket alike. */
export function versionInfo(): { 'feature-set': number, 'solana-core': string } {
  return { 'feature-set': FEATURE_SET, 'solana-core': SOLANA_CORE_VERSION }
}

function withContext(slot: number, value: unknown) {
  return { context: { apiVersion: SOLANA_CORE_VERSION, slot }, value }
}

const ENCODINGS: readonly unknown[] = ['json', 'jsonParsed', 'base64', 'base58', 'binary']

/**
 * getTransaction's second param as Agave reads it: an untagged `RpcEncodingConfigWrapper`, a bare
 * encoding (deprecated) or a config. serde tries each form, so anything that fits neither (an unknown
 * encoding, a version past a u8, a number) is one error naming the wrapper, whatever was wrong.
 */
function transactionConfigOf(raw: unknown): { encoding: TxEncoding, maxVersion: number | undefined, config: Record<string, unknown> } {
  const refused = () => invalidParams('Invalid params: data did not match any variant of untagged enum RpcEncodingConfigWrapper.')
  if (raw === undefined || raw === null) return { encoding: 'json', maxVersion: undefined, config: {} }
  if (typeof raw === 'string') {
    if (!ENCODINGS.includes(raw)) throw refused()
    return { encoding: raw as TxEncoding, maxVersion: undefined, config: {} }
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) throw refused()
  const config = raw as Record<string, unknown>
  const encoding = config.encoding ?? 'json'
  if (!ENCODINGS.includes(encoding)) throw refused()
  const version = config.maxSupportedTransactionVersion
  if (version !== undefined && version !== null && !(typeof version === 'number' && Number.isInteger(version) && version >= 0 && version <= 255)) throw refused()
  return { encoding: encoding as TxEncoding, maxVersion: version ?? undefined, config }
}

function getTransaction(ctx: RpcContext, params: unknown[]): unknown {
  // serde reads both params' types first; then the signature is checked.
  const signatureText = stringOf(params[0])
  const { encoding, maxVersion: max, config } = transactionConfigOf(params[1])
  const signature = parseBase58Key(signatureText, 64)
  const commitment = confirmedCommitmentOf(config)
  // Any u8: a transaction of a version above it is refused (-32015); the ledger holds legacy and v0 only.
  const rec = ctx.ledger.get(signature, commitment)
  if (!rec) return null
  const withVersion = max !== undefined
  if (rec.version === 0 && !withVersion) throw rpcErrors.unsupportedTxVersion(0)
  return transactionJson(rec, encoding, withVersion)
}

/** A method: the params it takes (counted before any is read, see arity.ts) and its handler. */
export interface RpcMethodEntry {
  arity: Arity
  run: RpcMethod
}

const method = (arity: Arity, run: RpcMethod): RpcMethodEntry => ({ arity, run })

/** The slot a method with an `RpcContextConfig` answers at: its commitment's, once `minContextSlot` is reached. */
function contextSlot(ctx: RpcContext, config: Record<string, unknown>): number {
  const slot = ctx.ledger.slotAt(commitmentOf(config))
  checkMinContextSlot(config, slot)
  return slot
}

/**
 * The lamports of `address` once `slot` is over, as a node answers at a commitment: its balance now, less
 * what the transactions of later slots (landed, not yet at that commitment) moved, read from their
 * balances before and after. Funding outside any transaction (`createPlayer`) counts from the start.
 */
function lamportsAt(ctx: RpcContext, address: string, slot: number): bigint {
  let lamports = ctx.world.lamportsOf(address)
  const landed = ctx.ledger.forAddress(address)
  for (let k = landed.length - 1; k >= 0 && landed[k]!.slot > slot; k--) {
    const { accountKeys, meta } = landed[k]!
    const i = accountKeys.indexOf(address)
    lamports -= meta.postBalances[i]! - meta.preBalances[i]!
  }
  return lamports
}

/** Method table, with Agave's signatures (rpc.rs): an `Option` last is an optional param. */
export const methods: Readonly<Record<string, RpcMethodEntry>> = {
  getSignaturesForAddress: method([1, 1], (ctx, params) => getSignaturesForAddress(ctx.ledger, params, ctx.pageSizer)),
  getTransaction: method([1, 1], getTransaction),
  getSlot: method([0, 1], (ctx, params) => contextSlot(ctx, contextConfigAt(params, 0))),
  getBlockHeight: method([0, 1], (ctx, params) => contextSlot(ctx, contextConfigAt(params, 0))),
  getBlockTime: method([1, 0], (ctx, params) => {
    // serde reads the tuple's element before it finds one too many.
    const slot = unsignedOf(params[0], 64)
    endOfTuple(params, 1)
    // A node has the time of a block once it is confirmed (Agave: rooted, or at most the confirmed bank's slot).
    const t = slot <= ctx.ledger.confirmedSlot ? ctx.ledger.blockTime(slot) : undefined
    if (t === undefined) throw rpcErrors.blockNotAvailable(slot)
    return t
  }),
  getLatestBlockhash: method([0, 1], (ctx, params) => {
    const slot = contextSlot(ctx, contextConfigAt(params, 0))
    // One block per slot here, so block height == slot; a blockhash lives 150 blocks.
    return withContext(slot, { blockhash: ctx.ledger.blockhash(slot), lastValidBlockHeight: slot + 150 })
  }),
  getBalance: method([1, 1], (ctx, params) => {
    // Both params' types first, then the address.
    const addressText = stringOf(params[0])
    const config = contextConfigAt(params, 1)
    const address = parseBase58Key(addressText, 32)
    const slot = contextSlot(ctx, config)
    return withContext(slot, lamportsAt(ctx, address, slot))
  }),
  getFirstAvailableBlock: method([0, 0], () => 0),
  getGenesisHash: method([0, 0], ctx => ctx.ledger.blockhash(0)),
  getHealth: method([0, 0], () => 'ok'),
  getVersion: method([0, 0], () => versionInfo()),
}

/** Runs a method; unknown names are -32601. */
export function callMethod(ctx: RpcContext, name: string, params: unknown): unknown {
  const entry = Object.hasOwn(methods, name) ? methods[name] : undefined
  if (!entry) throw rpcErrors.methodNotFound()
  checkArity(entry.arity, params)
  return entry.run(ctx, (params as unknown[] | undefined) ?? [])
}

export { RpcError }
