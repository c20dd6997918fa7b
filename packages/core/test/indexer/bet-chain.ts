import { betEvents, createFakeChain, type FakeTxInput, newKey, seeded } from './fake-chain'

/**
 * A chain with `bets` bets of our host among `players` players, plus noise, in random slot shapes.
 * `earlyResolves`: the share of bets resolved first: the resolve is a transaction of its own, and the
 * register follows some transactions later in the same slot (often in a later commit).
 */
export function buildChain(bets: number, players: number, seed = 1, earlyResolves = 0) {
  const random = seeded(seed)
  // A resolve listed before its register happens on a node that does not say where in its block each
  // transaction ran (see createFakeChain): a chain with early resolves is served as one.
  const chain = createFakeChain(undefined, { transactionIndex: earlyResolves === 0 })
  const owner = newKey()
  const hostToken = newKey()
  const pool = newKey()
  const mint = newKey()
  const wallets = Array.from({ length: players }, () => newKey())
  const genesis = chain.add({ instructions: [] })
  const open: { trial: string, resolve: ReturnType<typeof betEvents>['resolve'] }[] = []
  const host = { pool, mint, hostToken, hostOwner: owner }
  const other = { pool, mint, hostToken: newKey(), hostOwner: newKey() }
  let placed = 0
  const late: FakeTxInput['instructions'] = []
  while (placed < bets || open.length > 0 || late.length > 0) {
    if (random() < 0.3) {
      // A register is never in a later slot than its resolve (the vault resolves registered trials only):
      // an early resolve is two transactions of one slot listed out of order. Their slot ends here.
      while (late.length > 0) chain.add({ instructions: [late.shift()!] })
      chain.nextSlot()
    }
    if (late.length > 0 && (random() < 0.1 || (placed >= bets && open.length === 0))) chain.add({ instructions: [late.shift()!] })
    const r = random()
    if (placed < bets && (r < 0.55 || open.length === 0)) {
      // One or two registers in one transaction; wagers above 2^53.
      const n = Math.min(bets - placed, random() < 0.2 ? 2 : 1)
      const instructions = Array.from({ length: n }, () => {
        const trial = newKey()
        const e = betEvents({
          trial, pool, player: wallets[Math.floor(random() * players)]!, wager: 2n ** 53n + BigInt(Math.floor(random() * 1e9)),
          resultIndex: random() < 0.5 ? 0 : 1, hash: random() < 0.1 ? 'unregistered-game' : 'coinflip-v1',
        })
        const register = { ...host, kind: 'register' as const, trial, events: [e.register] }
        if (earlyResolves > 0 && random() < earlyResolves) {
          chain.add({ instructions: [{ ...host, kind: 'resolve', trial, events: [e.resolve] }] })
          late.push(register)
          return undefined
        }
        open.push({ trial, resolve: e.resolve })
        return register
      }).filter(i => i !== undefined)
      placed += n
      if (instructions.length > 0) chain.add({ instructions })
    }
    else if (r < 0.9 && open.length > 0) {
      const { trial, resolve } = open.splice(Math.floor(random() * open.length), 1)[0]!
      chain.add({ instructions: [{ ...host, kind: 'resolve', trial, events: [resolve, { name: 'FeeCharged', fields: { feeType: 0, poolId: pool, trialId: trial, feeAmount: 5n } }] }] })
    }
    else if (r < 0.94) {
      // Another casino's bet, a failed transaction, and a spoof.
      const trial = newKey()
      const e = betEvents({ trial, pool, player: newKey(), wager: 7n })
      chain.add({ instructions: [{ ...other, kind: 'register', trial, events: [e.register, e.resolve] }] })
      chain.add({ instructions: [{ ...host, kind: 'register', trial: newKey(), events: [betEvents({ trial: newKey(), pool, player: wallets[0]!, wager: 9n }).register] }], failed: true })
      chain.add({ instructions: [], spoof: [betEvents({ trial: newKey(), pool, player: wallets[0]!, wager: 11n }).register] })
    }
  }
  return { chain, owner, genesis }
}
