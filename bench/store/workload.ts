import { createRng, randomSignature, randomWallet, vaultFees } from '../../packages/core/src/testing/fixtures'
import type { Batch, ChainEvent } from '../../packages/core/src/store/types'

/** The shape of an ingest workload. */
export interface WorkloadOptions {
  /** Bets per batch; each bet is a register and a resolve event, so a batch holds twice as many events. */
  betsPerBatch: number
  batches: number
  players: number
  /** Seed of the generator (a different seed gives different events, players stay the same). */
  seed: number
  /** Unix ms: block times lead up to it. */
  now: number
}

/**
 * Batches as the indexer hands them to `applyBatch`: every bet registered and resolved in the same
 * batch, on random players of a fixed set, a second apart, wagers up to 2^40 base units (1,100 SOL in
 * lamports; SQLite's totals are int64, so a long run of bigger wagers would overflow the casino total;
 * amounts above 2^53 are the contract suite's job).
 */
export function makeBatches(o: WorkloadOptions): Batch[] {
  const players = (() => {
    const r = createRng(42)
    return Array.from({ length: o.players }, () => randomWallet(r))
  })()
  const random = createRng(o.seed)
  const pool = players[0]!
  const batches: Batch[] = []
  let slot = 1_000_000 * o.seed
  const start = Math.floor(o.now / 1000) - o.batches * o.betsPerBatch
  let n = 0
  for (let b = 0; b < o.batches; b++) {
    const events: ChainEvent[] = []
    for (let i = 0; i < o.betsPerBatch; i++, n++) {
      if (n % 4 === 0) slot++
      const blockTime = start + n
      const signature = randomSignature(random)
      const trialId = randomWallet(random)
      const player = players[Math.floor(random() * players.length)]!
      const wager = BigInt(1 + Math.floor(random() * 2 ** 40))
      events.push({ kind: 'trialRegistered', id: `${signature}:0`, signature, slot, blockTime, trialId, player, pool, mint: null, wager, qk: [[0.5, 1.98], [0.5, 0]], extraDataHash: 'coinflip-v1', game: 'coinflip', fees: vaultFees(wager), poolAccumulatedAmount: wager / 1000n })
      const resolveSig = randomSignature(random)
      events.push({ kind: 'trialResolved', id: `${resolveSig}:0`, signature: resolveSig, slot, blockTime: blockTime + 1, trialId, resultIndex: random() < 0.5 ? 0 : 1, randomness: random() })
    }
    batches.push({ events, cursor: { signature: events.at(-1)!.signature, slot }, now: o.now })
  }
  return batches
}
