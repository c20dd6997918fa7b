import { isRetryableRpcCode, RpcError } from './rpc-errors'

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

/** The calls the indexer makes. */
export interface RpcClient {
  readonly url: string
  /** Newest first; `before` and `until` are exclusive; `limit` 1 to 1000. */
  getSignaturesForAddress(address: string, options?: { before?: string, until?: string, limit?: number }): Promise<SignatureInfo[]>
  /** Null when the node does not have the transaction (not yet, or never). */
  getTransaction(signature: string): Promise<TransactionJson | null>
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

  async function call<T>(method: string, params: unknown[] = []): Promise<T> {
    const id = nextId++
    let response: Response
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
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
    let text: string
    try {
      text = await response.text()
    }
    catch (error) {
      throw new RpcError(method, 'network', `${method}: response body lost`, { retryable: true, cause: error })
    }
    if (!response.ok) {
      const retryable = response.status === 429 || response.status >= 500 || response.status === 408
      throw new RpcError(method, 'http', `${method}: HTTP ${response.status}`, { code: response.status, retryable })
    }
    let body: { result?: T, error?: { code: number, message: string } }
    try {
      body = JSON.parse(text)
    }
    catch (error) {
      // A proxy answering with a truncated or HTML body: worth another try.
      throw new RpcError(method, 'invalid-response', `${method}: response is not JSON`, { retryable: true, cause: error })
    }
    if (body.error) {
      const code = Number(body.error.code)
      throw new RpcError(method, 'jsonrpc', `${method}: ${body.error.message} (${code})`, { code, retryable: isRetryableRpcCode(code) })
    }
    if (!('result' in body)) throw new RpcError(method, 'invalid-response', `${method}: no result`, { retryable: true })
    return body.result as T
  }

  return {
    url,
    call,
    getSignaturesForAddress(address, page = {}) {
      const config: Record<string, unknown> = { commitment, limit: page.limit ?? 1000 }
      if (page.before) config.before = page.before
      if (page.until) config.until = page.until
      return call<SignatureInfo[]>('getSignaturesForAddress', [address, config])
    },
    getTransaction(signature) {
      return call<TransactionJson | null>('getTransaction', [signature, { encoding: 'json', maxSupportedTransactionVersion: 0, commitment }])
    },
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

/** The WebSocket URL a node serves beside `rpcUrl` (http→ws, https→wss; port + 1 when one is given, as Agave does). */
export function deriveWsUrl(rpcUrl: string): string {
  const url = new URL(rpcUrl)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  if (url.port) url.port = String(Number(url.port) + 1)
  return url.toString()
}
