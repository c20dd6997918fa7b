import type { ResolvedCasinoConfig } from './config'
import type { GameDefinition } from './games/registry'
import type {
  Bet, CasinoStats, ChatMessage, GameTotals, Jackpot, LeaderboardEntry, Player, SystemEvent, Totals,
} from './store/types'

/**
 * The JSON shapes of the REST API (and of live events). Every response goes through these so that
 * money is always a decimal string of base units and times keep their units: `*At` fields are unix
 * ms, `blockTime` fields unix seconds as Solana gives them. A few FarePlay names are kept as aliases
 * (`signature`, `gameType`, `amount`, `walletAddress`) so its frontends keep working.
 */

/** A bet as the API returns it. */
export function toBetJSON(bet: Bet) {
  return {
    id: bet.id,
    player: bet.player,
    pool: bet.pool,
    mint: bet.mint,
    game: bet.game,
    extraDataHash: bet.extraDataHash,
    wager: bet.wager.toString(),
    qk: bet.qk,
    fees: bet.fees.map(fee => ({ type: fee.type, amount: fee.amount.toString() })),
    poolAccumulatedAmount: bet.poolAccumulatedAmount === null ? null : bet.poolAccumulatedAmount.toString(),
    resultIndex: bet.resultIndex,
    payout: bet.payout === null ? null : bet.payout.toString(),
    multiplier: bet.multiplier,
    won: bet.won,
    status: bet.status,
    registerSignature: bet.registerSignature,
    registerSlot: bet.registerSlot,
    blockTime: bet.blockTime,
    resolveSignature: bet.resolveSignature,
    resolveSlot: bet.resolveSlot,
    settledBlockTime: bet.settledBlockTime,
    // FarePlay aliases
    signature: bet.registerSignature,
    slot: bet.registerSlot,
    gameType: bet.game,
    amount: bet.wager.toString(),
  }
}

/** The JSON of {@link toBetJSON}. */
export type BetJSON = ReturnType<typeof toBetJSON>

function toGameTotalsJSON(t: GameTotals) {
  return { bets: t.bets, wins: t.wins, losses: t.losses, wagered: t.wagered.toString(), payout: t.payout.toString() }
}

/** A player with totals, as the player themself and the public profile see it. */
export function toPlayerJSON(p: Player) {
  return {
    wallet: p.wallet,
    walletAddress: p.wallet,
    username: p.username,
    createdAt: p.createdAt,
    lastSeenAt: p.lastSeenAt,
    totalBets: p.totalBets,
    totalWins: p.totalWins,
    totalLosses: p.totalLosses,
    totalWagered: p.totalWagered.toString(),
    totalPayout: p.totalPayout.toString(),
    /** payout - wagered, base units. */
    profitLoss: (p.totalPayout - p.totalWagered).toString(),
    winRate: p.totalBets === 0 ? 0 : p.totalWins / p.totalBets,
    games: Object.fromEntries(Object.entries(p.games).map(([id, t]) => [id, toGameTotalsJSON(t)])),
  }
}

function toTotalsJSON(t: Totals) {
  return { bets: t.bets, wins: t.wins, wagered: t.wagered.toString(), payout: t.payout.toString() }
}

/** Casino statistics; `recentBets24h` and `lastUpdated` are FarePlay's names. */
export function toStatsJSON(s: CasinoStats, now: number) {
  return {
    totalBets: s.totalBets,
    totalWins: s.totalWins,
    totalWagered: s.totalWagered.toString(),
    totalPayout: s.totalPayout.toString(),
    totalPlayers: s.totalPlayers,
    pendingBets: s.pendingBets,
    last24h: toTotalsJSON(s.last24h),
    recentBets24h: s.last24h.bets,
    lastUpdated: now,
  }
}

/** One leaderboard row, with FarePlay's `player`, `total*` and `winRate` alongside. */
export function toLeaderboardEntryJSON(e: LeaderboardEntry) {
  return {
    rank: e.rank,
    wallet: e.wallet,
    player: e.wallet,
    username: e.username,
    bets: e.bets,
    wins: e.wins,
    wagered: e.wagered.toString(),
    payout: e.payout.toString(),
    profit: e.profit.toString(),
    totalBets: e.bets,
    totalWins: e.wins,
    totalWagered: e.wagered.toString(),
    totalPayout: e.payout.toString(),
    winRate: e.bets === 0 ? 0 : e.wins / e.bets,
  }
}

/** A chat message. */
export function toChatMessageJSON(m: ChatMessage) {
  return { id: m.id, wallet: m.wallet, walletAddress: m.wallet, username: m.username, message: m.message, createdAt: m.createdAt }
}

/** A jackpot release. */
export function toJackpotJSON(j: Jackpot) {
  return { ...j, amount: j.amount.toString() }
}

/** A system event (owner only). */
export function toSystemEventJSON(e: SystemEvent) {
  return { ...e }
}

/** A game of the registry. */
export function toGameJSON(g: GameDefinition) {
  return { id: g.id, name: g.name, description: g.description ?? null, extraDataHash: g.extraDataHash ?? null, qk: g.qk ?? null }
}

/** The public description of the casino. */
export function toCasinoJSON(c: ResolvedCasinoConfig) {
  return {
    name: c.name,
    slug: c.slug,
    ownerWallet: c.ownerWallet,
    network: c.network,
    programId: c.programId,
    games: c.games.map(toGameJSON),
  }
}
