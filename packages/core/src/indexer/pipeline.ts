import { isRpcError, RpcError } from '../solana/rpc-errors'
import type { RpcClient, SignatureInfo, TransactionJson } from '../solana/rpc'
import type { BatchResult, CasinoStore, ChainEvent, SystemEventSeverity } from '../store/types'
import { decodeTransaction, type DecodeOptions, TransactionDecodeError } from './decode'
import { retryForever, type RetryPolicy } from './retry'

/**
 * The ordered pipeline: transactions are fetched concurrently (through the rate-limited RPC queue) but
 * committed strictly in chain order. A group is the longest run of fetched transactions at the front,
 * committed in ONE `applyBatch` together with the cursor of its last transaction, so that a crash
 * leaves the store either before or after the whole group, never in between, and a restart resumes
 * from the cursor without a gap. A transaction that keeps failing holds the line (and is reported)
 * rather than being skipped: skipping could lose a bet.
 */

/** What the pipeline needs from the indexer. */
export interface PipelineContext {
  store: CasinoStore
  decode: DecodeOptions
  /** Runs an RPC call through the shared queue (concurrency, rate limit). */
  call: <T>(fn: (rpc: RpcClient) => Promise<T>) => Promise<T>
  /** The retry policy, without `onExhausted` (each step adds its own report). */
  retry: Omit<RetryPolicy, 'onExhausted'>
  maxBatchTransactions: number
  /** After each commit, with what it changed (publishing happens here). */
  onCommit: (result: BatchResult, group: { transactions: number, last: SignatureInfo }) => void
  /** Something to record as a SystemEvent. */
  record: (type: string, severity: SystemEventSeverity, message: string, metadata: Record<string, unknown>) => Promise<void>
  isRunning: () => boolean
}

interface Entry {
  info: SignatureInfo
  ready: boolean
  events: ChainEvent[]
}

/** Creates the pipeline of one indexer run. */
export function createPipeline(ctx: PipelineContext) {
  let entries: Entry[] = []
  let head = 0
  let looping = false
  let loop: Promise<void> = Promise.resolve()

  const fetchTransaction = async (signature: string): Promise<TransactionJson> => {
    let reported = false
    return retryForever(async () => {
      const tx = await ctx.call(rpc => rpc.getTransaction(signature))
      // Listed by getSignaturesForAddress but not served yet (another node behind a load balancer).
      if (!tx) throw new RpcError('getTransaction', 'invalid-response', 'transaction not available yet', { retryable: true })
      return tx
    }, {
      ...ctx.retry,
      onExhausted: (error) => {
        if (reported) return
        reported = true
        void ctx.record('indexer.fetch_failing', 'warn', 'a transaction cannot be fetched; retrying', {
          signature, error: (error as Error)?.message ?? String(error), retryable: isRpcError(error) ? error.retryable : null,
        })
      },
    })
  }

  const process = async (entry: Entry): Promise<void> => {
    const signature = entry.info.signature
    let tx: TransactionJson
    try {
      tx = await fetchTransaction(signature)
    }
    catch {
      return // stopped
    }
    try {
      const decoded = decodeTransaction(tx, signature, ctx.decode, entry.info.blockTime)
      entry.events = decoded.events
      for (const warning of decoded.warnings) {
        await ctx.record('indexer.decode_warning', 'warn', warning, { signature, slot: tx.slot })
      }
    }
    catch (error) {
      // Deterministic: another attempt would fail the same way. Recorded, then skipped.
      await ctx.record('indexer.undecodable', 'error', 'a Fare Vault transaction cannot be decoded; skipped', {
        signature, slot: tx.slot, reason: error instanceof TransactionDecodeError ? error.message : `malformed transaction: ${String(error)}`,
      })
      entry.events = []
    }
    entry.ready = true
    kick()
  }

  const commitReady = async (): Promise<void> => {
    try {
      while (ctx.isRunning() && head < entries.length && entries[head]!.ready) {
        let end = head
        while (end < entries.length && entries[end]!.ready && end - head < ctx.maxBatchTransactions) end++
        const group = entries.slice(head, end)
        const last = group[group.length - 1]!.info
        const events = group.flatMap(e => e.events)
        let reported = false
        const result = await retryForever(
          () => ctx.store.applyBatch({ events, cursor: { signature: last.signature, slot: last.slot }, now: Date.now() }),
          {
            ...ctx.retry,
            onExhausted: (error) => {
              if (reported) return
              reported = true
              void ctx.record('indexer.commit_failing', 'error', 'a batch cannot be committed; retrying', {
                signature: last.signature, error: (error as Error)?.message ?? String(error),
              })
            },
          },
        )
        head = end
        if (head > 4096 && head * 2 > entries.length) {
          entries = entries.slice(head)
          head = 0
        }
        ctx.onCommit(result, { transactions: group.length, last })
      }
    }
    catch {
      // retryForever only throws once stopped: the group stays uncommitted, the cursor before it.
    }
    finally {
      looping = false
    }
  }

  function kick(): void {
    if (looping || !ctx.isRunning()) return
    looping = true
    loop = commitReady()
  }

  return {
    /** Adds transactions, oldest first; they must be newer than every transaction added before. */
    enqueue(infos: readonly SignatureInfo[]): void {
      for (const info of infos) {
        // A failed transaction changes nothing on chain: no fetch, but it still moves the cursor.
        const failed = info.err !== null && info.err !== undefined
        const entry: Entry = { info, ready: failed, events: [] }
        entries.push(entry)
        if (!failed) void process(entry)
      }
      kick()
    },
    /** Transactions discovered and not committed yet. */
    get pending(): number {
      return entries.length - head
    },
    /** The oldest transaction not committed yet. */
    oldest(): SignatureInfo | undefined {
      return entries[head]?.info
    },
    /** Resolves when the commit in progress (if any) is done. */
    idle(): Promise<void> {
      return loop
    },
  }
}

/** The pipeline of one indexer run. */
export type Pipeline = ReturnType<typeof createPipeline>
