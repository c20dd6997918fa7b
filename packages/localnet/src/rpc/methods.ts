/**
 * The JSON-RPC methods the localnet serves. Each returns the `result` value; the dispatcher
 * wraps it in the envelope and sorts its keys.
 */
import type { Ledger } from '../chain/ledger'
import type { World } from '../sim/world'
import type { TxEncoding } from './encode-tx'
import { arities, checkArity } from './arity'
import { invalidParams, RpcError, rpcErrors } from './errors'
import { base58At, checkMinContextSlot, commitmentOf, configAt, confirmedCommitmentOf, parseBase58Key, stringOf, unsignedOf } from './params'
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
