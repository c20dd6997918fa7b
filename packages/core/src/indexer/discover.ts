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

/** Runs one RPC call (through the indexer's queue and retries). */
type Call = <T>(fn: (rpc: RpcClient) => Promise<T>) => Promise<T>

/**
 * Every signature of `address` newer than `until` and older than `before` (all of them when undefined,
 * or the `max` newest), newest first, each once.
 */
export async function listSignatures(
  call: Call,
  address: string,
  bounds: { until?: string, before?: string, max?: number },
): Promise<SignatureInfo[]> {
  const out: SignatureInfo[] = []
  const seen = new Set<string>()
  let before: string | undefined = bounds.before
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
 * Every signature of `address` newer than `until`, handed to `onChunk` oldest chunk first (each chunk
 * newest first, about `chunk` signatures), without ever holding more than one chunk: a casino that was
 * down for a day has millions of transactions to catch up on, at ~200 bytes each.
 *
 * A first walk from the head down to `until` keeps only the oldest signature of every `chunk`-th
 * position (and the two oldest chunks, which it hands over as they are); each newer chunk is then listed
 * again between two of those marks, oldest first. When everything
 * fits in one chunk (the usual poll), the first walk's pages are handed over as they are. `onChunk` may
 * wait (backpressure): the next chunk is listed once it returns.
 */
export async function listSignaturesInChunks(
  call: Call,
  address: string,
  until: string | undefined,
  chunk: number,
  onChunk: (newestFirst: SignatureInfo[]) => Promise<void> | void,
): Promise<void> {
  let kept: SignatureInfo[] | undefined = []
  const marks: string[] = []
  const seen = new Set<string>()
  // The walk's last two segments: the oldest full chunk and the tail older than it, handed over as
  // they are (no second listing for the two oldest chunks).
  let segment: SignatureInfo[] = []
  let lastChunk: SignatureInfo[] = []
  let sinceMark = 0
  let before: string | undefined
  for (;;) {
    const page = await call(rpc => rpc.getSignaturesForAddress(address, { before, until, limit: SIGNATURE_PAGE_LIMIT }))
    let fresh = 0
    for (const info of page) {
      if (info.signature === until) break
      if (seen.has(info.signature)) continue
      seen.add(info.signature)
      kept?.push(info)
      segment.push(info)
      before = info.signature
      fresh++
      if (++sinceMark >= chunk) {
        marks.push(info.signature)
        lastChunk = segment
        segment = []
        sinceMark = 0
      }
    }
    if (fresh === 0) break
    if (kept && kept.length > chunk) kept = undefined // too many to hold: listed again chunk by chunk
    // Only the signatures of the last page matter for spotting a node that repeats itself.
    if (!kept) seen.clear()
    if (!kept) for (const info of page) seen.add(info.signature)
  }
  if (kept) {
    if (kept.length > 0) await onChunk(kept)
    return
  }
  // Oldest chunk first: the two the walk still holds, then everything older than the newest mark not yet
  // used and newer than what was handed over.
  if (segment.length > 0) await onChunk(segment)
  await onChunk(lastChunk)
  let handed = lastChunk[0]!.signature
  segment = []
  lastChunk = []
  for (let i = marks.length - 2; i >= -1; i--) {
    const found = await listSignatures(call, address, { until: handed, before: i >= 0 ? marks[i] : undefined })
    if (found.length === 0) continue
    await onChunk(found)
    handed = found[0]!.signature
  }
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
