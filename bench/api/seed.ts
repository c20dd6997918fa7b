import { createRng, randomSignature, randomWallet, vaultFees } from '../../packages/core/src/testing/fixtures'
import type { Batch, CasinoStore, ChainEvent } from '../../packages/core/src/store/types'

/** What the benchmark database holds. */
export interface SeedOptions {
  bets: number
  players: number
  /** Bets per applyBatch call (each bet is a register and, mostly, a resolve). */
  batchSize: number
  /** Block times spread over the `days` before `now` (unix ms). */
  now: number
  days: number
}


/** The players' wallets, deterministic for a given count. */
export function benchWallets(players: number): string[] {
  const random = createRng(42)
  return Array.from({ length: players }, () => randomWallet(random))
}

const qk: [number, number][] = [[0.5, 1.98], [0.5, 0]]

/**
 * Fills `store` through its real write path (`applyBatch`), the way the indexer would (the caller
 * decides whether to reuse an earlier seeding). Returns the players' wallets.
 */
export async function seedStore(store: CasinoStore, options: SeedOptions, log: (line: string) => void): Promise<string[]> {
  const wallets = benchWallets(options.players)
  const random = createRng(7)
  const start = Math.floor(options.now / 1000) - options.days * 86_400
  const step = (options.days * 86_400) / options.bets
  let slot = 1_000
  const started = Date.now()
  for (let first = 0; first < options.bets; first += options.batchSize) {
    const events: ChainEvent[] = []
    const last = Math.min(options.bets, first + options.batchSize)
    for (let i = first; i < last; i++) {
      slot += 1
      const blockTime = Math.floor(start + i * step)
      const signature = randomSignature(random)
      const trialId = randomWallet(random)
      // Every player bets at least once; the rest of the bets fall on random players.
      const player = wallets[i < options.players ? i : Math.floor(random() * options.players)]!
      const wager = BigInt(1 + Math.floor(random() * 5e9))
      events.push({ kind: 'trialRegistered', id: `${signature}:0`, signature, slot, blockTime, trialId, player, pool: wallets[0]!, mint: null, wager, qk, extraDataHash: 'coinflip-v1', game: 'coinflip', fees: vaultFees(wager), poolAccumulatedAmount: wager / 1000n })
      if (random() < 0.98) {
        const resolveSig = randomSignature(random)
        events.push({ kind: 'trialResolved', id: `${resolveSig}:0`, signature: resolveSig, slot, blockTime: blockTime + 1, trialId, resultIndex: random() < 0.5 ? 0 : 1, randomness: random() })
      }
    }
    const batch: Batch = { events, cursor: { signature: events.at(-1)!.signature, slot }, now: options.now }
    await store.applyBatch(batch)
    if ((last / options.batchSize) % 20 === 0 || last === options.bets) {
      log(`seeded ${last.toLocaleString('en')} bets in ${((Date.now() - started) / 1000).toFixed(0)} s`)
    }
  }
  return wallets
}
