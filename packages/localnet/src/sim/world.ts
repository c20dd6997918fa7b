/**
 * Account state of the simulated chain: lamports, SPL token accounts and the jackpot pool.
 * Addresses of fixed actors (mint, pool, resolver...) derive from labels, not from the seed, so a
 * casino config written once keeps working across runs.
 */
import { PublicKey } from '@solana/web3.js'
import { keyBytes, labelledSigner, type Signer } from '../keys'
import { ASSOCIATED_TOKEN_PROGRAM_ID, FARE_VAULT_PROGRAM_ID, SYSTEM_PROGRAM_ID, TOKEN_PROGRAM_ID } from '../program/ids'

/** A token account known to the simulator. */
export interface TokenAccount {
  owner: string
  mint: string
  amount: bigint
}

/** Decimals of the simulated mint (USDC-like). */
export const MINT_DECIMALS = 6

/** The fixed actors and accounts of the simulated vault. */
export interface VaultActors {
  mint: Signer
  pool: Signer
  resolver: Signer
  multisigAuthority: Signer
  networkFeeRecipient: Signer
  spoofProgram: Signer
  lookupTable: Signer
  vaultState: string
  vaultMintSigner: string
}

/** Builds the fixed actors (stable addresses). */
export function createActors(): VaultActors {
  const program = new PublicKey(FARE_VAULT_PROGRAM_ID)
  return {
    mint: labelledSigner('mint'),
    pool: labelledSigner('pool'),
    resolver: labelledSigner('resolver'),
    multisigAuthority: labelledSigner('multisig-authority'),
    networkFeeRecipient: labelledSigner('network-fee-recipient'),
    spoofProgram: labelledSigner('spoof-program'),
    lookupTable: labelledSigner('lookup-table'),
    vaultState: PublicKey.findProgramAddressSync([Buffer.from('vault_state')], program)[0].toBase58(),
    vaultMintSigner: PublicKey.findProgramAddressSync([Buffer.from('vault_mint_signer')], program)[0].toBase58(),
  }
}

const ataCache = new Map<string, string>()

/** The associated token account of `owner` for `mint` (a real ATA derivation, cached). */
export function associatedTokenAddress(owner: string, mint: string): string {
  const k = `${owner}:${mint}`
  let a = ataCache.get(k)
  if (!a) {
    a = PublicKey.findProgramAddressSync(
      [keyBytes(owner), keyBytes(TOKEN_PROGRAM_ID), keyBytes(mint)],
      new PublicKey(ASSOCIATED_TOKEN_PROGRAM_ID),
    )[0].toBase58()
    ataCache.set(k, a)
  }
  return a
}

/** Rent-exempt minimum for `space` bytes, with the mainnet rent parameters. */
export function rentExempt(space: number): bigint {
  return BigInt((128 + space) * 3480 * 2)
}

/** Mutable balances; `fork()` gives a draft that commits only if the transaction succeeds. */
export class World {
  readonly lamports = new Map<string, bigint>()
  readonly tokens = new Map<string, TokenAccount>()
  poolAccumulated = 0n

  constructor(readonly actors: VaultActors) {
    const set = (a: string, l: bigint) => this.lamports.set(a, l)
    set(FARE_VAULT_PROGRAM_ID, 1_141_440n)
    set(TOKEN_PROGRAM_ID, 934_087_680n)
    set(SYSTEM_PROGRAM_ID, 1n)
    set(actors.spoofProgram.address, 1_141_440n)
    set(actors.mint.address, rentExempt(82))
    set(actors.pool.address, rentExempt(8 + 64 + 8))
    set(actors.vaultState, rentExempt(8 + 8 + 96 + 16))
    set(actors.resolver.address, 1_000_000_000_000n)
    set(actors.networkFeeRecipient.address, 1_000_000_000n)
    this.ensureTokenAccount(actors.networkFeeRecipient.address)
  }

  /** Creates (if missing) the owner's token account for the vault mint and returns its address. */
  ensureTokenAccount(owner: string, amount = 0n): string {
    const ata = associatedTokenAddress(owner, this.actors.mint.address)
    if (!this.tokens.has(ata)) {
      this.tokens.set(ata, { owner, mint: this.actors.mint.address, amount })
      this.lamports.set(ata, rentExempt(165))
    }
    return ata
  }

  lamportsOf(a: string): bigint {
    return this.lamports.get(a) ?? 0n
  }
}

/** A copy-on-write view of the world for one transaction. */
export class Draft {
  private readonly lamports = new Map<string, bigint>()
  private readonly tokens = new Map<string, bigint>()
  poolAccumulated: bigint

  constructor(private readonly world: World) {
    this.poolAccumulated = world.poolAccumulated
  }

  lamportsOf(a: string): bigint {
    return this.lamports.get(a) ?? this.world.lamportsOf(a)
  }

  addLamports(a: string, delta: bigint): void {
    const next = this.lamportsOf(a) + delta
    if (next < 0n) throw new RangeError(`insufficient lamports in ${a}`)
    this.lamports.set(a, next)
  }

  tokenAmount(a: string): bigint {
    const t = this.tokens.get(a)
    if (t !== undefined) return t
    const acc = this.world.tokens.get(a)
    if (!acc) throw new Error(`not a token account: ${a}`)
    return acc.amount
  }

  addTokens(a: string, delta: bigint): void {
    const next = this.tokenAmount(a) + delta
    if (next < 0n) throw new RangeError(`insufficient token balance in ${a}`)
    this.tokens.set(a, next)
  }

  /** Applies every change to the world. */
  commit(): void {
    for (const [a, l] of this.lamports) this.world.lamports.set(a, l)
    for (const [a, v] of this.tokens) this.world.tokens.get(a)!.amount = v
    this.world.poolAccumulated = this.poolAccumulated
  }
}
