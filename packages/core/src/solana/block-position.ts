/**
 * A `transactionIndex` as a node sends it (a listing's entry, or a transaction), read as a position in the
 * block: a whole number from 0. Anything else (a float, -1, null, 1e999 read as Infinity) is none.
 */
export function blockPosition(transactionIndex: unknown): number | undefined {
  return Number.isSafeInteger(transactionIndex) && (transactionIndex as number) >= 0 ? transactionIndex as number : undefined
}
