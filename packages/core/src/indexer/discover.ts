import { performance } from 'node:perf_hooks'
import { blockPosition } from '../solana/block-position'
import type { RpcClient, SignatureInfo } from '../solana/rpc'
import { RpcError } from '../solana/rpc-errors'

/**
 * Finding the program's transactions with getSignaturesForAddress, without gaps.
 *
 * Pages come newest first. A page shorter than the limit does not prove the end: nodes and proxies
 * return short pages (a BigTable boundary, a response cap), so paging goes on, `before` the oldest
 * signature seen, until a page comes back empty. With `until` set to the last signature already
 * known, an empty page means there is nothing older that is new to us.
 *
 * A node that does not know `until` (one behind the node that listed it, behind a load balancer) lists
 * past it, down to the start of the program's history. `untilSlot`, the slot of `until`, ends the walk
 * at the first signature of an older slot: everything older was known already.
 *
 * A node behind does not know `before` either, and answers `[]`, which would look like the end: after a
 * short page, the transactions between that page and `until` would never be listed (and the cursor would
 * move past them). So every page `before` a signature asks for `minContextSlot` = its slot: a node that
 * has not reached it answers -32016, which is retried (another node, or the same one caught up).
 *
 * That leaves an empty page from a node that has reached the slot and still does not know `before`: one
 * whose transaction statuses trail its bank, or a fork that dropped `before`. So an empty page `before` a
 * signature ends a walk down to `until` only once the node shows that nothing lies between: the signature
 * it lists just older than `before` is `until` (or of an older slot). Otherwise the page is asked again
 * after a pause, a few times; a walk that still cannot tell ends as before and says so (`onUnconfirmedEnd`).
 */

/** Where a walk stops: the newest signature already known, and its slot when known. */
export interface ListBounds {
  /** The newest signature already known (exclusive). */
  until?: string
  /** Its slot: a signature of an older slot ends the walk, even when the node does not know `until`. */
  untilSlot?: number
}

/** Where a walk starts: older than `before` (its slot, when known, is asked of the node), or at the head. */
export interface Older {
  before?: string
  /** The slot of `before`: a node that has not reached it does not know `before` (see above). */
  beforeSlot?: number
  /** The newest this many at most. */
  max?: number
}

/** The bounds of a walk for what is newer than `position`, a transaction already known. */
export function boundsAfter(position: { signature: string, slot: number }): ListBounds {
  return { until: position.signature, untilSlot: position.slot }
}

/** Limit of one getSignaturesForAddress page (the node's maximum). */
export const SIGNATURE_PAGE_LIMIT = 1000

/** Runs one RPC call (through the indexer's queue and retries). */
type Call = <T>(fn: (rpc: RpcClient) => Promise<T>) => Promise<T>

/** Pauses before asking again for a page whose `before` the node did not show it knows (ms, in turn). */
export const UNCONFIRMED_END_PAUSES = [100, 250, 500, 1000, 2000]

/**
 * Told when a walk ends on an empty page `before` a signature the node never showed it knows (see the
 * module's comment): what lies between it and `until` may not have been listed.
 */
export type OnUnconfirmedEnd = (before: { signature: string, slot: number | undefined }) => void

/** How a walk ended: `older` is the node's answer for the signature just before the oldest it listed, when asked. */
export interface WalkEnd {
  /** That signature, or null when the node listed none before it; undefined when not asked. */
  older?: SignatureInfo | null
}

/**
 * A page as the node answered it, checked: a list of entries with a signature and a slot. A proxy may
 * answer `null` (or anything else): worth asking again, and never taken for the end of a walk.
 */
function checkedPage(page: unknown): SignatureInfo[] {
  const valid = Array.isArray(page) && page.every(info => typeof info?.signature === 'string' && Number.isSafeInteger(info?.slot))
  if (!valid) throw new RpcError('getSignaturesForAddress', 'invalid-response', 'getSignaturesForAddress: the node answered no list of signatures', { retryable: true })
  return page
}

/** One getSignaturesForAddress page through `call`, checked (see {@link checkedPage}). */
function listPage(call: Call, address: string, page: Parameters<RpcClient['getSignaturesForAddress']>[1]): Promise<SignatureInfo[]> {
  return call(async rpc => checkedPage(await rpc.getSignaturesForAddress(address, page)))
}

/**
 * The pages of getSignaturesForAddress newer than `until` and older than `before`, newest first, each
 * page cut to the signatures not seen before (the `max` newest at most). A signature seen on an earlier
 * page (all of them, or only the previous page's with `rememberAll` false, for walks too long to
 * remember) is skipped; a page with nothing new ends the walk.
 */
async function* freshPages(
  call: Call,
  address: string,
  bounds: ListBounds & Older,
  rememberAll: boolean,
  onListed?: OnListed,
  onUnconfirmedEnd?: OnUnconfirmedEnd,
  end?: WalkEnd,
): AsyncGenerator<SignatureInfo[]> {
  let seen = new Set<string>()
  let before = bounds.before
  let beforeSlot = bounds.before === undefined ? undefined : bounds.beforeSlot
  let listed = 0
  let ended = false
  for (;;) {
    const limit = bounds.max === undefined ? SIGNATURE_PAGE_LIMIT : Math.min(SIGNATURE_PAGE_LIMIT, bounds.max - listed)
    if (limit <= 0 || ended) return
    const asked = onListed ? performance.eventLoopUtilization() : undefined
    const ask = () => listPage(call, address, { before, until: bounds.until, limit, minContextSlot: beforeSlot })
    // Only the answer about the last page's `before` says how the walk ended.
    if (end) end.older = undefined
    let page = await ask()
    if (page.length === 0 && before !== undefined && bounds.until !== undefined) {
      const after = before
      const knows = () => listPage(call, address, { before: after, limit: 1, minContextSlot: beforeSlot })
      // The end is proven by the answer about `before` alone: the signature just older than it is `until`
      // (or of an older slot, from a node that does not know `until`), so nothing lies between. The empty
      // page may come from another node than that answer (a load balancer): it proves nothing by itself.
      for (let attempt = 0; page.length === 0; attempt++) {
        const [older] = await knows()
        if (end) end.older = older ?? null
        if (older && (older.signature === bounds.until || (bounds.untilSlot !== undefined && older.slot < bounds.untilSlot))) break
        if (attempt === UNCONFIRMED_END_PAUSES.length) {
          onUnconfirmedEnd?.({ signature: after, slot: beforeSlot })
          break
        }
        await new Promise(resolve => setTimeout(resolve, UNCONFIRMED_END_PAUSES[attempt]))
        page = await ask()
      }
    }
    const waited = asked ? 1 - performance.eventLoopUtilization(asked).utilization : 0
    const fresh: SignatureInfo[] = []
    for (const info of page) {
      if (info.signature === bounds.until) break // a node that ignores `until` exclusivity
      if (bounds.untilSlot !== undefined && info.slot < bounds.untilSlot) {
        ended = true // a node that does not know `until`: the rest is older still
        break
      }
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
    beforeSlot = fresh[fresh.length - 1]!.slot
    onListed?.(fresh, waited)
    yield fresh
  }
}

/**
 * Told of each page (its signatures not seen before) as it is listed, before the next one is asked for,
 * with the share of the page's round trip this thread spent idle: near 1 when the walk waits on the
 * network, near 0 when listing keeps the thread busy (a node that answers at once).
 */
export type OnListed = (newestFirst: readonly SignatureInfo[], idle: number) => void

/**
 * Every signature of `address` newer than `until` and older than `before` (all of them when undefined,
 * or the `max` newest), newest first, each once.
 */
export async function listSignatures(
  call: Call,
  address: string,
  bounds: ListBounds & Older,
  onListed?: OnListed,
  onUnconfirmedEnd?: OnUnconfirmedEnd,
): Promise<SignatureInfo[]> {
  const out: SignatureInfo[] = []
  for await (const page of freshPages(call, address, bounds, true, onListed, onUnconfirmedEnd)) out.push(...page)
  return out
}

/** Options of {@link listSignaturesInChunks}. */
export interface ChunkedListing {
  /** Signatures the first walk may keep to hand over without listing them again. @default WALK_KEPT_SIGNATURES */
  keep?: number
  /** Told of every page listed, as it is listed. */
  onListed?: OnListed
  /**
   * Told once the first walk has listed everything down to `bounds`, before any chunk is handed over,
   * with the oldest signature it listed (undefined when it listed none).
   */
  onWalked?: (oldest: SignatureInfo | undefined, end: WalkEnd) => void
  /** Told when a walk ends without the node showing it knows the signature the end was asked before. */
  onUnconfirmedEnd?: OnUnconfirmedEnd
}

/**
 * Signatures a walk keeps in memory (~250 bytes each) to hand its chunks over without listing them again:
 * a backlog of up to a few hours is listed once; a longer one holds two chunks at a time (see below).
 */
export const WALK_KEPT_SIGNATURES = 100_000

/**
 * Every signature of `address` newer than `bounds`, handed to `onChunk` oldest chunk first (each chunk
 * newest first, about `chunk` signatures).
 *
 * A first walk goes from the head down to `until`. While its full chunks add up to at most `keep`
 * signatures, it keeps them (with the part chunk older than them: `keep + chunk - 1` at most) and hands
 * them over from memory. Beyond that it never holds more than two chunks: a casino that was down for a
 * day has millions of transactions to catch up on. The walk then keeps the oldest
 * signature of every `chunk`-th position (a mark) and the two oldest chunks, which it hands over as they
 * are; each newer chunk is listed again between two marks, oldest first. Either way, what arrived during
 * the hand-over is listed last. `onChunk` may wait (backpressure): the next chunk is handed over (or
 * listed) once it returns. `onListed` sees every page as it comes, long before its chunk is handed over.
 */
export async function listSignaturesInChunks(
  call: Call,
  address: string,
  bounds: ListBounds,
  chunk: number,
  onChunk: (newestFirst: SignatureInfo[]) => Promise<void> | void,
  { keep = WALK_KEPT_SIGNATURES, onListed, onWalked, onUnconfirmedEnd }: ChunkedListing = {},
): Promise<void> {
  const marks: SignatureInfo[] = []
  // The walk's last two segments: the oldest full chunk so far and what is older than it.
  let segment: SignatureInfo[] = []
  let lastChunk: SignatureInfo[] = []
  // Every full chunk, newest first, while the walk stays within `keep`.
  let kept: SignatureInfo[][] | undefined = []
  let oldest: SignatureInfo | undefined
  const end: WalkEnd = {}
  for await (const page of freshPages(call, address, bounds, false, onListed, onUnconfirmedEnd, end)) {
    oldest = page[page.length - 1]
    for (const info of page) {
      segment.push(info)
      if (segment.length >= chunk) {
        marks.push(info)
        lastChunk = segment
        if (kept && (kept.length + 1) * chunk <= keep) kept.push(segment)
        else kept = undefined
        segment = []
      }
    }
  }
  // What the walk's end asked is only about its own oldest signature.
  onWalked?.(oldest, oldest ? end : {})
  if (marks.length === 0 || (marks.length === 1 && segment.length === 0)) {
    const all = marks.length === 0 ? segment : lastChunk
    if (all.length > 0) await onChunk(all)
    return
  }
  // Oldest chunk first: the two the walk still holds (or every chunk it kept), then everything older than
  // the newest mark not yet used and newer than what was handed over.
  if (segment.length > 0) await onChunk(segment)
  segment = []
  // The newest signature handed over, and its slot: a node behind the one that walked may not know it.
  let handed: string
  let handedSlot: number
  let next: number
  if (kept) {
    for (let i = kept.length - 1; i >= 0; i--) await onChunk(kept[i]!)
    handed = kept[0]![0]!.signature
    handedSlot = kept[0]![0]!.slot
    kept = undefined
    next = -1
  }
  else {
    await onChunk(lastChunk)
    handed = lastChunk[0]!.signature
    handedSlot = lastChunk[0]!.slot
    next = marks.length - 2
  }
  lastChunk = []
  for (let i = next; i >= -1; i--) {
    const mark = i >= 0 ? marks[i] : undefined
    const found = await listSignatures(call, address, { until: handed, untilSlot: handedSlot, before: mark?.signature, beforeSlot: mark?.slot }, onListed, onUnconfirmedEnd)
    if (found.length === 0) continue
    await onChunk(found)
    handed = found[0]!.signature
    handedSlot = found[0]!.slot
  }
}

/**
 * Chain order, oldest first: by slot, then by position in the block where the node gives it, else the
 * reverse of the order the node listed them in (which is newest first). Within a slot, the entries that
 * carry a position take, in position order, the places such entries hold in the listing; the others keep
 * theirs. A slot listed by two nodes behind a load balancer, one that gives positions and one that does
 * not, mixes both: a comparator that compares positions where both have one and calls the rest equal is
 * not transitive there, and the sort's result would depend on its algorithm.
 */
export function toChainOrder(newestFirst: readonly SignatureInfo[]): SignatureInfo[] {
  // Stable: within a slot, the reversed listing order.
  const ordered = [...newestFirst].reverse().sort((a, b) => a.slot - b.slot)
  for (let start = 0, end = 1; start < ordered.length; start = end, end = start + 1) {
    while (end < ordered.length && ordered[end]!.slot === ordered[start]!.slot) end++
    if (end - start > 1) orderByPosition(ordered, start, end)
  }
  return ordered
}

/** Sorts, in place, the entries of `ordered[start..end)` (one slot) that carry a position among their own places. */
function orderByPosition(ordered: SignatureInfo[], start: number, end: number): void {
  const places: number[] = []
  for (let i = start; i < end; i++) {
    if (blockPosition(ordered[i]!.transactionIndex) !== undefined) places.push(i)
  }
  if (places.length < 2) return
  const positioned = places.map(i => ordered[i]!).sort((a, b) => blockPosition(a.transactionIndex)! - blockPosition(b.transactionIndex)!)
  places.forEach((place, k) => {
    ordered[place] = positioned[k]!
  })
}

/** What {@link listingReach} found: the node lists back to the position, or not, or it cannot tell yet. */
export type ListingReach = 'reaches' | 'gap' | 'unknown'

/**
 * Whether the node's listing reaches back to `known`, a transaction already indexed, from `oldest`, the
 * oldest signature a walk down to `known` listed (undefined when it listed none). A walk that went down
 * to `known`'s slot proves it. Otherwise the signature just before `oldest` (as the walk's `end` found it,
 * else asked here) must be `known`, or of its slot or older. A node whose history starts later (a pruned ledger, a provider without long-term
 * storage) has nothing there: the transactions between `known` and its history were never listed, and a
 * walk alone cannot tell. With nothing listed, the node's newest signature is asked for: one newer than
 * `known` arrived after the walk, and says nothing yet (`unknown`: ask again after the next walk).
 */
export async function listingReach(
  call: Call,
  address: string,
  known: { signature: string, slot: number },
  oldest?: { signature: string, slot: number },
  end: WalkEnd = {},
): Promise<ListingReach> {
  if (oldest && oldest.slot <= known.slot) return 'reaches'
  // The walk's end asked the node this already (see freshPages), unless it listed nothing.
  const older = end.older !== undefined && oldest
    ? end.older ?? undefined
    : (await listPage(call, address, { before: oldest?.signature, limit: 1, minContextSlot: oldest?.slot }))[0]
  if (!older) return 'gap'
  if (older.signature === known.signature || older.slot <= known.slot) return 'reaches'
  return oldest ? 'gap' : 'unknown'
}
