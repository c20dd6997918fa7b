/**
 * JSON-RPC errors with the exact codes and messages Agave uses (see rpc.rs, custom_error.rs).
 */

/** A JSON-RPC error object; `data` is omitted from the wire when undefined. */
export class RpcError extends Error {
  override readonly name = 'RpcError'
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message)
  }
}

/** -32602 with Agave's wording, e.g. `Invalid param: WrongSize`. */
export const invalidParams = (message = 'Invalid params') => new RpcError(-32602, message)

/** Errors with fixed text, built on demand (each call is a fresh instance). */
export const rpcErrors = {
  parse: () => new RpcError(-32700, 'Parse error'),
  invalidRequest: () => new RpcError(-32600, 'Invalid request'),
  methodNotFound: () => new RpcError(-32601, 'Method not found'),
  invalidLimit: () => invalidParams('Invalid limit; max 1000'),
  commitmentBelowConfirmed: () => invalidParams('Method does not support commitment below `confirmed`'),
  unsupportedTxVersion: (version: number) =>
    new RpcError(
      -32015,
      `Transaction version (${version}) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": 0`,
    ),
  minContextSlot: (contextSlot: number) => new RpcError(-32016, 'Minimum context slot has not been reached', { contextSlot }),
  blockNotAvailable: (slot: number) => new RpcError(-32004, `Block not available for slot ${slot}`),
  /** Not Agave's (it takes any batch): what gateways in front of it answer over their cap (fault injection). */
  batchTooLarge: (calls: number, cap: number) => new RpcError(-32600, `batch of ${calls} requests exceeds the limit of ${cap}`),
} as const
