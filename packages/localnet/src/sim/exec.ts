/**
 * Records what executing a transaction prints and does, the way Agave's stable log and the BPF
 * loader do: invoke/consumed/success lines with depths, a compute meter shared by the whole
 * transaction, and inner instructions grouped by top-level index.
 */
import type { CompiledIx } from '../chain/types'
import { SYSTEM_PROGRAM_ID, TOKEN_PROGRAM_ID } from '../program/ids'

/** Compute units charged by the simulated SPL Token instructions. */
const TOKEN_CU = { Transfer: 4_645, MintTo: 4_538, Burn: 4_753 } as const

/** The execution recorder of one transaction. */
export class Exec {
  readonly logs: string[] = []
  readonly inner: Array<{ index: number; instructions: CompiledIx[] }> = []
  private readonly keyIndex = new Map<string, number>()
  private remaining: number
  private readonly budget: number
  private frameStart = 0
  private topIndex = 0

  constructor(accountKeys: string[], nonBuiltinTopLevel: number) {
    accountKeys.forEach((k, i) => {
      if (!this.keyIndex.has(k)) this.keyIndex.set(k, i)
    })
    // Agave's default limit: 200k per non-builtin instruction, capped at 1.4M.
    this.budget = Math.min(1_400_000, 200_000 * Math.max(1, nonBuiltinTopLevel))
    this.remaining = this.budget
  }

  /** Compute units used so far. */
  get consumed(): number {
    return this.budget - this.remaining
  }

  /** Index of an account in the transaction's key space. */
  index(address: string): number {
    const i = this.keyIndex.get(address)
    if (i === undefined) throw new Error(`account not in transaction: ${address}`)
    return i
  }

  /** Opens a top-level instruction frame: `Program <id> invoke [1]`. */
  begin(topIndex: number, programId: string): void {
    this.topIndex = topIndex
    this.frameStart = this.remaining
    this.logs.push(`Program ${programId} invoke [1]`)
  }

  /** Charges compute units to the running frame. */
  use(cu: number): void {
    this.remaining = Math.max(0, this.remaining - cu)
  }

  /** A `Program log:` line. */
  log(text: string): void {
    this.logs.push(`Program log: ${text}`)
  }

  /** A `Program data:` line with base64 payloads. */
  data(...base64: string[]): void {
    this.logs.push(`Program data: ${base64.join(' ')}`)
  }

  /** Closes the top-level frame with success. */
  succeed(programId: string): void {
    this.logs.push(`Program ${programId} consumed ${this.frameStart - this.remaining} of ${this.frameStart} compute units`)
    this.logs.push(`Program ${programId} success`)
  }

  /** Closes the top-level frame with an Anchor custom error. */
  fail(programId: string, code: number): void {
    this.logs.push(`Program ${programId} consumed ${this.frameStart - this.remaining} of ${this.frameStart} compute units`)
    this.logs.push(`Program ${programId} failed: custom program error: 0x${code.toString(16)}`)
  }

  private record(programId: string, accounts: string[], data: Uint8Array): void {
    let group = this.inner.find((g) => g.index === this.topIndex)
    if (!group) this.inner.push((group = { index: this.topIndex, instructions: [] }))
    group.instructions.push({
      programIdIndex: this.index(programId),
      accounts: accounts.map((a) => this.index(a)),
      data,
      stackHeight: 2,
    })
  }

  /** A CPI into SPL Token at depth 2 (logs its instruction name and its own consumed line). */
  token(name: keyof typeof TOKEN_CU, accounts: string[], data: Uint8Array): void {
    this.record(TOKEN_PROGRAM_ID, accounts, data)
    const start = this.remaining
    this.logs.push(`Program ${TOKEN_PROGRAM_ID} invoke [2]`)
    this.logs.push(`Program log: Instruction: ${name}`)
    this.use(TOKEN_CU[name])
    this.logs.push(`Program ${TOKEN_PROGRAM_ID} consumed ${start - this.remaining} of ${start} compute units`)
    this.logs.push(`Program ${TOKEN_PROGRAM_ID} success`)
  }

  /** A CPI into the System program at depth 2 (builtins print no consumed line). */
  system(accounts: string[], data: Uint8Array): void {
    this.record(SYSTEM_PROGRAM_ID, accounts, data)
    this.logs.push(`Program ${SYSTEM_PROGRAM_ID} invoke [2]`)
    this.use(150)
    this.logs.push(`Program ${SYSTEM_PROGRAM_ID} success`)
  }
}
