import { describe, expect, it } from 'vitest'
import { decodeTransaction, type DecodeOptions, TransactionDecodeError } from '../../src/indexer/decode'
import type { VaultEvent } from '../../src/solana/vault-events'
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

  it('copies the transaction\'s position in its block onto its register and resolve, and takes anything else for none', () => {
    const { tx, sig } = oneBet()
    const positions = (transactionIndex: unknown) =>
      decodeTransaction({ ...tx, transactionIndex } as typeof tx, sig, options()).events.map(e => (e as { transactionIndex?: number }).transactionIndex)
    expect(positions(0)).toEqual([0, 0])
    expect(positions(1236)).toEqual([1236, 1236])
    // An odd node: a float, a negative, 1e999 (JSON.parse reads Infinity, which JSON writes back as null), null, text.
    for (const odd of [1.5, -1, JSON.parse('1e999'), 2 ** 53, null, '3', undefined]) expect(positions(odd), String(odd)).toEqual([undefined, undefined])
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

  it('reads a q or k that is not a finite number as 0, with a warning, and keeps the bet', () => {
    const chain = createFakeChain()
    const trial = newKey()
    const { register, resolve } = betEvents({ trial, player: newKey(), pool, wager: 10n, qk: [[0.5, Number.NaN], [Number.POSITIVE_INFINITY, 1.98], [0.25, Number.NEGATIVE_INFINITY]] })
    const sig = chain.add({ instructions: [{ trial, pool, mint, hostToken, hostOwner: owner, kind: 'register', events: [register, resolve] }] })
    const out = decodeTransaction(chain.txs[0]!.json, sig, options())
    expect(out.events[0]).toMatchObject({ kind: 'trialRegistered', trialId: trial, qk: [[0.5, 0], [0, 1.98], [0.25, 0]] })
    expect(out.warnings).toEqual(['a q or k of TrialRegistered in payload 0 is not a finite number: read as 0'])
    // Finite values come through untouched, without a warning.
    const finite = oneBet()
    expect(decodeTransaction(finite.tx, finite.sig, options()).warnings).toEqual([])
  })

  it('keeps a leading U+FEFF of an extra_data_hash: it is part of the string on chain, and no game\'s hash', () => {
    const { tx, sig } = oneBet({ hash: '\uFEFFcoinflip-v1' })
    expect(decodeTransaction(tx, sig, options()).events[0]).toMatchObject({ kind: 'trialRegistered', extraDataHash: '\uFEFFcoinflip-v1', game: 'unknown' })
  })

  it('reads U+0000 in an extra_data_hash as U+FFFD, with a warning, and keeps the bet', () => {
    const { tx, sig } = oneBet({ hash: 'coin\u0000flip\u0000' })
    const out = decodeTransaction(tx, sig, options())
    expect(out.events[0]).toMatchObject({ kind: 'trialRegistered', extraDataHash: 'coin\uFFFDflip\uFFFD', game: 'unknown' })
    expect(out.warnings).toEqual(['extra_data_hash of TrialRegistered in payload 0 holds U+0000: read as U+FFFD'])
  })

  describe('a register takes in the fees and pool update of its trial', () => {
    const fee = (trialId: string, feeType: number, feeAmount: bigint, poolId = pool): VaultEvent => ({ name: 'FeeCharged', fields: { feeType, poolId, trialId, feeAmount } })
    const poolUpdate = (trialId: string, newAccumulatedAmount: bigint, poolId = pool): VaultEvent => ({ name: 'PoolAccumulatedAmountUpdated', fields: { poolId, trialId, newAccumulatedAmount } })
    const decodeOne = (events: VaultEvent[], extra: { spoof?: VaultEvent[], trial?: string, filter?: DecodeOptions['filter'], host?: string } = {}) => {
      const chain = createFakeChain()
      const trial = extra.trial ?? newKey()
      const sig = chain.add({
        instructions: [{ kind: 'register', trial, pool, mint, hostToken: extra.host ? strangerToken : hostToken, hostOwner: extra.host ?? owner, events }],
        spoof: extra.spoof,
      })
      return { out: decodeTransaction(chain.txs[0]!.json, sig, options(extra.filter)), sig }
    }

    it('as the vault emits them: three fees and the pool update before the register, one event in all', () => {
      const trial = newKey()
      const { register } = betEvents({ trial, player: newKey(), pool, wager: 2n ** 62n })
      // Amounts above 2^53: a number anywhere on the path would lose digits.
      const { out, sig } = decodeOne([fee(trial, 0, 2n ** 60n + 1n), fee(trial, 1, 2n ** 60n + 2n), fee(trial, 2, 3n), poolUpdate(trial, 2n ** 63n + 5n), register], { trial })
      expect(out.found).toBe(5)
      expect(out.events).toHaveLength(1)
      expect(out.events[0]).toMatchObject({
        id: `${sig}:4`, kind: 'trialRegistered', trialId: trial,
        fees: [{ type: 0, amount: 2n ** 60n + 1n }, { type: 1, amount: 2n ** 60n + 2n }, { type: 2, amount: 3n }], poolAccumulatedAmount: 2n ** 63n + 5n,
      })
    })

    it('without fees: an empty list and no pool amount; the last pool update before the register wins', () => {
      const trial = newKey()
      const { register } = betEvents({ trial, player: newKey(), pool, wager: 5n })
      expect(decodeOne([register], { trial }).out.events[0]).toMatchObject({ fees: [], poolAccumulatedAmount: null })
      const twice = decodeOne([poolUpdate(trial, 1n), poolUpdate(trial, 2n), register], { trial }).out
      expect(twice.events.map(e => e.kind)).toEqual(['trialRegistered'])
      expect(twice.events[0]).toMatchObject({ fees: [], poolAccumulatedAmount: 2n })
    })

    it('keeps what the vault emits after the register as events of their own: a resolve of the trial in the same transaction', () => {
      // Before, a jackpot resolve in the register's transaction gave the register the release's pool amount
      // (0) and took in any fee charged after it.
      const trial = newKey()
      const player = newKey()
      const { register, resolve } = betEvents({ trial, player, pool, wager: 1000n })
      const release: VaultEvent = { name: 'PoolAccumulatedAmountReleased', fields: { poolId: pool, trialId: trial, receiver: player, releasedAmount: 510n } }
      const { out, sig } = decodeOne([fee(trial, 2, 10n), poolUpdate(trial, 510n), register, resolve, fee(trial, 0, 4n), poolUpdate(trial, 0n), release], { trial })
      expect(out.events.map(e => [e.id, e.kind])).toEqual([
        [`${sig}:2`, 'trialRegistered'], [`${sig}:3`, 'trialResolved'], [`${sig}:4`, 'feeCharged'], [`${sig}:5`, 'poolAccumulatedAmountUpdated'], [`${sig}:6`, 'jackpotReleased'],
      ])
      expect(out.events[0]).toMatchObject({ fees: [{ type: 2, amount: 10n }], poolAccumulatedAmount: 510n })
      expect(out.events[3]).toMatchObject({ data: { newAccumulatedAmount: '0' } })
    })

    it('keeps as events of their own the fees of another trial or pool, and of a transaction that registers nothing', () => {
      const trial = newKey()
      const other = newKey()
      const otherPool = newKey()
      const { register } = betEvents({ trial, player: newKey(), pool, wager: 1000n })
      const { out, sig } = decodeOne([fee(other, 0, 1n), fee(trial, 0, 2n, otherPool), fee(trial, 1, 3n), register], { trial, filter: { kind: 'all' } })
      expect(out.events.map(e => [e.id, e.kind])).toEqual([[`${sig}:0`, 'feeCharged'], [`${sig}:1`, 'feeCharged'], [`${sig}:3`, 'trialRegistered']])
      expect(out.events[2]).toMatchObject({ fees: [{ type: 1, amount: 3n }] })
      expect(out.events[0]).toMatchObject({ data: { feeType: 0, poolId: pool, trialId: other, feeAmount: '1' } })
      const alone = decodeOne([fee(trial, 0, 7n), poolUpdate(trial, 8n)], { trial }).out
      expect(alone.events.map(e => e.kind)).toEqual(['feeCharged', 'poolAccumulatedAmountUpdated'])
    })

    it('never takes in a fee that another program printed', () => {
      const trial = newKey()
      const { register } = betEvents({ trial, player: newKey(), pool, wager: 1000n })
      const { out } = decodeOne([fee(trial, 0, 5n), register], { trial, spoof: [fee(trial, 0, 10n ** 18n), poolUpdate(trial, 10n ** 18n)] })
      expect(out.events).toHaveLength(1)
      expect(out.events[0]).toMatchObject({ fees: [{ type: 0, amount: 5n }], poolAccumulatedAmount: null })
    })

    it('drops with the register the fees of a trial of another host', () => {
      const trial = newKey()
      const { register } = betEvents({ trial, player: newKey(), pool, wager: 1000n })
      const { out } = decodeOne([fee(trial, 0, 5n), poolUpdate(trial, 6n), register], { trial, host: stranger })
      expect(out).toEqual({ events: [], found: 3, warnings: [] })
    })
  })

  it('takes a transaction served without its logs for undecodable, not for one without events', () => {
    // Before, `logMessages: null` (a node that did not record them) read as no event: the bets were lost
    // without a word.
    const { tx, sig } = oneBet()
    for (const logMessages of [null, undefined]) {
      expect(() => decodeTransaction({ ...tx, meta: { ...tx.meta!, logMessages } } as typeof tx, sig, options()), String(logMessages))
        .toThrow(TransactionDecodeError)
    }
    // A failed transaction has no events either way.
    expect(decodeTransaction({ ...tx, meta: { ...tx.meta!, err: { InstructionError: [0, 'Custom'] }, logMessages: null } } as typeof tx, sig, options()).events).toEqual([])
  })

  it('throws TransactionDecodeError on a malformed vault payload', () => {
    const chain = createFakeChain()
    const sig = chain.add({ instructions: [{ kind: 'register', trial: newKey(), pool, mint, hostToken, hostOwner: owner, events: [] }], rawVaultPayloads: ['tgDUy45X1t0AAQ=='] })
    expect(() => decodeTransaction(chain.txs[0]!.json, sig, options())).toThrow(TransactionDecodeError)
  })
})
