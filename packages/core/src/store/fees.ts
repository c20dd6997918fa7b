import type { BetFee } from './types'

/**
 * A bet's fees as text, for a store's column or field: a JSON list of `[type, "amount"]` pairs (the
 * amount a decimal string: a u64 is not a safe JSON number), `[]` for none. One format for every
 * adapter, so that a row means the same in each and SQL's JSON functions can read it.
 */
export function encodeFees(fees: readonly BetFee[]): string {
  // Written by hand: once per bet on the ingest path, and a few times faster than JSON.stringify of the pairs.
  let text = '['
  for (let i = 0; i < fees.length; i++) {
    const fee = fees[i]!
    text += `${i === 0 ? '' : ','}[${fee.type},"${fee.amount}"]`
  }
  return `${text}]`
}

/** The fees of {@link encodeFees}' text. Throws on text it did not write. */
export function decodeFees(text: string): BetFee[] {
  return text === '[]' ? [] : feesOfPairs(JSON.parse(text))
}

/** The fees of {@link encodeFees}' pairs already parsed (a JSON column a driver parses itself). Throws on anything else. */
export function feesOfPairs(pairs: unknown): BetFee[] {
  if (!Array.isArray(pairs)) throw new TypeError(`bet fees: not a list: ${JSON.stringify(pairs)?.slice(0, 40)}`)
  return pairs.map((pair: unknown) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'number' || typeof pair[1] !== 'string') {
      throw new TypeError(`bet fees: not a [type, "amount"] pair: ${JSON.stringify(pair)}`)
    }
    return { type: pair[0], amount: BigInt(pair[1]) }
  })
}

/**
 * Appends `fees` to a flat list of values (the packed forms that cross threads): their count, then each
 * one's type and amount. {@link readFees} reads them back.
 */
export function pushFees(out: unknown[], fees: readonly BetFee[]): void {
  out.push(fees.length)
  for (const fee of fees) out.push(fee.type, fee.amount)
}

/** The fees {@link pushFees} wrote at `at` in `values`; they take `1 + 2 * fees.length` values. */
export function readFees(values: readonly unknown[], at: number): BetFee[] {
  const count = values[at] as number
  const fees: BetFee[] = []
  for (let k = at + 1; k < at + 1 + 2 * count; k += 2) fees.push({ type: values[k] as number, amount: values[k + 1] as bigint })
  return fees
}
