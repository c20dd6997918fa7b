import type { RpcClient, SignatureInfo } from '../solana/rpc'

/**
 * Finding the program's transactions with getSignaturesForAddress, without gaps.
 *
 * Pages come newest first. A page shorter than the limit does not prove the end: nodes and proxies
 * return short pages (a BigTable boundary, a response cap), so paging goes on, `before` the oldest
 * signature seen, until a page comes back empty. With `until` set to the last signature already
 * known, an empty page means there is nothing older that is new to us.
 */

/** Limit of one getSignaturesForAddress page (the node's maximum). */
export const SIGNATURE_PAGE_LIMIT = 1000

/**
 * Every signature of `address` newer than `until` (all of them when `until` is undefined, or the
 * `max` newest), newest first, each once.
 */
export async function listSignatures(
  call: <T>(fn: (rpc: RpcClient) => Promise<T>) => Promise<T>,
  address: string,
  bounds: { until?: string, max?: number },
): Promise<SignatureInfo[]> {
  const out: SignatureInfo[] = []
  const seen = new Set<string>()
  let before: string | undefined
  for (;;) {
    const limit = bounds.max === undefined ? SIGNATURE_PAGE_LIMIT : Math.min(SIGNATURE_PAGE_LIMIT, bounds.max - out.length)
    if (limit <= 0) break
    const page = await call(rpc => rpc.getSignaturesForAddress(address, { before, until: bounds.until, limit }))
    let fresh = 0
    for (const info of page) {
      if (info.signature === bounds.until) break // a node that ignores `until` exclusivity
      if (seen.has(info.signature)) continue
      seen.add(info.signature)
      out.push(info)
      fresh++
    }
    // Empty (or nothing new: a node repeating itself) is the only proof of the end.
    if (fresh === 0) break
    before = out[out.length - 1]!.signature
  }
  return out
}

/**
 * Chain order, oldest first: by slot, then by position in the block when the node gives it, else the
 * reverse of the order the node listed them in (which is newest first).
 */
export function toChainOrder(newestFirst: readonly SignatureInfo[]): SignatureInfo[] {
  return [...newestFirst].reverse().sort((a, b) => {
    if (a.slot !== b.slot) return a.slot - b.slot
    if (a.transactionIndex !== undefined && b.transactionIndex !== undefined) return a.transactionIndex - b.transactionIndex
    return 0 // stable sort keeps the reversed listing order
  })
}
