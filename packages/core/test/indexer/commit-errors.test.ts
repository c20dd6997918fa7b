import { describe, expect, it } from 'vitest'
import { CasinoError } from '../../src/errors'
import { permanentCommitErrorKey } from '../../src/indexer/commit-errors'

describe('permanentCommitErrorKey', () => {
  it('keys the refusals that recur with the same batch, and nothing that heals by itself', () => {
    expect(permanentCommitErrorKey(new CasinoError('AMOUNT_OUT_OF_RANGE', 'too big'))).toBe('casino:AMOUNT_OUT_OF_RANGE')
    expect(permanentCommitErrorKey(new RangeError('The value of "value" is out of range.'))).toBe('range:The value of "value" is out of range.')
    expect(permanentCommitErrorKey(Object.assign(new Error('numeric field overflow'), { code: '22003' }))).toBe('sqlstate:22003')
    for (const transient of [
      new CasinoError('STORE_ERROR', 'connection lost'),
      new CasinoError('NOT_READY', 'starting'),
      Object.assign(new Error('terminating connection'), { code: '57P01' }),
      new Error('ECONNRESET'),
      // Before, memory running out (a RangeError from V8) counted as a refusal of the batch: its group was
      // split down to single transactions, and one that kept failing was skipped with its bets.
      new RangeError('Array buffer allocation failed'),
    ]) {
      expect(permanentCommitErrorKey(transient), String(transient)).toBeUndefined()
    }
  })
})
