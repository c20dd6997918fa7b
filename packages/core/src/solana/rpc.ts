import { hasRateLimitedAnswer, opensArray } from './batch-body'
import { parseJsonBytes } from './json-pieces'
import { isRetryableRpcCode, parseRetryAfter, RpcError } from './rpc-errors'

/**
 * A tiny Solana JSON-RPC client over `fetch`: only what the indexer reads, in the wire format
 * (no @solana/web3.js in core). Every failure surfaces as an `RpcError` with `retryable` set.
 */

/** One entry of getSignaturesForAddress (newest first). */
export interface SignatureInfo {
  signature: string
  slot: number
  err: unknown
  memo: string | null
  blockTime: number | null
  confirmationStatus?: string | null
  /** Position in the block, on newer nodes. */
  transactionIndex?: number
}

/** A token balance entry of `meta.preTokenBalances` / `postTokenBalances`. */
export interface TokenBalanceJson {
  accountIndex: number
  mint: string
  owner?: string
  programId?: string
  uiTokenAmount: { amount: string, decimals: number }
}

/** A compiled instruction in `json` encoding. */
export interface CompiledInstructionJson {
  programIdIndex: number
  accounts: number[]
  /** base58 instruction data. */
  data: string
  stackHeight?: number | null
}

/** The `json`-encoded result of getTransaction (only the fields the indexer reads). */
export interface TransactionJson {
  slot: number
  blockTime: number | null
  transactionIndex?: number
  version?: 'legacy' | number
  transaction: {
    signatures: string[]
    message: {
      accountKeys: string[]
      instructions: CompiledInstructionJson[]
    }
  }
  meta: {
    err: unknown
    logMessages?: string[] | null
    loadedAddresses?: { writable: string[], readonly: string[] } | null
    innerInstructions?: { index: number, instructions: CompiledInstructionJson[] }[] | null
    preTokenBalances?: TokenBalanceJson[] | null
    postTokenBalances?: TokenBalanceJson[] | null
  } | null
}

/** Options of {@link createRpcClient}. */
export interface RpcClientOptions {
  /** HTTP(S) URL of the JSON-RPC endpoint. */
  url: string
  /** Per-request timeout in ms. @default 10000 */
  timeout?: number
  /** Commitment for reads. @default 'confirmed' */
  commitment?: 'confirmed' | 'finalized'
  /** A `fetch` to use instead of the global one (tests, benches, proxies). */
  fetch?: typeof fetch
}

/** One answer of a JSON-RPC batch: its result, or the error of that call alone. */
export type BatchAnswer<T> = { ok: true, value: T } | { ok: false, error: RpcError }

/** A getTransaction batch as the node sent it: UTF-8 JSON, and the id of its first call. */
export interface RawTransactionsBatch {
  /** The response body; its buffer is owned by the caller (it can be transferred to a worker). */
  bytes: Uint8Array
  /** JSON-RPC id of the first signature's call; the others follow in order. */
  first: number
  /** The answer's `Retry-After` in ms, when it came with one (kept on a 429 found in the body). */
  retryAfterMs?: number | null
}

/** The calls the indexer makes. */
export interface RpcClient {
  readonly url: string
  /**
   * Newest first; `before` and `until` are exclusive; `limit` 1 to 1000. With `minContextSlot`, a node
   * that has not reached that slot answers -32016 (retryable) instead of listing what it has.
   */
  getSignaturesForAddress(address: string, options?: { before?: string, until?: string, limit?: number, minContextSlot?: number }): Promise<SignatureInfo[]>
  /** Null when the node does not have the transaction (not yet, or never). */
  getTransaction(signature: string): Promise<TransactionJson | null>
  /**
   * Several getTransaction calls in ONE JSON-RPC batch request (one HTTP round trip, one body to
   * parse), answers in the order of `signatures`. A failure of the whole request rejects; a failure of
   * one call is that call's answer. A node that refuses batches rejects with a non-retryable `RpcError`.
   * Optional: the indexer falls back to getTransaction without it.
   */
  getTransactions?(signatures: readonly string[]): Promise<BatchAnswer<TransactionJson | null>[]>
  /**
   * The same batch request as {@link RpcClient.getTransactions}, answered with the raw response body
   * (HTTP and transport failures still reject), for {@link readTransactionsBatch} to parse elsewhere:
   * the indexer hands it to its decode thread, so that the JSON never costs the main thread.
   */
  fetchTransactionsBatch?(signatures: readonly string[]): Promise<RawTransactionsBatch>
  getSlot(): Promise<number>
  getBlockTime(slot: number): Promise<number | null>
  /** Resolves `'ok'`; a node that is behind or unhealthy rejects with a retryable `RpcError` (-32005). */
  getHealth(): Promise<string>
  /** Any other method. */
  call<T>(method: string, params?: unknown[]): Promise<T>
}

/** Creates a JSON-RPC client for `options.url`. */
export function createRpcClient(options: RpcClientOptions): RpcClient {
  const url = options.url
  const timeout = options.timeout ?? 10_000
  const commitment = options.commitment ?? 'confirmed'
  const doFetch = options.fetch ?? globalThis.fetch
  let nextId = 1

  /**
   * POSTs a body and returns the answer's bytes, with the node's `Retry-After` (a proxy may send one
   * with a 429 in a 200's body); transport and HTTP failures become an `RpcError`.
   */
  async function postBytes(method: string, body: string): Promise<PostAnswer> {
    let response: Response
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(timeout),
      })
    }
    catch (error) {
      const name = (error as { name?: string } | null)?.name
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new RpcError(method, 'timeout', `${method} timed out after ${timeout} ms`, { retryable: true, cause: error })
      }
      throw new RpcError(method, 'network', `${method} failed: ${(error as Error)?.message ?? String(error)}`, { retryable: true, cause: error })
    }
    let bytes: Uint8Array
    try {
      bytes = new Uint8Array(await response.arrayBuffer())
    }
    catch (error) {
      throw new RpcError(method, 'network', `${method}: response body lost`, { retryable: true, cause: error })
    }
    if (!response.ok) {
      const retryable = response.status === 429 || response.status >= 500 || response.status === 408
      throw new RpcError(method, 'http', `${method}: HTTP ${response.status}`, { code: response.status, retryable, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) })
    }
    return { bytes, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) }
  }

  async function call<T>(method: string, params: unknown[] = []): Promise<T> {
    const id = nextId++
    const { bytes, retryAfterMs } = await postBytes(method, JSON.stringify({ jsonrpc: '2.0', id, method, params }))
    const answer = answerOf<T>(method, parseRpcBody(method, bytes) as never, retryAfterMs)
    if (!answer.ok) throw answer.error
    return answer.value
  }

  const txConfig = { encoding: 'json', maxSupportedTransactionVersion: 0, commitment }
  const txConfigJson = JSON.stringify(txConfig)

  /** The body of a getTransaction batch request for `signatures`, ids from `first` on. */
  function transactionsRequest(signatures: readonly string[], first: number): string {
    // Written by hand: JSON.stringify of a hundred small objects cost more than sending them.
    let request = '['
    for (let i = 0; i < signatures.length; i++) {
      request += `${i === 0 ? '' : ','}{"jsonrpc":"2.0","id":${first + i},"method":"getTransaction","params":[${JSON.stringify(signatures[i])},${txConfigJson}]}`
    }
    return `${request}]`
  }

  async function fetchTransactionsBatch(signatures: readonly string[]): Promise<RawTransactionsBatch> {
    const first = nextId
    nextId += signatures.length
    const { bytes, retryAfterMs } = await postBytes('getTransaction', transactionsRequest(signatures, first))
    // A body that is not an array rejects, as the contract says. The indexer checks again with `checkTransactionsBatch` (any
    // client's body), where the request is queued and the rate-limit pacing sees it.
    assertBatchBody(bytes, retryAfterMs)
    return { bytes, first, retryAfterMs }
  }

  return {
    url,
    call,
    getSignaturesForAddress(address, page = {}) {
      const config: Record<string, unknown> = { commitment, limit: page.limit ?? 1000 }
      if (page.before) config.before = page.before
      if (page.until) config.until = page.until
      if (page.minContextSlot !== undefined) config.minContextSlot = page.minContextSlot
      return call<SignatureInfo[]>('getSignaturesForAddress', [address, config])
    },
    getTransaction(signature) {
      return call<TransactionJson | null>('getTransaction', [signature, txConfig])
    },
    async getTransactions(signatures) {
      const { bytes, first } = await fetchTransactionsBatch(signatures)
      return readTransactionsBatch(parseRpcBody('getTransaction', bytes), first, signatures.length)
    },
    fetchTransactionsBatch,
    getSlot() {
      return call<number>('getSlot', [{ commitment }])
    },
    getBlockTime(slot) {
      return call<number | null>('getBlockTime', [slot])
    },
    getHealth() {
      return call<string>('getHealth')
    },
  }
}

/** Parses a response body; a proxy answering with a truncated or HTML body is worth another try. */
export function parseRpcBody(method: string, bytes: Uint8Array): unknown {
  try {
    return parseJsonBytes(bytes)
  }
  catch (error) {
    throw new RpcError(method, 'invalid-response', `${method}: response is not JSON`, { retryable: true, cause: error })
  }
}

/** An answer's bytes, and the `Retry-After` it came with (ms, or null). */
interface PostAnswer {
  bytes: Uint8Array
  retryAfterMs: number | null
}

/**
 * The result of one JSON-RPC response object, or its error. `retryAfterMs` is the answer's
 * `Retry-After`, kept on a 429 error (rpcpool's form) for the rate-limit pacing.
 */
function answerOf<T>(method: string, body: { result?: T, error?: { code: number, message: string } } | null, retryAfterMs: number | null = null): BatchAnswer<T> {
  if (body?.error) {
    const code = Number(body.error.code)
    return { ok: false, error: new RpcError(method, 'jsonrpc', `${method}: ${body.error.message} (${code})`, { code, retryable: isRetryableRpcCode(code), retryAfterMs: code === 429 ? retryAfterMs : null }) }
  }
  if (typeof body !== 'object' || body === null || !('result' in body)) return { ok: false, error: new RpcError(method, 'invalid-response', `${method}: no result`, { retryable: true }) }
  return { ok: true, value: body.result as T }
}

/**
 * The answers of a parsed getTransaction batch response, in the order of the request's signatures
 * (ids `first` to `first + count - 1`). Pure, so that a worker thread can run it. A body that is not
 * an array is one error for the whole request (thrown): retryable when its code is, else a node or
 * proxy that does not take batches (not retryable).
 */
export function readTransactionsBatch(body: unknown, first: number, count: number): BatchAnswer<TransactionJson | null>[] {
  const method = 'getTransaction'
  if (!Array.isArray(body)) throw batchErrorOf(body, null)
  // Answers may come in any order (JSON-RPC 2.0): matched by id.
  const out: BatchAnswer<TransactionJson | null>[] = Array.from({ length: count })
  for (const item of body as { id?: unknown }[]) {
    const at = typeof item?.id === 'number' ? item.id - first : -1
    if (at >= 0 && at < count) out[at] = answerOf(method, item as never)
  }
  for (let i = 0; i < count; i++) {
    out[i] ??= { ok: false, error: new RpcError(method, 'invalid-response', `${method}: no answer in the batch`, { retryable: true }) }
  }
  return out
}

/**
 * What a raw getTransaction batch says about the request as a whole, read without parsing it where it
 * is an array: throws the error of a body that is not one (a proxy's 429, a node behind, a node that
 * takes no batches; see {@link readTransactionsBatch}), and returns a "too many requests" when one of
 * its answers is one, for the rate-limit pacing (the answers themselves are read as usual: the others
 * are good). Run by the indexer on whatever client fetched the batch, its own or a custom one.
 */
export function checkTransactionsBatch(raw: RawTransactionsBatch): RpcError | undefined {
  const retryAfterMs = raw.retryAfterMs ?? null
  assertBatchBody(raw.bytes, retryAfterMs)
  if (!hasRateLimitedAnswer(raw.bytes)) return undefined
  return new RpcError('getTransaction', 'jsonrpc', 'getTransaction: the node refused calls of the batch: too many requests (429)', { code: 429, retryable: true, retryAfterMs })
}

/** A body that is not an array is one error for the whole request (a proxy's 429, a node behind): thrown. */
function assertBatchBody(bytes: Uint8Array, retryAfterMs: number | null): void {
  if (!opensArray(bytes)) throw batchErrorOf(parseRpcBody('getTransaction', bytes), retryAfterMs)
}

/**
 * The error of a getTransaction batch answered with one object instead of an array. A transient error
 * for the whole request (a node behind, a proxy's 429 in the body) is retried as a batch; any other
 * error object, or a lone result, means the node does not take batches.
 */
function batchErrorOf(body: unknown, retryAfterMs: number | null): RpcError {
  const method = 'getTransaction'
  const answer = answerOf(method, body as never, retryAfterMs)
  if (answer.ok) return new RpcError(method, 'invalid-response', `${method}: batch answered with a single result`, { retryable: false })
  const code = answer.error.code ?? 0
  if (isRetryableRpcCode(code)) return answer.error
  return new RpcError(method, 'jsonrpc', `batch refused: ${answer.error.message}`, { code, retryable: false })
}

/** The WebSocket URL a node serves beside `rpcUrl` (http→ws, https→wss; port + 1 when one is given, as Agave does). */
export function deriveWsUrl(rpcUrl: string): string {
  const url = new URL(rpcUrl)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  if (url.port) url.port = String(Number(url.port) + 1)
  return url.toString()
}
