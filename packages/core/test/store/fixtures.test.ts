import bs58 from 'bs58'
import { describe, expect, it } from 'vitest'
import { createRng, generateWorkload, randomSignature, randomWallet } from '../../src/testing'

describe('testing fixtures', () => {
  it('draws base58 keys that decode to 32 bytes and signatures to 64, seeded or not', () => {
    const rng = createRng(99)
    for (let i = 0; i < 2_000; i++) {
      expect(bs58.decode(randomWallet(rng))).toHaveLength(32)
      expect(bs58.decode(randomSignature(rng))).toHaveLength(64)
    }
    expect(bs58.decode(randomWallet())).toHaveLength(32)
    expect(bs58.decode(randomSignature())).toHaveLength(64)
  })

  it('generates the same workload from the same seed, and another from another seed', () => {
    const a = generateWorkload({ seed: 5, bets: 50 })
    expect(generateWorkload({ seed: 5, bets: 50 })).toEqual(a)
    expect(generateWorkload({ seed: 6, bets: 50 }).events[0]).not.toEqual(a.events[0])
    expect(a.events.filter(e => e.kind === 'trialRegistered')).toHaveLength(50)
    expect(new Set(a.events.map(e => e.id)).size).toBe(a.events.length)
  })

  it('keeps workload totals inside 64 bits however many bets it draws', () => {
    const w = generateWorkload({ seed: 1, bets: 5_000, hugeWagers: 1 })
    let wagered = 0n
    for (const e of w.events) if (e.kind === 'trialRegistered') wagered += e.wager
    expect(wagered).toBeGreaterThan(2n ** 53n)
    expect(wagered * 10n).toBeLessThan(2n ** 63n)
  })
})
