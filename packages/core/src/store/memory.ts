import { CasinoError } from '../errors'
import { isChatMessageId, isChatPosition } from './chat-ids'
import { decodeBetCursor, encodeBetCursor } from './cursor'
import { batchKeys, type BatchPlan, hourOf, planBatch, withDelta } from './plan'
import type {
  Batch, BatchResult, Bet, BetPage, BetQuery, CasinoStats, CasinoStore, ChatMessage, IndexerCursor, Jackpot,
  LeaderboardEntry, LeaderboardQuery, Player, SystemEvent, Totals, TrialResolvedEvent,
} from './types'
import { rankLeaderboard } from './leaderboard'
import { windowStartHour } from './windows'

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Fail the next `applyBatch` after writing this many bets (to test atomicity); a batch with fewer
   * bets fails just before it would commit.
   */
  failAfterWrites?: number
}

interface MemoryState {
  events: Set<string>
  bets: Map<string, Bet>
  betsBySeq: Bet[]
  /** Register signature -> trial id of the first bet it registered. */
  signatures: Map<string, string>
  /** Resolve signature -> trial id of the first bet it settled. */
  resolveSignatures: Map<string, string>
  orphans: Map<string, TrialResolvedEvent>
  players: Map<string, Player>
  casino: { bets: number, wins: number, losses: number, wagered: bigint, payout: bigint, pending: number }
  hourly: Map<number, Totals>
  playerHourly: Map<string, Totals & { wallet: string, hour: number }>
  jackpots: Jackpot[]
  cursor: IndexerCursor | null
  chat: (ChatMessage & { deletedAt: number | null })[]
  systemEvents: SystemEvent[]
  nonces: Map<string, number>
  lastSeq: number
}

/**
 * The reference `CasinoStore`: everything in memory, nothing survives the process.
 * Good for tests and for trying a casino; the contract suite holds every adapter to what it does.
 */
export function memoryStore(options: MemoryStoreOptions = {}): CasinoStore & { failNextBatch(afterWrites: number): void } {
  let state = emptyState()
  let failAfter = options.failAfterWrites
  let chatSeq = 0

  const clone = (s: MemoryState): MemoryState => structuredClone(s)

  return {
    name: 'memory',
    recordsIgnoredEvents: true,
    async migrate() {},
    async close() {},
    async ping() {},

    failNextBatch(afterWrites: number) {
      failAfter = afterWrites
    },

    async applyBatch(batch: Batch): Promise<BatchResult> {
      const keys = batchKeys(batch)
      const plan = planBatch(batch, {
        appliedEventIds: new Set(keys.eventIds.filter(id => state.events.has(id))),
        bets: new Map(keys.trialIds.flatMap(id => (state.bets.has(id) ? [[id, state.bets.get(id)!] as const] : []))),
        orphans: new Map(keys.trialIds.flatMap(id => (state.orphans.has(id) ? [[id, state.orphans.get(id)!] as const] : []))),
        players: new Set(keys.wallets.filter(w => state.players.has(w))),
        lastSeq: state.lastSeq,
      })
      // Copy-on-write makes the batch atomic: the new state replaces the old only when all of it is written.
      const next = clone(state)
      const armed = failAfter !== undefined
      const fail = () => {
        failAfter = undefined
        throw new CasinoError('STORE_ERROR', 'injected failure')
      }
      writePlan(next, plan, () => {
        if (failAfter !== undefined && failAfter-- <= 0) fail()
      })
      // The hook is one-shot: a batch with fewer writes than asked still fails, before the commit.
      if (armed) fail()
      state = next
      return plan.result
    },

    async getCursor() {
      return state.cursor ? { ...state.cursor } : null
    },

    async getBet(idOrSignature) {
      const id = state.bets.has(idOrSignature)
        ? idOrSignature
        : state.signatures.get(idOrSignature) ?? state.resolveSignatures.get(idOrSignature)
      const bet = id ? state.bets.get(id) : undefined
      return bet ? { ...bet } : null
    },

    async listBets(query: BetQuery): Promise<BetPage> {
      const before = query.cursor ? decodeBetCursor(query.cursor) : Number.POSITIVE_INFINITY
      const bets: Bet[] = []
      for (let i = state.betsBySeq.length - 1; i >= 0 && bets.length <= query.limit; i--) {
        const bet = state.betsBySeq[i]!
        if (bet.seq >= before) continue
        if (query.player !== undefined && bet.player !== query.player) continue
        if (query.game !== undefined && bet.game !== query.game) continue
        if (query.status !== undefined && bet.status !== query.status) continue
        if (query.won !== undefined && bet.won !== query.won) continue
        bets.push({ ...bet })
      }
      const more = bets.length > query.limit
      if (more) bets.pop()
      return { bets, nextCursor: more ? encodeBetCursor(bets[bets.length - 1]!.seq) : null }
    },

    async playerBetHistory(wallet, page) {
      const all = state.betsBySeq.filter(b => b.player === wallet).reverse()
      return { bets: all.slice(page.offset, page.offset + page.limit).map(b => ({ ...b })), total: all.length }
    },

    async getPlayer(wallet) {
      const player = state.players.get(wallet)
      return player ? structuredClone(player) : null
    },

    async getPlayerByUsername(username) {
      const lower = username.toLowerCase()
      for (const player of state.players.values()) {
        if (player.username?.toLowerCase() === lower) return structuredClone(player)
      }
      return null
    },

    async ensurePlayer(wallet, now) {
      const existing = state.players.get(wallet)
      if (existing) {
        existing.lastSeenAt = Math.max(existing.lastSeenAt, now)
        return { player: structuredClone(existing), created: false }
      }
      const player: Player = {
        wallet, username: null, createdAt: now, lastSeenAt: now, totalBets: 0, totalWins: 0, totalLosses: 0,
        totalWagered: 0n, totalPayout: 0n, games: {},
      }
      state.players.set(wallet, player)
      return { player: structuredClone(player), created: true }
    },

    async setUsername(wallet, username) {
      const player = state.players.get(wallet)
      if (!player) throw new CasinoError('NOT_FOUND', 'player not found')
      if (username !== null) {
        const lower = username.toLowerCase()
        for (const other of state.players.values()) {
          if (other !== player && other.username?.toLowerCase() === lower) {
            throw new CasinoError('USERNAME_TAKEN', 'username is taken')
          }
        }
      }
      player.username = username
      return structuredClone(player)
    },

    async leaderboard(query: LeaderboardQuery): Promise<LeaderboardEntry[]> {
      const start = windowStartHour(query.period, query.now)
      const end = hourOf(Math.floor(query.now / 1000))
      const rows = new Map<string, Totals>()
      if (start === null) {
        for (const p of state.players.values()) {
          if (p.totalBets > 0) rows.set(p.wallet, { bets: p.totalBets, wins: p.totalWins, wagered: p.totalWagered, payout: p.totalPayout })
        }
      }
      else {
        for (const bucket of state.playerHourly.values()) {
          // A window ends at `now`: later buckets (a clock behind the chain, a query about the past) stay out.
          if (bucket.hour < start || bucket.hour > end) continue
          const row = rows.get(bucket.wallet) ?? { bets: 0, wins: 0, wagered: 0n, payout: 0n }
          row.bets += bucket.bets
          row.wins += bucket.wins
          row.wagered += bucket.wagered
          row.payout += bucket.payout
          rows.set(bucket.wallet, row)
        }
      }
      return rankLeaderboard(rows, query, wallet => state.players.get(wallet)?.username ?? null)
    },

    async stats(now: number): Promise<CasinoStats> {
      const start = windowStartHour('24h', now)!
      const end = hourOf(Math.floor(now / 1000))
      const last24h: Totals = { bets: 0, wins: 0, wagered: 0n, payout: 0n }
      for (const [hour, t] of state.hourly) {
        if (hour < start || hour > end) continue
        last24h.bets += t.bets
        last24h.wins += t.wins
        last24h.wagered += t.wagered
        last24h.payout += t.payout
      }
      const c = state.casino
      return {
        totalBets: c.bets, totalWins: c.wins, totalWagered: c.wagered, totalPayout: c.payout,
        totalPlayers: state.players.size, pendingBets: c.pending, last24h,
      }
    },

    async listJackpots(limit) {
      // slice(-0) would be the whole list.
      return (limit > 0 ? state.jackpots.slice(-limit) : []).reverse().map(j => ({ ...j }))
    },

    async addChatMessage(input) {
      const message = {
        id: String(++chatSeq),
        wallet: input.wallet,
        username: state.players.get(input.wallet)?.username ?? null,
        message: input.message,
        createdAt: input.createdAt,
        deletedAt: null,
      }
      state.chat.push(message)
      const { deletedAt: _, ...visible } = message
      return visible
    },

    async listChat(query) {
      // Ids are decimal; anything else (`Infinity`, `0x10`, `1e1`) names no message, so nothing is before it,
      // as in every other store.
      if (query.before !== undefined && !isChatPosition(query.before)) return []
      const before = query.before === undefined ? Number.POSITIVE_INFINITY : Number(query.before)
      const out: ChatMessage[] = []
      for (let i = state.chat.length - 1; i >= 0 && out.length < query.limit; i--) {
        const m = state.chat[i]!
        if (m.deletedAt !== null || !(Number(m.id) < before)) continue
        const { deletedAt: _, ...visible } = m
        // The author's name now, not when posting (see ChatMessage.username).
        out.push({ ...visible, username: state.players.get(m.wallet)?.username ?? null })
      }
      return out
    },

    async deleteChatMessage(id, deletedAt) {
      if (!isChatMessageId(id)) return false
      const message = state.chat.find(m => m.id === id)
      if (!message || message.deletedAt !== null) return false
      message.deletedAt = deletedAt
      return true
    },

    async recordSystemEvent(event) {
      state.systemEvents.push(structuredClone({ ...event, id: state.systemEvents.length + 1 }))
    },

    async listSystemEvents(query) {
      return structuredClone((query.limit > 0 ? state.systemEvents.slice(-query.limit) : []).reverse())
    },

    async useNonce(nonce, expiresAt) {
      const now = Date.now()
      for (const [n, exp] of state.nonces) if (exp < now) state.nonces.delete(n)
      if (state.nonces.has(nonce)) return false
      state.nonces.set(nonce, expiresAt)
      return true
    },

    async isNonceUsed(nonce) {
      const expiresAt = state.nonces.get(nonce)
      return expiresAt !== undefined && expiresAt >= Date.now()
    },
  }
}

function emptyState(): MemoryState {
  return {
    events: new Set(),
    bets: new Map(),
    betsBySeq: [],
    signatures: new Map(),
    resolveSignatures: new Map(),
    orphans: new Map(),
    players: new Map(),
    casino: { bets: 0, wins: 0, losses: 0, wagered: 0n, payout: 0n, pending: 0 },
    hourly: new Map(),
    playerHourly: new Map(),
    jackpots: [],
    cursor: null,
    chat: [],
    systemEvents: [],
    nonces: new Map(),
    lastSeq: 0,
  }
}

function writePlan(s: MemoryState, plan: BatchPlan, beforeBetWrite: () => void): void {
  for (const e of plan.events) s.events.add(e.id)
  for (const p of plan.createPlayers) s.players.set(p.wallet, { ...p })
  for (const bet of [...plan.insertBets, ...plan.updateBets]) {
    beforeBetWrite()
    const isNew = !s.bets.has(bet.id)
    s.bets.set(bet.id, bet)
    if (isNew) {
      s.betsBySeq.push(bet)
      s.lastSeq = Math.max(s.lastSeq, bet.seq)
    }
    else {
      // Seqs are dense from 1 and pushed in order, so a bet's position is its seq - 1.
      const i = s.betsBySeq[bet.seq - 1]?.id === bet.id ? bet.seq - 1 : s.betsBySeq.findIndex(b => b.id === bet.id)
      s.betsBySeq[i] = bet
    }
    // One transaction may register or resolve several trials: a signature finds the one of them with the
    // lowest seq (the bets it settled may come new and old in one batch, inserted before updated here).
    if (!s.signatures.has(bet.registerSignature)) s.signatures.set(bet.registerSignature, bet.id)
    if (bet.resolveSignature) {
      const found = s.resolveSignatures.get(bet.resolveSignature)
      if (found === undefined || s.bets.get(found)!.seq > bet.seq) s.resolveSignatures.set(bet.resolveSignature, bet.id)
    }
  }
  // Removed before added: a trial in both has its kept resolve replaced (see BatchPlan.removeOrphans).
  for (const id of plan.removeOrphans) s.orphans.delete(id)
  for (const o of plan.addOrphans) s.orphans.set(o.trialId, o)
  for (const [wallet, delta] of plan.players) s.players.set(wallet, withDelta(s.players.get(wallet)!, delta))
  s.casino.bets += plan.casino.bets
  s.casino.wins += plan.casino.wins
  s.casino.losses += plan.casino.losses
  s.casino.wagered += plan.casino.wagered
  s.casino.payout += plan.casino.payout
  s.casino.pending += plan.casino.pending
  for (const [hour, t] of plan.hourly) s.hourly.set(hour, addTotals(s.hourly.get(hour), t))
  for (const [key, t] of plan.playerHourly) s.playerHourly.set(key, { ...addTotals(s.playerHourly.get(key), t), wallet: t.wallet, hour: t.hour })
  s.jackpots.push(...plan.jackpots)
  // The cursor only moves forward: a deposed leader's late batch must not move it back.
  if (plan.cursor && (!s.cursor || plan.cursor.slot >= s.cursor.slot)) s.cursor = { ...plan.cursor, published: s.cursor?.published ?? null }
  const published = plan.published
  if (published && s.cursor && (!s.cursor.published || published.slot >= s.cursor.published.slot)) s.cursor.published = published
  if (plan.report) s.systemEvents.push(structuredClone({ ...plan.report, id: s.systemEvents.length + 1 }))
}

function addTotals(a: Totals | undefined, b: Totals): Totals {
  return { bets: (a?.bets ?? 0) + b.bets, wins: (a?.wins ?? 0) + b.wins, wagered: (a?.wagered ?? 0n) + b.wagered, payout: (a?.payout ?? 0n) + b.payout }
}
