/**
 * The PubSub WebSocket API: logsSubscribe and slotSubscribe. Frames are written in struct order
 * (not sorted), as Agave serializes them. Subscriptions are deduplicated node-wide by their params,
 * like Agave's SubscriptionControl: identical params share one id.
 */
import bs58 from 'bs58'
import type { WebSocket } from 'ws'
import type { Ledger } from './chain/ledger'
import type { Commitment, TxRecord } from './chain/types'
import type { Faults } from './faults'
import { answerCall, errorEnvelope, isReadable, readCall, readRequestBody } from './rpc/dispatch'
import { invalidParams, RpcError, rpcErrors } from './rpc/errors'
import { toJson } from './rpc/json'
import { type Arity, checkArity, endOfTuple } from './rpc/arity'
import { commitmentOf, configAt, stringOf, unexpected, unsignedOf } from './rpc/params'
import { versionInfo } from './rpc/methods'

type LogsFilter = { kind: 'all' } | { kind: 'allWithVotes' } | { kind: 'mentions'; address: string }

interface Subscription {
  id: number
  key: string
  method: 'logs' | 'slot'
  filter?: LogsFilter
  commitment: Commitment
  clients: Set<Client>
}

interface Client {
  socket: WebSocket
  subs: Set<number>
  sent: number
  timer?: NodeJS.Timeout
}

/** Node-wide subscription registry bound to the ledger. */
export class PubSub {
  /** Agave's subscription ids count from 0 (`SubscriptionId` from an `AtomicU64` starting at 0). */
  private nextId = 0
  private readonly subs = new Map<number, Subscription>()
  private readonly byKey = new Map<string, Subscription>()
  private readonly clients = new Set<Client>()
  private readonly unlisten: () => void

  constructor(
    ledger: Ledger,
    private readonly faults: Faults,
  ) {
    this.unlisten = ledger.listen({
      landed: tx => this.onTx(tx, 'processed'),
      confirmed: (txs) => {
        for (const tx of txs) this.onTx(tx, 'confirmed')
      },
      finalized: (txs) => {
        for (const tx of txs) this.onTx(tx, 'finalized')
      },
      slot: (slot, parent, root) => this.onSlot(slot, parent, root),
    })
  }

  /** Number of open sockets. */
  get connections(): number {
    return this.clients.size
  }

  /** Takes over an accepted WebSocket. */
  attach(socket: WebSocket): void {
    const client: Client = { socket, subs: new Set(), sent: 0 }
    this.clients.add(client)
    const dropAfter = this.faults.options.wsDropAfterMs
    if (dropAfter !== undefined) {
      client.timer = setTimeout(() => {
        this.faults.stats.wsDrops++
        socket.terminate()
      }, dropAfter)
    }
    socket.on('message', (data) => {
      // A throw in a socket's listener would end the whole localnet: that socket is told, as over HTTP.
      try {
        this.onMessage(client, String(data))
      }
      catch {
        this.reply(client, errorEnvelope(new RpcError(-32603, 'Internal error'), null))
      }
    })
    socket.on('close', () => this.detach(client))
    socket.on('error', () => this.detach(client))
  }

  /** Closes every socket and stops listening to the ledger. */
  close(): void {
    this.unlisten()
    for (const c of [...this.clients]) {
      c.socket.terminate()
      this.detach(c)
    }
  }

  private detach(client: Client): void {
    if (!this.clients.delete(client)) return
    if (client.timer) clearTimeout(client.timer)
    for (const id of client.subs) this.release(id, client)
  }

  private release(id: number, client: Client): void {
    const sub = this.subs.get(id)
    if (!sub) return
    sub.clients.delete(client)
    if (sub.clients.size === 0) {
      this.subs.delete(id)
      this.byKey.delete(sub.key)
    }
  }

  private reply(client: Client, text: string): void {
    if (client.socket.readyState === client.socket.OPEN) client.socket.send(text)
  }

  private onMessage(client: Client, text: string): void {
    const req = readRequestBody(text)
    if (req === undefined) return this.reply(client, errorEnvelope(rpcErrors.parse(), null))
    // A batch is answered with the array of its answers (nothing when there is none), as over HTTP;
    // as there, one element that cannot be read as a call makes the whole message a parse error.
    if (Array.isArray(req)) {
      if (!req.every(isReadable)) return this.reply(client, errorEnvelope(rpcErrors.parse(), null))
      const out = req.map(one => this.answer(client, one)).filter((a): a is string => a !== null)
      if (out.length > 0) this.reply(client, `[${out.join(',')}]`)
      return
    }
    const out = this.answer(client, req)
    if (out !== null) this.reply(client, out)
  }

  /** The answer to one request (see `readCall`); a notification subscribes nothing and is not answered. */
  private answer(client: Client, req: unknown): string | null {
    const call = readCall(req)
    if (call.kind === 'answered') return call.text
    if (call.notification) return null
    return answerCall(call, () => this.call(client, call.method, call.params))
  }

  private call(client: Client, name: string, raw: unknown): unknown {
    // Agave's pubsub methods are jsonrpc-derive methods too: their params are counted first (see arity.ts).
    const entry = Object.hasOwn(this.methods, name) ? this.methods[name] : undefined
    if (!entry) throw rpcErrors.methodNotFound()
    checkArity(entry.arity, raw)
    return entry.run(client, (raw as unknown[] | undefined) ?? [])
  }

  /** The pubsub methods the localnet serves, with Agave's signatures (rpc_pubsub.rs). */
  private readonly methods: Readonly<Record<string, { arity: Arity, run: (client: Client, params: unknown[]) => unknown }>> = {
    logsSubscribe: {
      arity: [1, 1],
      run: (client, params) => {
        // serde reads both params' shapes and types; then the mentions are counted and parsed.
        const filter = readLogsFilter(params[0])
        const commitment = commitmentOf(configAt(params, 1, 'RpcTransactionLogsConfig'))
        return this.subscribe(client, 'logs', commitment, logsFilterOf(filter))
      },
    },
    slotSubscribe: { arity: [0, 0], run: client => this.subscribe(client, 'slot', 'confirmed') },
    logsUnsubscribe: { arity: [1, 0], run: (client, params) => this.unsubscribe(client, params) },
    slotUnsubscribe: { arity: [1, 0], run: (client, params) => this.unsubscribe(client, params) },
    getVersion: { arity: [0, 0], run: () => versionInfo() },
  }

  /** An unsubscribe: its `SubscriptionId` is a u64; Agave's every *Unsubscribe is one `unsubscribe(id)`. */
  private unsubscribe(client: Client, params: unknown[]): boolean {
    const id = unsignedOf(params[0], 64)
    endOfTuple(params, 1)
    const sub = this.subs.get(id)
    // Any subscription of this connection, of any kind.
    if (!sub || !client.subs.has(sub.id)) throw invalidParams('Invalid subscription id.')
    client.subs.delete(sub.id)
    this.release(sub.id, client)
    return true
  }

  private subscribe(client: Client, method: 'logs' | 'slot', commitment: Commitment, filter?: LogsFilter): number {
    const key = JSON.stringify([method, filter ?? null, commitment])
    let sub = this.byKey.get(key)
    if (!sub) {
      sub = { id: this.nextId++, key, method, commitment, clients: new Set(), ...(filter ? { filter } : {}) }
      this.subs.set(sub.id, sub)
      this.byKey.set(key, sub)
    }
    sub.clients.add(client)
    client.subs.add(sub.id)
    return sub.id
  }

  private notify(sub: Subscription, frame: (id: number) => string): void {
    const text = frame(sub.id)
    for (const c of sub.clients) {
      if (c.socket.readyState !== c.socket.OPEN) continue
      if (this.faults.dropWsNow(c.sent)) {
        c.socket.terminate()
        continue
      }
      c.sent++
      c.socket.send(text)
    }
  }

  /** Notifies the logs subscriptions of `commitment` of a transaction that reached it. */
  private onTx(tx: TxRecord, commitment: Commitment): void {
    let value: string | undefined
    for (const sub of this.subs.values()) {
      if (sub.method !== 'logs' || sub.commitment !== commitment) continue
      const f = sub.filter!
      if (f.kind === 'mentions' && !tx.accountKeys.includes(f.address)) continue
      value ??= `{"context":{"slot":${tx.slot}},"value":{"signature":${JSON.stringify(tx.signature)},"err":${toJson(tx.meta.err, false)},"logs":${JSON.stringify(tx.meta.logMessages)}}}`
      const v = value
      this.notify(sub, (id) => `{"jsonrpc":"2.0","method":"logsNotification","params":{"result":${v},"subscription":${id}}}`)
    }
  }

  private onSlot(slot: number, parent: number, root: number): void {
    for (const sub of this.subs.values()) {
      if (sub.method !== 'slot') continue
      this.notify(
        sub,
        (id) => `{"jsonrpc":"2.0","method":"slotNotification","params":{"result":{"slot":${slot},"parent":${parent},"root":${root}},"subscription":${id}}}`,
      )
    }
  }
}

/** `RpcTransactionLogsFilter` as serde reads it, before Agave looks at the mentions. */
type ReadLogsFilter = { kind: 'all' } | { kind: 'allWithVotes' } | { kind: 'mentions', keys: string[] }

/**
 * Reads the filter as serde reads an externally tagged enum: a string naming a unit variant, or a map with
 * a single key; `mentions` holds a sequence of strings. serde_json's wording for anything else.
 */
function readLogsFilter(v: unknown): ReadLogsFilter {
  if (v === 'all' || v === 'allWithVotes') return { kind: v }
  if (typeof v === 'string') throw invalidParams(`Invalid params: unknown variant \`${v}\`, expected one of \`all\`, \`allWithVotes\`, \`mentions\`.`)
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw invalidParams(`Invalid params: invalid type: ${unexpected(v)}, expected string or map.`)
  const keys = Object.keys(v)
  if (keys.length !== 1) throw invalidParams('Invalid params: invalid value: map, expected map with a single key.')
  if (keys[0] !== 'mentions') throw invalidParams(`Invalid params: unknown variant \`${keys[0]}\`, expected one of \`all\`, \`allWithVotes\`, \`mentions\`.`)
  const mentions = (v as { mentions: unknown }).mentions
  if (!Array.isArray(mentions)) throw invalidParams(`Invalid params: invalid type: ${unexpected(mentions)}, expected a sequence.`)
  return { kind: 'mentions', keys: mentions.map(stringOf) }
}

/** Agave's checks of a read filter: exactly one mention, a pubkey (`param::<Pubkey>(&keys[0], "mentions")`). */
function logsFilterOf(filter: ReadLogsFilter): LogsFilter {
  if (filter.kind !== 'mentions') return filter
  if (filter.keys.length !== 1) throw invalidParams('Invalid Request: Only 1 address supported')
  const key = filter.keys[0]!
  let ok = false
  try {
    ok = key.length <= 44 && bs58.decode(key).length === 32
  } catch {
    ok = false
  }
  // The recorded "Invalid pubkey provided" is accountSubscribe's text; logsSubscribe names its param.
  if (!ok) throw invalidParams('Invalid Request: Invalid mentions provided')
  return { kind: 'mentions', address: key }
}
