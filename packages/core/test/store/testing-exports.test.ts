import { expect, it } from 'vitest'
import * as testing from '../../src/testing'

it('exports a deliberate list of names from @fare-casino/core/testing', () => {
  expect(Object.keys(testing).sort()).toEqual([
    'coinFlipQK', 'createRng', 'generateWorkload', 'listAllBets', 'makeBatch', 'makeJackpot', 'makeRegister', 'makeResolve',
    'randomSignature', 'randomWallet', 'recomputeTotals', 'snapshotStore', 'supportsFailureInjection', 'testCasinoStore',
    'testPool', 'vaultFees', 'windowTotals',
  ])
})
