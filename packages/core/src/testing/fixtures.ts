import bs58 from 'bs58'
import type {
  Batch, BetFee, ChainEvent, JackpotReleasedEvent, QKPair, TrialRegisteredEvent, TrialResolvedEvent,
} from '../store/types'

/**
 * Builders for chain events and batches. Tests of every package reuse them so that a fixture means
 * the same thing everywhere: a coin flip paying 1.98x, base58 keys of the right length, unique ids.
 */

/** The outcome table used when a test does not care: a coin flip paying 1.98x on a win. */
export const coinFlipQK: QKPair[] = [[0.5, 1.98], [0.5, 0]]

/** A random number generator: `() => [0, 1)`. */
export type Rng = () => number

/** A seeded generator (mulberry32): the same seed always gives the same workload. */
export function createRng(seed: number): Rng {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length))
}

const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

/**
 * Seeded keys are drawn as base58 digits rather than encoded from bytes (encoding is quadratic and
 * dominates the seeding of a million-bet benchmark). `length` digits whose first digit is at least
 * `minFirst` always decode to exactly the intended number of bytes: 43 digits from index 4 to 32
 * bytes (58^42 * 4 > 2^248, 58^43 < 2^256), 87 digits from index 2 to 64 bytes
 * (58^86 * 2 > 2^504, 58^87 < 2^512).
 */
function seededBase58(rng: Rng, length: number, minFirst: number): string {
  let out = alphabet[minFirst + Math.floor(rng() * (58 - minFirst))]!
  for (let i = 1; i < length; i++) out += alphabet[Math.floor(rng() * 58)]!
  return out
}

/** A base58 32-byte public key (a wallet, trial or pool account); seeded (and fast) when `rng` is given. */
export function randomWallet(rng?: Rng): string {
  return rng ? seededBase58(rng, 43, 4) : bs58.encode(randomBytes(32))
}

/** A base58 64-byte transaction signature; seeded (and fast) when `rng` is given. */
export function randomSignature(rng?: Rng): string {
  return rng ? seededBase58(rng, 87, 2) : bs58.encode(randomBytes(64))
}

/** A fixed pool account so that fixtures share one pool unless a test says otherwise. */
export const testPool: string = bs58.encode(new Uint8Array(32).fill(7))

/** The fees the localnet's vault charges on `wager`: host 0.5%, network 0.5%, pool 0.1% (types 0, 1, 2). */
export function vaultFees(wager: bigint): BetFee[] {
  return [{ type: 0, amount: wager * 50n / 10_000n }, { type: 1, amount: wager * 50n / 10_000n }, { type: 2, amount: wager * 10n / 10_000n }]
}

/** Fields of a TrialRegistered event a test may set; the rest get fresh values (the vault's fees, and a pool amount of wager / 1000). */
export type RegisterInput = Partial<Omit<TrialRegisteredEvent, 'kind'>>

/** A `trialRegistered` event: a fresh trial, player and signature unless given; 1 000 000 base units on a coin flip. */
export function makeRegister(input: RegisterInput = {}): TrialRegisteredEvent {
  const signature = input.signature ?? randomSignature()
  const wager = input.wager ?? 1_000_000n
  return {
    kind: 'trialRegistered',
    id: input.id ?? `${signature}:0`,
    signature,
    slot: input.slot ?? 1000,
    blockTime: input.blockTime ?? 1_700_000_000,
    trialId: input.trialId ?? randomWallet(),
    player: input.player ?? randomWallet(),
    pool: input.pool ?? testPool,
    mint: input.mint === undefined ? null : input.mint,
    wager,
    qk: input.qk ?? coinFlipQK,
    extraDataHash: input.extraDataHash ?? 'coinflip-v1',
    game: input.game ?? 'coinflip',
    fees: input.fees ?? vaultFees(wager),
    poolAccumulatedAmount: input.poolAccumulatedAmount === undefined ? wager / 1000n : input.poolAccumulatedAmount,
    ...(input.transactionIndex === undefined ? {} : { transactionIndex: input.transactionIndex }),
  }
}

/** Fields of a TrialResolved event a test may set. */
export type ResolveInput = Partial<Omit<TrialResolvedEvent, 'kind' | 'trialId'>>

/**
 * A `trialResolved` event for `trial` (a register event or a trial id). Defaults to outcome 0 (a win on
 * {@link coinFlipQK}), one slot and one second after the register when a register is given.
 */
export function makeResolve(trial: TrialRegisteredEvent | string, input: ResolveInput = {}): TrialResolvedEvent {
  const register = typeof trial === 'string' ? null : trial
  const signature = input.signature ?? randomSignature()
  return {
    kind: 'trialResolved',
    id: input.id ?? `${signature}:0`,
    signature,
    slot: input.slot ?? (register ? register.slot + 1 : 1001),
    blockTime: input.blockTime ?? (register ? register.blockTime + 1 : 1_700_000_001),
    trialId: register ? register.trialId : trial as string,
    resultIndex: input.resultIndex ?? 0,
    randomness: input.randomness ?? 0.25,
    ...(input.transactionIndex === undefined ? {} : { transactionIndex: input.transactionIndex }),
  }
}

/** A `jackpotReleased` event: 10^18 + 1 base units (above 2^53) to a fresh receiver unless given. */
export function makeJackpot(input: Partial<Omit<JackpotReleasedEvent, 'kind'>> = {}): JackpotReleasedEvent {
  const signature = input.signature ?? randomSignature()
  return {
    kind: 'jackpotReleased',
    id: input.id ?? `${signature}:0`,
    signature,
    slot: input.slot ?? 1000,
    blockTime: input.blockTime ?? 1_700_000_000,
    pool: input.pool ?? testPool,
    trialId: input.trialId ?? randomWallet(),
    receiver: input.receiver ?? randomWallet(),
    amount: input.amount ?? 1_000_000_000_000_000_001n,
  }
}

/** A batch of `events`; its cursor is the last event's transaction unless given, `now` defaults to a fixed time. */
export function makeBatch(events: ChainEvent[], options: { cursor?: Batch['cursor'], now?: number } = {}): Batch {
  const last = events[events.length - 1]
  return {
    events,
    cursor: options.cursor !== undefined ? options.cursor : last ? { signature: last.signature, slot: last.slot } : null,
    now: options.now ?? 1_700_000_000_000,
  }
}

/** Options of {@link generateWorkload}. */
export interface WorkloadOptions {
  /** Seed of the generator. @default 1 */
  seed?: number
  /** Distinct players. @default 20 */
  players?: number
  /** Bets (trials registered). @default 200 */
  bets?: number
  /** Events per batch. @default 25 */
  batchSize?: number
  /** Game ids bets are spread over. @default ['coinflip', 'dice', 'plinko'] */
  games?: string[]
  /** Unix ms the workload ends at; block times spread over the 40 days before it. @default 1_700_000_000_000 */
  now?: number
  /** Days the block times spread over. @default 40 */
  days?: number
  /** Share of trials whose resolve comes before the register (an orphan). @default 0.1 */
  earlyResolves?: number
  /** Share of trials never resolved (they stay pending). @default 0.1 */
  unresolved?: number
  /**
   * Share of wagers drawn above 2^53. @default 0.05
   * At most 64 of them, so that no total of a workload of any size passes 2^63 - 1.
   */
  hugeWagers?: number
}

/** A deterministic workload and the events it is made of. */
export interface Workload {
  batches: Batch[]
  events: ChainEvent[]
  wallets: string[]
  games: string[]
  now: number
}

const gameTables: Record<string, QKPair[]> = {
  coinflip: coinFlipQK,
  dice: [[0.25, 3.9], [0.75, 0]],
  plinko: [[0.05, 10], [0.3, 1.5], [0.4, 0.5], [0.25, 0]],
}

/**
 * A deterministic stream of batches: registers in chain order, most resolves a little later (in the
 * same or a later batch), some resolves before their register, some never, some wagers above 2^53,
 * a jackpot now and then, and block times spread over `days` before `now`.
 */
export function generateWorkload(options: WorkloadOptions = {}): Workload {
  const rng = createRng(options.seed ?? 1)
  const games = options.games ?? ['coinflip', 'dice', 'plinko']
  const now = options.now ?? 1_700_000_000_000
  const days = options.days ?? 40
  const count = options.bets ?? 200
  const wallets = Array.from({ length: options.players ?? 20 }, () => randomWallet(rng))
  const start = Math.floor(now / 1000) - days * 86_400
  const step = Math.max(1, Math.floor((days * 86_400) / (count + 1)))
  const events: ChainEvent[] = []
  // Resolves wait here for the position they are emitted at.
  const later: { at: number, event: TrialResolvedEvent }[] = []
  let slot = 1_000
  let hugeCount = 0

  for (let i = 0; i < count; i++) {
    slot += 1 + Math.floor(rng() * 3)
    const blockTime = start + i * step
    const game = games[Math.floor(rng() * games.length)]!
    const qk = gameTables[game] ?? coinFlipQK
    const huge = rng() < (options.hugeWagers ?? 0.05) && hugeCount++ < 64
    const wager = huge ? 2n ** 53n + BigInt(Math.floor(rng() * 1e9)) : BigInt(1 + Math.floor(rng() * 5e9))
    const register = makeRegister({
      signature: randomSignature(rng),
      slot,
      blockTime,
      trialId: randomWallet(rng),
      player: wallets[Math.floor(rng() * wallets.length)]!,
      wager,
      qk,
      game,
      extraDataHash: `${game}-v1`,
    })
    const roll = rng()
    const resolve = makeResolve(register, {
      signature: randomSignature(rng),
      resultIndex: Math.floor(rng() * qk.length),
      blockTime: blockTime + Math.floor(rng() * 600),
      slot: slot + 1,
    })
    for (let j = later.length - 1; j >= 0; j--) {
      if (later[j]!.at <= i) {
        events.push(later[j]!.event)
        later.splice(j, 1)
      }
    }
    if (roll < (options.earlyResolves ?? 0.1)) {
      events.push(resolve, register)
    }
    else if (roll < (options.earlyResolves ?? 0.1) + (options.unresolved ?? 0.1)) {
      events.push(register)
    }
    else {
      events.push(register)
      later.push({ at: i + Math.floor(rng() * 8), event: resolve })
    }
    if (rng() < 0.02) events.push(makeJackpot({ signature: randomSignature(rng), slot, blockTime, trialId: register.trialId, receiver: register.player, amount: 2n ** 54n + BigInt(i) }))
  }
  for (const { event } of later) events.push(event)

  const size = options.batchSize ?? 25
  const batches: Batch[] = []
  for (let i = 0; i < events.length; i += size) {
    batches.push(makeBatch(events.slice(i, i + size), { now }))
  }
  return { batches, events, wallets, games, now }
}
