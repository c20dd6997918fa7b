/**
 * getSignaturesForAddress: newest first, `before`/`until` exclusive, `limit` 1..1000.
 * Ordering is ledger order (slot, then transactionIndex), so within a slot the last transaction
 * of the block comes first, as on current Agave.
 */
import type { Ledger } from '../chain/ledger'
import type { TxRecord } from '../chain/types'
import { rpcErrors } from './errors'
import { signatureInfoJson } from './tx-cache'
import { checkMinContextSlot, configAt, confirmedCommitmentOf, optionalU64, parseBase58Key, readFields, stringOf, unsignedOf } from './params'

/** Decides how many entries a page really returns (the short-page fault); identity by default. */
export type PageSizer = (limit: number, available: number) => number

/** Highest index i with pred(list[i]) true, for a predicate monotone (true...false); -1 if none. */
function lastWhere(list: readonly TxRecord[], pred: (r: TxRecord) => boolean): number {
  let lo = 0
  let hi = list.length - 1
  let ans = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (pred(list[mid]!)) {
      ans = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  return ans
}

/** Handles getSignaturesForAddress. */
export function getSignaturesForAddress(ledger: Ledger, params: unknown[], sizer: PageSizer): unknown {
  // serde reads every param's type first; then, in Agave's order: the address, `before`, `until` (a
  // malformed one is refused, an unknown one is not), the limit's range, then the commitment.
  const addressText = stringOf(params[0])
  const optionalString = (v: unknown) => void (v === undefined || v === null || stringOf(v))
  const config = readFields(configAt(params, 1, 'RpcSignaturesForAddressConfig'), {
    before: optionalString, until: optionalString, minContextSlot: optionalU64,
    limit: v => void (v === undefined || v === null || unsignedOf(v, 64, 'usize')),
  })
  const address = parseBase58Key(addressText, 32)
  if (typeof config.before === 'string') parseBase58Key(config.before, 64)
  if (typeof config.until === 'string') parseBase58Key(config.until, 64)
  const limit = typeof config.limit === 'number' ? config.limit : 1000
  if (limit < 1 || limit > 1000) throw rpcErrors.invalidLimit()
  const commitment = confirmedCommitmentOf(config)
  const visible = ledger.slotAt(commitment)
  checkMinContextSlot(config, visible)
  const finalized = ledger.finalizedSlot
  const list = ledger.forAddress(address)
  let top = lastWhere(list, (r) => r.slot <= visible)
  if (typeof config.before === 'string') {
    const before = ledger.get(config.before, commitment)
    if (!before) return []
    top = Math.min(top, lastWhere(list, (r) => r.seq < before.seq))
  }
  let bottom = 0
  if (typeof config.until === 'string') {
    const until = ledger.get(config.until, commitment)
    if (until) bottom = lastWhere(list, (r) => r.seq <= until.seq) + 1
  }
  const available = Math.max(0, top - bottom + 1)
  // Only a page with more entries behind it may come back short; it is still the
  // newest-first contiguous prefix, never a gap.
  const n = available > limit ? Math.max(1, Math.min(limit, sizer(limit, available))) : available
  const out: unknown[] = []
  for (let i = top; i > top - n; i--) {
    const r = list[i]!
    out.push(signatureInfoJson(r, r.slot <= finalized))
  }
  return out
}
