import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import bs58 from 'bs58'
import { createConsola } from 'consola'
import { jwtVerify, SignJWT } from 'jose'
import WebSocket from 'ws'
import { createCasinoEvents } from '../../src/events'
import type { PubSub } from '../../src/pubsub/types'
import { memoryStore } from '../../src/store/memory'
import type { Bet } from '../../src/store/types'
import type { HistoryStore } from '../../src/ws/history'
import type { RealtimeOptions } from '../../src/ws/options'
import { createRealtime } from '../../src/ws/realtime'

const secret = new TextEncoder().encode('realtime-test-secret-0123456789abcdef')

/** A JWT like the casino's: HS256, `sub` = wallet. */
export function signToken(wallet: string): Promise<string> {
  return new SignJWT({ walletAddress: wallet }).setProtectedHeader({ alg: 'HS256' }).setSubject(wallet).setExpirationTime('1h').sign(secret)
}

async function verifyToken(token: string): Promise<{ wallet: string } | null> {
  try {
    const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'] })
    return typeof payload.sub === 'string' ? { wallet: payload.sub } : null
  }
  catch {
    return null
  }
}

/** A real node:http server with the realtime upgrade handler, a memory store and an event bus. */
export async function startServer(options: RealtimeOptions = {}, extra: { pubsub?: PubSub, history?: HistoryStore } = {}) {
  const store = memoryStore()
  const events = createCasinoEvents()
  const logs: string[] = []
  const logger = createConsola({ level: 4, reporters: [{ log: (entry) => { logs.push(String(entry.args[0])) } }] })
  const realtime = createRealtime({ events, store, verifyToken, logger, options, ...extra })
  const server: Server = createServer((_req, res) => res.end('ok'))
  server.on('upgrade', realtime.handleUpgrade)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  await realtime.ready
  const { port } = server.address() as AddressInfo
  return {
    url: `ws://127.0.0.1:${port}${options.path ?? '/ws'}`,
    port,
    server,
    store,
    events,
    realtime,
    logs,
    async close() {
      await realtime.close()
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    },
  }
}

/** One message the server sent. */
export interface Received {
  type: string
  data: any
  timestamp?: number
  offset?: number
}

/** A real `ws` client that records every message and lets a test wait for the next matching one. */
export class TestClient {
  readonly received: Received[] = []
  private taken = new Set<Received>()
  private waiters: (() => void)[] = []
  readonly closed: Promise<{ code: number, reason: string }>

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.received.push(JSON.parse(String(data)))
      for (const wake of this.waiters.splice(0)) wake()
    })
    this.closed = new Promise(resolve => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })))
    ws.on('error', () => {})
  }

  /**
   * A socket of the casino served at `httpUrl` (its `/ws`), subscribed to chat and authenticated with
   * `token`, as a frontend's chat does.
   */
  static async chatting(httpUrl: string, token: string): Promise<TestClient> {
    const client = await TestClient.connect(`${httpUrl.replace('http', 'ws')}/ws`)
    await client.take('connection.established')
    client.send({ type: 'subscribe', channels: ['chat'] })
    await client.take('subscribed')
    client.send({ type: 'auth', token })
    await client.take('authenticated')
    return client
  }

  static async connect(url: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
    const ws = new WebSocket(url, options)
    const client = new TestClient(ws)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    return client
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message))
  }

  /** The next message not yet taken that matches (a type or a predicate); waits up to `timeout` ms. */
  async take(match: string | ((m: Received) => boolean), timeout = 5000): Promise<Received> {
    const test = typeof match === 'string' ? (m: Received) => m.type === match : match
    const deadline = Date.now() + timeout
    for (;;) {
      const found = this.received.find(m => !this.taken.has(m) && test(m))
      if (found) {
        this.taken.add(found)
        return found
      }
      if (Date.now() > deadline) throw new Error(`no message matching ${String(match)}; got ${JSON.stringify(this.received.map(m => m.type))}`)
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve)
        setTimeout(resolve, 50)
      })
    }
  }

  /** Events received (frames with an offset), in order. */
  events(type?: string): Received[] {
    return this.received.filter(m => m.offset !== undefined && (type === undefined || m.type === type))
  }

  close(): void {
    this.ws.close()
  }
}

let walletSeed = 1
/** A fresh valid wallet address. */
export function wallet(): string {
  return bs58.encode(new Uint8Array(32).fill(walletSeed++ % 250 + 1))
}

/** A wager above 2^53, so a number anywhere on the path would lose digits. */
export const bigWager = 2n ** 60n + 7n

let betSeq = 0
/** A bet as the store returns it. */
export function makeBet(input: Partial<Bet> = {}): Bet {
  betSeq++
  return {
    id: `trial${betSeq}`,
    seq: betSeq,
    player: input.player ?? wallet(),
    pool: 'pool',
    mint: null,
    game: 'coinflip',
    extraDataHash: 'hash',
    wager: bigWager,
    qk: [[0.5, 1.98], [0.5, 0]],
    fees: [{ type: 0, amount: bigWager / 200n }],
    poolAccumulatedAmount: bigWager,
    resultIndex: null,
    payout: null,
    multiplier: null,
    won: null,
    status: 'pending',
    registerSignature: `sig${betSeq}`,
    registerSlot: betSeq,
    blockTime: 1_700_000_000,
    resolveSignature: null,
    resolveSlot: null,
    settledBlockTime: null,
    ...input,
  }
}

/** The casino statistics payload. */
export function makeStats() {
  return { totalBets: 1, totalWins: 0, totalWagered: bigWager, totalPayout: 0n, totalPlayers: 1, pendingBets: 0, last24h: { bets: 1, wins: 0, wagered: bigWager, payout: 0n } }
}
