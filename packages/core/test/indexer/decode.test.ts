import { describe, expect, it } from 'vitest'
import { decodeTransaction, type DecodeOptions, TransactionDecodeError } from '../../src/indexer/decode'
import { betEvents, createFakeChain, newKey } from './fake-chain'

const owner = newKey()
const stranger = newKey()
const pool = newKey()
const mint = newKey()
const hostToken = newKey()
const strangerToken = newKey()
const games = new Map([['coinflip-v1', 'coinflip']])
const options = (filter: DecodeOptions['filter'] = { kind: 'host', host: owner }): DecodeOptions => ({
  programId: createFakeChain().programId, filter, gameOf: h => games.get(h) ?? 'unknown',
})

function oneBet(input: { host?: 'ours' | 'theirs', viaCpi?: boolean, lookupTable?: boolean, spoofOnly?: boolean, failed?: boolean, hash?: string } = {}) {
  const chain = createFakeChain()
  const trial = newKey()
  const player = newKey()
  const { register, resolve } = betEvents({ trial, player, pool, wager: 2n ** 62n, hash: input.hash })
  const theirs = input.host === 'theirs'
  const ix = { trial, pool, mint, hostToken: theirs ? strangerToken : hostToken, hostOwner: theirs ? stranger : owner, viaCpi: input.viaCpi }
  const sig = chain.add({
    instructions: input.spoofOnly ? [] : [{ ...ix, kind: 'register', events: [register, resolve] }],
    spoof: input.spoofOnly ? [register, resolve] : undefined,
    lookupTable: input.lookupTable,
    failed: input.failed,
  })
  return { tx: chain.txs[0]!.json, sig, trial, player }
}

describe('decodeTransaction', () => {
  it('turns the vault events of our host into chain events', () => {
    const { tx, sig, trial, player } = oneBet()
    const out = decodeTransaction(tx, sig, options())
    expect(out.events.map(e => [e.id, e.kind])).toEqual([[`${sig}:0`, 'trialRegistered'], [`${sig}:1`, 'trialResolved']])
    expect(out.events[0]).toMatchObject({ trialId: trial, player, pool, mint, wager: 2n ** 62n, game: 'coinflip', slot: tx.slot, blockTime: tx.blockTime })
    expect(out.events[1]).toMatchObject({ trialId: trial, resultIndex: 1 })
  })

  it('finds the host through a CPI and through an address lookup table', () => {
    for (const shape of [{ viaCpi: true }, { lookupTable: true }, { viaCpi: true, lookupTable: true }]) {
      const { tx, sig } = oneBet(shape)
      expect(decodeTransaction(tx, sig, options()).events, JSON.stringify(shape)).toHaveLength(2)
    }
  })

  it('ignores trials of another host, unless the filter says all or names the pool', () => {
    const { tx, sig } = oneBet({ host: 'theirs' })
    expect(decodeTransaction(tx, sig, options()).events).toEqual([])
    expect(decodeTransaction(tx, sig, options()).found).toBe(2)
    expect(decodeTransaction(tx, sig, options({ kind: 'all' })).events).toHaveLength(2)
    expect(decodeTransaction(tx, sig, options({ kind: 'pools', pools: new Set([pool]) })).events).toHaveLength(2)
    expect(decodeTransaction(tx, sig, options({ kind: 'pools', pools: new Set([newKey()]) })).events).toEqual([])
  })

  it('ignores lookalike events printed by another program', () => {
    const { tx, sig } = oneBet({ spoofOnly: true })
    expect(decodeTransaction(tx, sig, options({ kind: 'all' }))).toEqual({ events: [], found: 0, warnings: [] })
  })

  it('yields nothing for a failed transaction', () => {
    const { tx, sig } = oneBet({ failed: true })
    expect(decodeTransaction(tx, sig, options({ kind: 'all' })).events).toEqual([])
  })

  it('maps an unregistered extra_data_hash to the unknown game', () => {
    const { tx, sig } = oneBet({ hash: 'never-registered' })
    expect(decodeTransaction(tx, sig, options()).events[0]).toMatchObject({ kind: 'trialRegistered', game: 'unknown' })
  })

  it('throws TransactionDecodeError on a malformed vault payload', () => {
    const chain = createFakeChain()
    const sig = chain.add({ instructions: [{ kind: 'register', trial: newKey(), pool, mint, hostToken, hostOwner: owner, events: [] }], rawVaultPayloads: ['tgDUy45X1t0AAQ=='] })
    expect(() => decodeTransaction(chain.txs[0]!.json, sig, options())).toThrow(TransactionDecodeError)
  })
})
