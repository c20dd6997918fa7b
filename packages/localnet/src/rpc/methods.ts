/**
 * The JSON-RPC methods the localnet serves. Each returns the `result` value; the dispatcher
 * wraps it in the envelope and sorts its keys.
 */
import type { Ledger } from '../chain/ledger'
import type { World } from '../sim/world'
import type { TxEncoding } from './encode-tx'
import { arities, checkArity } from './arity'
import { invalidParams, RpcError, rpcErrors } from './errors'
import { base58At, checkMinContextSlot, commitmentOf, configAt, confirmedCommitmentOf, unsignedOf } from './params'
import { getSignaturesForAddress, type PageSizer } from './signatures'
import { transactionJson } from './tx-cache'

/** Node version reported by getVersion and `context.apiVersion`. */
export const SOLANA_CORE_VERSION = '2.3.7'
const FEATURE_SET = 3294202862

/** What the methods read. */
export interface RpcContext {
  ledger: Ledger
  world: World
  pageSizer: PageSizer
}

/** A method handler: params array in, result value out (throws RpcError). */
export type RpcMethod = (ctx: RpcContext, params: unknown[]) => unknown

function withContext(slot: number, value: unknown) {
  return { context: { apiVersion: SOLANA_CORE_VERSION, slot }, value }
}

function getTransaction(ctx: RpcContext, params: unknown[]): unknown {
  const signature = base58At(params, 0, 64)
  // The second param may be a bare encoding string (deprecated form).
  const raw = params[1]
  const config = typeof raw === 'string' ? { encoding: raw } : configAt(params, 1)
  const commitment = confirmedCommitmentOf(config)
  const encoding = (config.encoding ?? 'json') as TxEncoding
  if (!['json', 'jsonParsed', 'base64', 'base58', 'binary'].includes(encoding)) {
    throw invalidParams(`Invalid params: unknown variant \`${String(encoding)}\`, expected one of \`binary\`, \`base64\`, \`base58\`, \`json\`, \`jsonParsed\`.`)
  }
  // Any u8: a transaction of a version above it is refused (-32015); the ledger holds legacy and v0 only.
  const maxVersion = config.maxSupportedTransactionVersion
  const max = maxVersion === undefined || maxVersion === null ? undefined : unsignedOf(maxVersion, 8)
  const rec = ctx.ledger.get(signature, commitment)
  if (!rec) return null
  const withVersion = max !== undefined
  if (rec.version === 0 && !withVersion) throw rpcErrors.unsupportedTxVersion(0)
  return transactionJson(rec, encoding, withVersion)
}

/** Method table. */
export const methods: Readonly<Record<string, RpcMethod>> = {
  getSignaturesForAddress: (ctx, params) => getSignaturesForAddress(ctx.ledger, params, ctx.pageSizer),
  getTransaction,
  getSlot: (ctx, params) => {
    const config = configAt(params, 0)
    const slot = ctx.ledger.slotAt(commitmentOf(config))
    checkMinContextSlot(config, slot)
    return slot
  },
  getBlockHeight: (ctx, params) => {
    const config = configAt(params, 0)
    const slot = ctx.ledger.slotAt(commitmentOf(config))
    checkMinContextSlot(config, slot)
    return slot
  },
  getBlockTime: (ctx, params) => {
    const slot = unsignedOf(params[0], 64)
    const t = slot <= ctx.ledger.slot ? ctx.ledger.blockTime(slot) : undefined
    if (t === undefined) throw rpcErrors.blockNotAvailable(slot)
    return t
  },
  getLatestBlockhash: (ctx, params) => {
    const config = configAt(params, 0)
    const slot = ctx.ledger.slotAt(commitmentOf(config))
    checkMinContextSlot(config, slot)
    // One block per slot here, so block height == slot; a blockhash lives 150 blocks.
    return withContext(slot, { blockhash: ctx.ledger.blockhash(slot), lastValidBlockHeight: slot + 150 })
  },
  getBalance: (ctx, params) => {
    const address = base58At(params, 0, 32)
    const config = configAt(params, 1)
    const slot = ctx.ledger.slotAt(commitmentOf(config))
    return withContext(slot, ctx.world.lamportsOf(address))
  },
  getFirstAvailableBlock: () => 0,
  getGenesisHash: (ctx) => ctx.ledger.blockhash(0),
  getHealth: () => 'ok',
  getVersion: () => ({ 'feature-set': FEATURE_SET, 'solana-core': SOLANA_CORE_VERSION }),
}

/** Runs a method; unknown names are -32601. */
export function callMethod(ctx: RpcContext, method: string, params: unknown): unknown {
  const fn = Object.hasOwn(methods, method) ? methods[method] : undefined
  if (!fn) throw rpcErrors.methodNotFound()
  checkArity(arities[method]!, params)
  return fn(ctx, (params as unknown[] | undefined) ?? [])
}

export { RpcError }
