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
 * The pages of getSignaturesForAddress newer than `until` and older than `before`, newest first, each
 * page cut to the signatures not seen before (the `max` newest at most). A signature seen on an earlier
 * page (all of them, or only the previous page's with `rememberAll` false, for walks too long to
 * remember) is skipped; a page with nothing new ends the walk.
 */
async function* freshPages(
  call: Call,
  address: string,
  bounds: { until?: string, before?: string, max?: number },
  rememberAll: boolean,
): AsyncGenerator<SignatureInfo[]> {
  let seen = new Set<string>()
  let before = bounds.before
  let listed = 0
  for (;;) {
    const limit = bounds.max === undefined ? SIGNATURE_PAGE_LIMIT : Math.min(SIGNATURE_PAGE_LIMIT, bounds.max - listed)
    if (limit <= 0) return
    const page = await call(rpc => rpc.getSignaturesForAddress(address, { before, until: bounds.until, limit }))
    const fresh: SignatureInfo[] = []
    for (const info of page) {
      if (info.signature === bounds.until) break // a node that ignores `until` exclusivity
      if (seen.has(info.signature)) continue
      seen.add(info.signature)
      fresh.push(info)
    }
    // Empty (or nothing new: a node repeating itself) is the only proof of the end.
    if (fresh.length === 0) return
    // A long walk remembers the last page only: the next one starts before its oldest signature.
    if (!rememberAll) seen = new Set(page.map(info => info.signature))
    listed += fresh.length
    before = fresh[fresh.length - 1]!.signature
    yield fresh
  }
}

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
  for await (const page of freshPages(call, address, bounds, true)) out.push(...page)
  return out
}

/**
 * Every signature of `address` newer than `until`, handed to `onChunk` oldest chunk first (each chunk
 * newest first, about `chunk` signatures), without ever holding more than two chunks: a casino that was
 * down for a day has millions of transactions to catch up on, at ~200 bytes each.
 *
 * A first walk from the head down to `until` keeps the oldest signature of every `chunk`-th position
 * (a mark) and the two oldest chunks, which it hands over as they are; each newer chunk is then listed
 * again between two marks, oldest first. When everything fits in one chunk (the usual poll), the walk's
 * signatures are handed over at once. `onChunk` may wait (backpressure): the next chunk is listed once
 * it returns.
 */
export async function listSignaturesInChunks(
  call: Call,
  address: string,
  until: string | undefined,
  chunk: number,
  onChunk: (newestFirst: SignatureInfo[]) => Promise<void> | void,
): Promise<void> {
  const marks: string[] = []
  // The walk's last two segments: the oldest full chunk so far and what is older than it.
  let segment: SignatureInfo[] = []
  let lastChunk: SignatureInfo[] = []
  for await (const page of freshPages(call, address, { until }, false)) {
    for (const info of page) {
      segment.push(info)
      if (segment.length >= chunk) {
        marks.push(info.signature)
        lastChunk = segment
        segment = []
      }
    }
  }
  if (marks.length === 0 || (marks.length === 1 && segment.length === 0)) {
    const all = marks.length === 0 ? segment : lastChunk
    if (all.length > 0) await onChunk(all)
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
