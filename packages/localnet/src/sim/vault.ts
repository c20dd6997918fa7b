/**
 * The Fare Vault simulator: turns bets into real signed transactions (trial_register, then later
 * trial_resolve_rand by the resolver), executes them against the world and lands them with the
 * logs, balances and inner instructions an Agave node would record.
 */
import type { Ledger } from '../chain/ledger'
import type { CompiledIx, PreparedTx, TokenBalance, TransactionErrorJson, TxRecord } from '../chain/types'
import { pickOutcome, type LocalnetGame } from '../games'
import { randomSigner, type Signer } from '../keys'
import { encodeEventBase64, FEE_TYPES, type FareEventFields, type QkPair } from '../program/events'
import { FARE_VAULT_ERRORS, FARE_VAULT_PROGRAM_ID, SYSTEM_PROGRAM_ID, TOKEN_PROGRAM_ID } from '../program/ids'
import {
  createAccountData,
  TOKEN_IX,
  tokenInstructionData,
  trialRegisterInstruction,
  type Ix,
  trialResolveInstruction,
} from '../program/instructions'
import type { Rng } from '../rng'
import { Exec } from './exec'
import { buildTx, type BuiltTx, type LookupTable } from './tx-builder'
import { Draft, MINT_DECIMALS, rentExempt, type World } from './world'

/** Fee rates in basis points of the wager, charged on trial_register. */
export const FEE_BPS = { host: 50n, network: 50n, pool: 10n } as const

/** One bet of {@link VaultSim.placeBets}. */
export interface BetSpec {
  player: Signer
  wager: bigint
  game: LocalnetGame
  /** Host (casino owner) wallet; its token account receives the host fee. */
  host: string
  /** Make this instruction fail (EVTooHigh); the whole transaction fails. */
  fail?: boolean
  /** Release the pool's accumulated amount to the player when the trial resolves. */
  jackpot?: boolean
}

/** A trial waiting for its resolution. */
export interface PendingTrial {
  trial: string
  player: string
  host: string
  wager: bigint
  qk: ReadonlyArray<QkPair>
  jackpot: boolean
}

/** Randomness sources of the simulator. */
export interface VaultRngs {
  randomness: Rng
}

/** The Fare Vault simulator bound to one ledger and world. */
export class VaultSim {
  constructor(
    private readonly ledger: Ledger,
    private readonly world: World,
    private readonly rng: VaultRngs,
  ) {}

  private get actors() {
    return this.world.actors
  }

  /** Lookup table used by v0 transactions: accounts every vault instruction touches. */
  private table: LookupTable | undefined

  /** Lookup table used by v0 transactions: accounts every vault instruction touches. */
  private get lookupTable(): LookupTable {
    const a = this.actors
    return (this.table ??= { key: a.lookupTable.address, addresses: [
      this.world.ensureTokenAccount(a.networkFeeRecipient.address),
      TOKEN_PROGRAM_ID,
      SYSTEM_PROGRAM_ID,
      a.multisigAuthority.address,
      a.vaultMintSigner,
    ] })
  }

  /** Places bets in one transaction; returns the landed record and the trials to resolve. */
  placeBets(bets: BetSpec[], version: 'legacy' | 0 = 'legacy'): { record: TxRecord; trials: PendingTrial[] } {
    if (bets.length === 0) throw new RangeError('placeBets needs at least one bet')
    const a = this.actors
    const netToken = this.world.ensureTokenAccount(a.networkFeeRecipient.address)
    // Trial accounts are fresh random keypairs, as a real client makes them.
    const trials = bets.map(() => randomSigner())
    const ixs = bets.map((b, i) => {
      if (b.wager <= 0n) throw new RangeError('wager must be positive')
      return trialRegisterInstruction(
        {
          vaultState: a.vaultState,
          payer: b.player.address,
          trial: trials[i]!.address,
          pool: a.pool.address,
          netToken,
          hostToken: this.world.ensureTokenAccount(b.host),
          mint: a.mint.address,
          payerToken: this.world.ensureTokenAccount(b.player.address),
        },
        { qk: b.game.qk, mult: Number(b.wager), extraDataHash: b.game.extraDataHash },
      )
    })
    const players = [...new Map(bets.map((b) => [b.player.address, b.player])).values()]
    const built = this.build(players[0]!, [...players, ...trials], ixs, version)
    const exec = new Exec(built.accountKeys, ixs.length)
    const draft = new Draft(this.world)
    let err: TransactionErrorJson | null = null
    const pending: PendingTrial[] = []
    for (let i = 0; i < bets.length; i++) {
      const b = bets[i]!
      const trial = trials[i]!.address
      exec.begin(i, FARE_VAULT_PROGRAM_ID)
      exec.log('Instruction: TrialRegister')
      exec.use(9_000 + 600 * b.game.qk.length)
      if (b.fail) {
        const e = FARE_VAULT_ERRORS.EVTooHigh
        exec.log(`AnchorError occurred. Error Code: EVTooHigh. Error Number: ${e.code}. Error Message: ${e.msg}.`)
        exec.fail(FARE_VAULT_PROGRAM_ID, e.code)
        err = { InstructionError: [i, { Custom: e.code }] }
        break
      }
      this.register(exec, draft, b, trial, netToken)
      exec.succeed(FARE_VAULT_PROGRAM_ID)
      pending.push({ trial, player: b.player.address, host: b.host, wager: b.wager, qk: b.game.qk, jackpot: !!b.jackpot })
    }
    const record = this.land(built, exec, err === null ? draft : null, err)
    return { record, trials: err === null ? pending : [] }
  }

  /** Executes one successful trial_register against the draft. */
  private register(exec: Exec, draft: Draft, b: BetSpec, trial: string, netToken: string): void {
    const a = this.actors
    const payerToken = this.world.ensureTokenAccount(b.player.address)
    const hostToken = this.world.ensureTokenAccount(b.host)
    const space = 8 + 4 + 16 * b.game.qk.length + 8 + 96 + 4 + b.game.extraDataHash.length + 8
    const rent = rentExempt(space)
    exec.system([b.player.address, trial], createAccountData(rent, BigInt(space), FARE_VAULT_PROGRAM_ID))
    draft.addLamports(b.player.address, -rent)
    draft.addLamports(trial, rent)
    const ev = <N extends keyof FareEventFields>(name: N, f: FareEventFields[N]) => exec.data(encodeEventBase64(name, f))
    const hostFee = (b.wager * FEE_BPS.host) / 10_000n
    const netFee = (b.wager * FEE_BPS.network) / 10_000n
    const poolFee = (b.wager * FEE_BPS.pool) / 10_000n
    if (hostFee > 0n) {
      exec.token('Transfer', [payerToken, hostToken, b.player.address], tokenInstructionData(TOKEN_IX.transfer, hostFee))
      draft.addTokens(payerToken, -hostFee)
      draft.addTokens(hostToken, hostFee)
      ev('FeeCharged', { feeType: FEE_TYPES.host, poolId: a.pool.address, trialId: trial, feeAmount: hostFee })
    }
    if (netFee > 0n) {
      exec.token('Transfer', [payerToken, netToken, b.player.address], tokenInstructionData(TOKEN_IX.transfer, netFee))
      draft.addTokens(payerToken, -netFee)
      draft.addTokens(netToken, netFee)
      ev('FeeCharged', { feeType: FEE_TYPES.network, poolId: a.pool.address, trialId: trial, feeAmount: netFee })
    }
    if (poolFee > 0n) {
      // The jackpot pot is accounting only: the tokens are burned with the stake and minted on release.
      draft.poolAccumulated += poolFee
      ev('FeeCharged', { feeType: FEE_TYPES.pool, poolId: a.pool.address, trialId: trial, feeAmount: poolFee })
      ev('PoolAccumulatedAmountUpdated', { poolId: a.pool.address, trialId: trial, newAccumulatedAmount: draft.poolAccumulated })
    }
    const burn = b.wager - hostFee - netFee
    exec.token('Burn', [payerToken, a.mint.address, b.player.address], tokenInstructionData(TOKEN_IX.burn, burn))
    draft.addTokens(payerToken, -burn)
    ev('TrialRegistered', {
      trialId: trial,
      who: b.player.address,
      poolId: a.pool.address,
      multiplier: b.wager,
      qk: b.game.qk,
      extraDataHash: b.game.extraDataHash,
    })
    exec.use(2_000)
  }

  /** Resolves a trial in its own transaction signed by the resolver. */
  resolve(t: PendingTrial): { record: TxRecord; resultIndex: number; payout: bigint; released: bigint } {
    const a = this.actors
    const netToken = this.world.ensureTokenAccount(a.networkFeeRecipient.address)
    const hostToken = this.world.ensureTokenAccount(t.host)
    const userToken = this.world.ensureTokenAccount(t.player)
    const randomness = this.rng.randomness.bytes(64)
    const view = new DataView(randomness.buffer)
    // 53 high bits of the first u64 -> uniform f64 in [0, 1).
    const r = Number(view.getBigUint64(0, true) >> 11n) / 2 ** 53
    const ix = trialResolveInstruction(
      {
        user: t.player,
        vaultState: a.vaultState,
        trial: t.trial,
        pool: a.pool.address,
        netToken,
        hostToken,
        mint: a.mint.address,
        userToken,
        multisigAuthority: a.multisigAuthority.address,
        vaultMintSigner: a.vaultMintSigner,
        resolver: a.resolver.address,
      },
      randomness,
    )
    const version = this.rng.randomness.chance(0.3) ? 0 : 'legacy'
    const built = this.build(a.resolver, [a.resolver], [ix], version)
    const exec = new Exec(built.accountKeys, 1)
    const draft = new Draft(this.world)
    exec.begin(0, FARE_VAULT_PROGRAM_ID)
    exec.log('Instruction: TrialResolveRand')
    exec.use(11_000)
    const resultIndex = pickOutcome(t.qk, r)
    exec.data(encodeEventBase64('TrialResolved', { trialId: t.trial, resultIndex: BigInt(resultIndex), randomness: r }))
    const k = t.qk[resultIndex]![1]
    const payout = (t.wager * BigInt(Math.round(k * 1_000_000))) / 1_000_000n
    if (payout > 0n) {
      exec.token('MintTo', [a.mint.address, userToken, a.vaultMintSigner], tokenInstructionData(TOKEN_IX.mintTo, payout))
      draft.addTokens(userToken, payout)
    }
    let released = 0n
    if (t.jackpot && draft.poolAccumulated > 0n) {
      released = draft.poolAccumulated
      draft.poolAccumulated = 0n
      const pool = a.pool.address
      exec.data(encodeEventBase64('PoolAccumulatedAmountUpdated', { poolId: pool, trialId: t.trial, newAccumulatedAmount: 0n }))
      exec.data(encodeEventBase64('PoolAccumulatedAmountReleased', { poolId: pool, trialId: t.trial, receiver: t.player, releasedAmount: released }))
      exec.token('MintTo', [a.mint.address, userToken, a.vaultMintSigner], tokenInstructionData(TOKEN_IX.mintTo, released))
      draft.addTokens(userToken, released)
    }
    // Closing the trial account returns its rent to the player.
    const rent = draft.lamportsOf(t.trial)
    draft.addLamports(t.trial, -rent)
    draft.addLamports(t.player, rent)
    exec.use(1_500)
    exec.succeed(FARE_VAULT_PROGRAM_ID)
    return { record: this.land(built, exec, draft, null), resultIndex, payout, released }
  }

  /**
   * Lands a transaction of ANOTHER program that prints a `Program data:` line byte-identical to a
   * Fare Vault event; the vault is only a read-only account, so it appears in address queries.
   */
  spoof(payer: Signer, eventBase64: string, version: 'legacy' | 0 = 'legacy'): TxRecord {
    const a = this.actors
    const ix: Ix = {
      programId: a.spoofProgram.address,
      keys: [
        { address: payer.address, signer: true, writable: true },
        { address: FARE_VAULT_PROGRAM_ID, signer: false, writable: false },
      ],
      data: new Uint8Array(Buffer.from(eventBase64, 'base64')),
    }
    const built = this.build(payer, [payer], [ix], version)
    const exec = new Exec(built.accountKeys, 1)
    exec.begin(0, a.spoofProgram.address)
    exec.use(1_337)
    exec.data(eventBase64)
    exec.succeed(a.spoofProgram.address)
    return this.land(built, exec, new Draft(this.world), null)
  }

  private build(payer: Signer, signers: Signer[], ixs: Ix[], version: 'legacy' | 0): BuiltTx {
    return buildTx({
      payer,
      signers,
      instructions: ixs,
      recentBlockhash: this.ledger.blockhash(),
      version,
      ...(version === 0 ? { lookupTable: this.lookupTable } : {}),
    })
  }

  /** Charges the fee, snapshots balances, commits the draft (success only) and lands. */
  private land(built: BuiltTx, exec: Exec, draft: Draft | null, err: TransactionErrorJson | null): TxRecord {
    const keys = built.accountKeys
    const numSigs = built.message.header.numRequiredSignatures
    const fee = 5_000 * numSigs
    const preBalances = keys.map((k) => this.world.lamportsOf(k))
    const preTokenBalances = this.tokenBalances(keys)
    const payer = keys[0]!
    const outcome = draft ?? new Draft(this.world)
    outcome.addLamports(payer, -BigInt(fee))
    outcome.commit()
    const dataBytes = built.message.instructions.reduce((n, ix) => n + ix.data.length, 0)
    const writableCount = built.writable.filter(Boolean).length
    const prepared: PreparedTx = {
      signature: built.signature,
      signatures: built.signatures,
      message: built.message,
      wire: built.wire,
      writable: built.writable,
      version: built.version,
      accountKeys: keys,
      loaded: built.loaded,
      meta: {
        err,
        fee,
        preBalances,
        postBalances: keys.map((k) => this.world.lamportsOf(k)),
        preTokenBalances,
        postTokenBalances: this.tokenBalances(keys),
        innerInstructions: exec.inner,
        logMessages: exec.logs,
        computeUnitsConsumed: exec.consumed,
        costUnits: 720 * numSigs + 300 * writableCount + Math.floor(dataBytes / 4) + exec.consumed,
      },
    }
    return this.ledger.land(prepared)
  }

  private tokenBalances(keys: string[]): TokenBalance[] {
    const out: TokenBalance[] = []
    keys.forEach((k, i) => {
      const t = this.world.tokens.get(k)
      if (t) out.push({ accountIndex: i, mint: t.mint, owner: t.owner, programId: TOKEN_PROGRAM_ID, amount: t.amount, decimals: MINT_DECIMALS })
    })
    return out
  }
}

/** Top-level instructions of a record in index form (for encoders). */
export function topLevelInstructions(rec: TxRecord): CompiledIx[] {
  return rec.message.instructions.map((ix) => ({
    programIdIndex: ix.programIdIndex,
    accounts: ix.accounts,
    data: ix.data,
    stackHeight: 1,
  }))
}
