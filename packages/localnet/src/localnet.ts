/**
 * startLocalnet(): wires the ledger, the Fare Vault simulator, the RPC/WebSocket server, the
 * slot clock, delayed resolutions and fault injection into one handle.
 */
import type { Keypair } from '@solana/web3.js'
import { startBot, type BotOptions, type Bot } from './bot'
import { Ledger } from './chain/ledger'
import type { TxRecord } from './chain/types'
import { Faults, type FaultOptions, type FaultStats } from './faults'
import { defaultGames, type LocalnetGame } from './games'
import { signerFromSeed, toKeypair, type Signer } from './keys'
import { encodeEventBase64, type FareEventFields } from './program/events'
import { FARE_VAULT_PROGRAM_ID, type FareEventName } from './program/ids'
import { Rng } from './rng'
import type { RpcContext } from './rpc/methods'
import { transactionJson } from './rpc/tx-cache'
import { startServer } from './server'
import { VaultSim, type BetSpec, type PendingTrial } from './sim/vault'
import { createActors, World } from './sim/world'
import { PubSub } from './ws'

/** Options of {@link startLocalnet}. */
export interface LocalnetOptions {
  /** The RPC's TCP port; the WebSocket takes the next one. 0 picks a free pair. @default 0 */
  port?: number
  /** Interface to bind. @default '127.0.0.1' */
  host?: string
  /** Seed of every random choice (keys, randomness, faults, bot). @default 1 */
  seed?: number
  /** Slot duration in ms. @default 400 */
  slotMs?: number
  /** Delay between a trial's registration and its resolution, in ms. @default 400 */
  resolveDelayMs?: number
  /** Slots between `confirmed` and `finalized`. @default 2 */
  finalizedLagSlots?: number
  /** Fault injection (HTTP errors, latency, short pages, WebSocket drops). @default none */
  faults?: FaultOptions
  /** Games bets can be placed on. @default defaultGames */
  games?: readonly LocalnetGame[]
}

/** A player wallet: a real keypair funded with SOL and vault tokens. */
export interface LocalnetPlayer {
  /** Base58 wallet address. */
  publicKey: string
  /** The web3.js keypair (real ed25519). */
  keypair: Keypair
  /** The player's token account for the vault mint. */
  tokenAccount: string
}

/** Options of createPlayer. */
export interface CreatePlayerOptions {
  /** Starting SOL balance in lamports. @default 1000 SOL */
  lamports?: bigint
  /** Starting token balance in base units. @default 10^17 */
  tokens?: bigint
}

/** One bet. */
export interface PlaceBetOptions {
  /** A player from createPlayer, or its address. */
  player: LocalnetPlayer | string
  /** Wager in base units (becomes TrialRegistered.multiplier). */
  wager: bigint
  /** Game id from `games`. */
  game: string
  /** Host (casino owner) wallet: owner of the host_token account. */
  host: string
  /** Land a failed transaction (EVTooHigh), no state change. */
  fail?: boolean
  /** Release the jackpot pool to the player when the trial resolves. */
  jackpot?: boolean
  /** Transaction version. @default 'legacy' */
  version?: 'legacy' | 0
}

/** A landed bet. */
export interface PlacedBet {
  /** The trial account (a fresh keypair's address). */
  trialId: string
  /** Base58 signature of the register transaction. */
  signature: string
  slot: number
}

/** The outcome of a trial once resolved. */
export interface TrialOutcome {
  trialId: string
  player: string
  wager: bigint
  resultIndex: number
  payout: bigint
  jackpotReleased: bigint
  /** The resolve transaction, and the slot it landed in. */
  signature: string
  slot: number
}

/** Options of spoofEvent. */
export interface SpoofOptions {
  player: LocalnetPlayer | string
  /** The event to imitate; defaults to a TrialRegistered for `wager`/`game`. */
  event?: { [N in FareEventName]: { name: N; fields: FareEventFields[N] } }[FareEventName]
  wager?: bigint
  game?: string
}

/** Counters of a running localnet. */
export interface LocalnetStats {
  slot: number
  finalizedSlot: number
  transactions: number
  betsPlaced: number
  betsFailed: number
  trialsResolved: number
  pendingResolves: number
  jackpots: number
  spoofs: number
  rpcRequests: number
  wsConnections: number
  faults: FaultStats
}

/** A running localnet. */
export interface Localnet {
  rpcUrl: string
  /** The PubSub WebSocket, on the RPC port + 1 as on a real node (web3.js and the indexer find it without being told). */
  wsUrl: string
  programId: string
  games: readonly LocalnetGame[]
  /** Fixed accounts of the simulated vault. */
  accounts: { mint: string; pool: string; resolver: string; vaultState: string; networkFeeRecipient: string; spoofProgram: string }
  createPlayer(opts?: CreatePlayerOptions): Promise<LocalnetPlayer>
  placeBet(bet: PlaceBetOptions): Promise<PlacedBet>
  /** Several trials in ONE transaction; the first bet's player pays. */
  placeBets(bets: PlaceBetOptions[]): Promise<{ signature: string; trialIds: string[]; slot: number }>
  /** Another program prints a lookalike Fare Vault event. */
  spoofEvent(opts: SpoofOptions): Promise<{ signature: string; trialId: string }>
  startBot(opts: BotOptions): Bot
  /** Outcome of a resolved trial, or undefined while pending. */
  trial(trialId: string): TrialOutcome | undefined
  /** Current slot. */
  slot(): number
  /**
   * Resolves when every scheduled resolution has landed and every transaction landed by then is
   * confirmed (its slot is over: up to one slot later), so that `confirmed` readers see all of them.
   */
  waitForIdle(): Promise<void>
  /** Resolves once every transaction landed so far is confirmed (its slot is over), resolutions aside. */
  waitForConfirmed(): Promise<void>
  setFaults(faults: FaultOptions): void
  stats(): LocalnetStats
  close(): Promise<void>
}

/** Starts a localnet. */
export async function startLocalnet(options: LocalnetOptions = {}): Promise<Localnet> {
  const seed = options.seed ?? 1
  const slotMs = options.slotMs ?? 400
  const resolveDelayMs = options.resolveDelayMs ?? 400
  const games = options.games ?? defaultGames
  const ledger = new Ledger({ seed, slotMs, finalizedLagSlots: options.finalizedLagSlots ?? 2 })
  const world = new World(createActors())
  const sim = new VaultSim(ledger, world, { randomness: new Rng(seed, 'randomness') })
  const faults = new Faults(seed, options.faults)
  const pubsub = new PubSub(ledger, faults)
  const ctx: RpcContext = { ledger, world, pageSizer: (limit) => faults.pageSize(limit) }
  // Serialized once at landing, in the form indexers ask for, so that serving it is a lookup.
  ledger.listen({ landed: (rec) => void transactionJson(rec, 'json', true) })
  const server = await startServer({ host: options.host ?? '127.0.0.1', port: options.port ?? 0, ctx, faults, pubsub })
  const host = options.host ?? '127.0.0.1'
  const clock = setInterval(() => ledger.sync(), Math.max(5, Math.floor(slotMs / 4)))

  const playerRng = new Rng(seed, 'players')
  const players = new Map<string, Signer>()
  const outcomes = new Map<string, TrialOutcome>()
  const timers = new Set<NodeJS.Timeout>()
  const bots = new Set<Bot>()
  let idleWaiters: Array<() => void> = []
  let pending = 0
  let closed = false
  const counts = { betsPlaced: 0, betsFailed: 0, trialsResolved: 0, jackpots: 0, spoofs: 0 }

  const signerOf = (p: LocalnetPlayer | string): Signer => {
    const s = players.get(typeof p === 'string' ? p : p.publicKey)
    if (!s) throw new Error('unknown player: create it with createPlayer()')
    return s
  }
  const gameOf = (id: string): LocalnetGame => {
    const g = games.find((x) => x.id === id)
    if (!g) throw new Error(`unknown game: ${id}`)
    return g
  }
  const settle = () => {
    if (pending === 0) {
      const w = idleWaiters
      idleWaiters = []
      for (const f of w) f()
    }
  }
  /** Callers of `confirmedThrough`, released by the clock or by `close`. */
  const confirmWaiters = new Set<() => void>()
  /** Resolves once every transaction landed so far is confirmed (at once when the localnet is closed). */
  const confirmedThrough = (): Promise<void> => {
    const slot = ledger.txs.at(-1)?.slot ?? 0
    ledger.sync()
    if (closed || ledger.confirmedSlot >= slot) return Promise.resolve()
    return new Promise<void>((resolve) => {
      const done = () => {
        off()
        confirmWaiters.delete(done)
        resolve()
      }
      const off = ledger.listen({ slot: () => ledger.confirmedSlot >= slot && done() })
      confirmWaiters.add(done)
    })
  }
  const schedule = (trials: PendingTrial[]) => {
    if (trials.length === 0) return
    pending += trials.length
    const t = setTimeout(() => {
      timers.delete(t)
      for (const trial of trials) {
        try {
          if (!closed) {
            const r = sim.resolve(trial)
            counts.trialsResolved++
            if (r.released > 0n) counts.jackpots++
            outcomes.set(trial.trial, {
              trialId: trial.trial,
              player: trial.player,
              wager: trial.wager,
              resultIndex: r.resultIndex,
              payout: r.payout,
              jackpotReleased: r.released,
              signature: r.record.signature,
              slot: r.record.slot,
            })
          }
        } catch {
          // A resolution that cannot execute is dropped, as a real resolver would give up on it.
        } finally {
          pending--
        }
      }
      settle()
    }, resolveDelayMs)
    timers.add(t)
  }

  const placeMany = (bets: PlaceBetOptions[]): { record: TxRecord; trialIds: string[] } => {
    if (closed) throw new Error('localnet is closed')
    const specs: BetSpec[] = bets.map((b) => ({
      player: signerOf(b.player),
      wager: b.wager,
      game: gameOf(b.game),
      host: b.host,
      ...(b.fail ? { fail: true } : {}),
      ...(b.jackpot ? { jackpot: true } : {}),
    }))
    const { record, trials } = sim.placeBets(specs, bets[0]?.version ?? 'legacy')
    if (record.meta.err === null) counts.betsPlaced += bets.length
    else counts.betsFailed += bets.length
    schedule(trials)
    // The trial ids are the trial signers, i.e. account #2 of each register instruction.
    const keys = record.accountKeys
    const trialIds = record.message.instructions.map((ix) => keys[ix.accounts[2]!]!)
    return { record, trialIds }
  }

  // An IPv6 address goes in brackets in a URL.
  const urlHost = host.includes(':') ? `[${host}]` : host
  const net: Localnet = {
    rpcUrl: `http://${urlHost}:${server.port}`,
    wsUrl: `ws://${urlHost}:${server.wsPort}`,
    programId: FARE_VAULT_PROGRAM_ID,
    games,
    accounts: {
      mint: world.actors.mint.address,
      pool: world.actors.pool.address,
      resolver: world.actors.resolver.address,
      vaultState: world.actors.vaultState,
      networkFeeRecipient: world.actors.networkFeeRecipient.address,
      spoofProgram: world.actors.spoofProgram.address,
    },
    async createPlayer(opts = {}) {
      const signer = signerFromSeed(playerRng.bytes(32))
      players.set(signer.address, signer)
      world.lamports.set(signer.address, opts.lamports ?? 1_000_000_000_000n)
      const tokenAccount = world.ensureTokenAccount(signer.address)
      world.tokens.get(tokenAccount)!.amount = opts.tokens ?? 100_000_000_000_000_000n
      return { publicKey: signer.address, keypair: toKeypair(signer), tokenAccount }
    },
    async placeBet(bet) {
      const { record, trialIds } = placeMany([bet])
      return { trialId: trialIds[0]!, signature: record.signature, slot: record.slot }
    },
    async placeBets(bets) {
      const { record, trialIds } = placeMany(bets)
      return { signature: record.signature, trialIds, slot: record.slot }
    },
    async spoofEvent(opts) {
      const payer = signerOf(opts.player)
      const fakeTrial = signerFromSeed(playerRng.bytes(32)).address
      const game = gameOf(opts.game ?? games[0]!.id)
      const event = opts.event ?? {
        name: 'TrialRegistered' as const,
        fields: {
          trialId: fakeTrial,
          who: payer.address,
          poolId: world.actors.pool.address,
          multiplier: opts.wager ?? 1_000_000n,
          qk: game.qk,
          extraDataHash: game.extraDataHash,
        },
      }
      const b64 = encodeEventBase64(event.name, event.fields as never)
      const rec = sim.spoof(payer, b64)
      counts.spoofs++
      const trialId = 'trialId' in event.fields ? event.fields.trialId : fakeTrial
      return { signature: rec.signature, trialId }
    },
    startBot(opts) {
      const bot = startBot(net, new Rng(seed, `bot:${bots.size}`), opts)
      bots.add(bot)
      return bot
    },
    trial: (id) => outcomes.get(id),
    slot: () => ledger.slot,
    async waitForIdle() {
      if (pending > 0) await new Promise<void>((r) => idleWaiters.push(r))
      await confirmedThrough()
    },
    waitForConfirmed: confirmedThrough,
    setFaults: (f) => faults.set(f),
    stats: () => ({
      slot: ledger.slot,
      finalizedSlot: ledger.finalizedSlot,
      transactions: ledger.txs.length,
      ...counts,
      pendingResolves: pending,
      rpcRequests: server.requests,
      wsConnections: pubsub.connections,
      faults: { ...faults.stats },
    }),
    async close() {
      if (closed) return
      closed = true
      for (const b of bots) b.stop()
      clearInterval(clock)
      for (const t of timers) clearTimeout(t)
      timers.clear()
      pending = 0
      settle()
      for (const done of [...confirmWaiters]) done()
      pubsub.close()
      await server.close()
    },
  }
  return net
}
