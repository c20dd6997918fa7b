import { expect, it } from 'vitest'
import * as api from '../src/index'

it('exports a deliberate list of names', () => {
  expect(Object.keys(api).sort()).toEqual([
    'EVENT_DISCRIMINATORS',
    'FARE_EVENT_NAMES',
    'FARE_VAULT_PROGRAM_ID',
    'FEE_BPS',
    'FEE_TYPES',
    'INSTRUCTION_DISCRIMINATORS',
    'MINT_DECIMALS',
    'SYSTEM_PROGRAM_ID',
    'TOKEN_PROGRAM_ID',
    'anchorDiscriminator',
    'associatedTokenAddress',
    'decodeEvent',
    'defaultGames',
    'encodeEvent',
    'encodeEventBase64',
    'encodeEventLog',
    'gameHash',
    'pickOutcome',
    'startLocalnet',
    'trialRegisterInstruction',
    'trialResolveInstruction',
  ])
  expect(api.defaultGames.map((g) => g.id)).toEqual(['coinFlip', 'dice', 'rps', 'plinko', 'slots', 'roulette'])
  for (const g of api.defaultGames) {
    expect(g.extraDataHash).toBe(api.gameHash(g.id))
    const sum = g.qk.reduce((s, [q]) => s + q, 0)
    expect(sum).toBeCloseTo(1, 9)
    expect(g.qk.reduce((s, [q, k]) => s + q * k, 0)).toBeLessThan(1)
  }
})
