import { encodeBetCursor } from '../store/cursor'
import { jackpotOf } from '../store/plan'
import type { BatchResult, Bet, ChainEvent, CasinoStore, Jackpot, Player } from '../store/types'

/**
 * `result` with what `events`, committed by an earlier attempt, changed, read back from the store, so
 * that it is published after all (events the result already reports are not read).
 *
 * A commit whose reply is lost (a connection that drops after COMMIT, a writer thread that dies after
 * writing) is written, but its result never arrives: the indexer sends the group again, and the store,
 * which applies every event once, answers "already applied" and reports nothing. Without this the
 * store stays exact but the live feed never hears of those bets. The pipeline calls it only for a
 * group that may have been written by an attempt it never heard back from; that attempt published
 * nothing (publishing follows a reply), so what is read here is published once.
 *
 * Bets are read in their state now, which a later group may already have settled (published then as
 * created settled, as a bet registered and resolved in one group is). A register that met a resolve
 * committed before it (a resolve seen first) settled its bet in the lost attempt: that bet is published
 * settled too, as the attempt's own result would have said; `committedBefore(signature)` tells such a
 * resolve from one of this group or a later one (which publishes it itself).
 *
 * A player whose first bet (by seq) is among the bets read back joined with that lost write, most
 * likely: it is announced (`player.joined`) before them. The store cannot tell which write created a
 * player row, so one that signed in before its first bet is announced a second time (at-least-once,
 * as the bets are; a client keys players by wallet).
 */
export async function replayedResult(
  store: CasinoStore,
  events: readonly ChainEvent[],
  result: BatchResult,
  committedBefore: (signature: string) => boolean,
): Promise<BatchResult> {
  const reported = new Set(result.placed.map(b => b.id))
  const reportedSettled = new Set(result.settled.map(b => b.id))
  const reportedJackpots = new Set(result.jackpots.map(j => j.id))
  const placed: Bet[] = []
  const settled: Bet[] = []
  const jackpots: Jackpot[] = []
  let signatures: Set<string> | undefined
  const inRange = (signature: string): boolean => (signatures ??= new Set(events.map(e => e.signature))).has(signature)
  for (const event of events) {
    if (event.kind === 'trialRegistered' && !reported.has(event.trialId)) {
      const bet = await store.getBet(event.trialId)
      // Registered under this very event: another register of the same trial (first one wins) is no bet.
      if (bet && bet.registerSignature === event.signature) {
        reported.add(bet.id)
        placed.push(bet)
        if (bet.status === 'settled' && bet.resolveSignature !== null && !reportedSettled.has(bet.id) && committedBefore(bet.resolveSignature)) {
          reportedSettled.add(bet.id)
          settled.push(bet)
        }
      }
    }
    else if (event.kind === 'trialResolved' && !reportedSettled.has(event.trialId)) {
      const bet = await store.getBet(event.trialId)
      // A resolve seen first settles its bet when the register comes: a register of a later group
      // publishes the bet (placed, then settled) itself.
      if (bet?.status === 'settled' && bet.resolveSignature === event.signature && (committedBefore(bet.registerSignature) || inRange(bet.registerSignature))) {
        reportedSettled.add(bet.id)
        settled.push(bet)
      }
    }
    else if (event.kind === 'jackpotReleased' && !reportedJackpots.has(event.id)) {
      reportedJackpots.add(event.id)
      jackpots.push(jackpotOf(event))
    }
  }
  const joined = await joinedWith(store, placed, result)
  // The earlier attempt's changes came first in chain order.
  return {
    ...result,
    joined: [...joined, ...result.joined],
    placed: [...placed, ...result.placed],
    settled: [...settled, ...result.settled],
    jackpots: [...jackpots, ...result.jackpots],
  }
}

/**
 * The players whose first bet is among `placed` (read back), not already announced by `result`: those
 * with no bet older (by seq) than their oldest one here. Bets committed meanwhile have higher seqs, so
 * the answer holds while later groups are written. The player is read as it is now (its totals may
 * include later groups, unlike a `joined` of the group's own result).
 */
async function joinedWith(store: CasinoStore, placed: readonly Bet[], result: BatchResult): Promise<Player[]> {
  const announced = new Set(result.joined.map(p => p.wallet))
  const oldest = new Map<string, number>()
  for (const bet of placed) {
    if (announced.has(bet.player)) continue
    const seq = oldest.get(bet.player)
    if (seq === undefined || bet.seq < seq) oldest.set(bet.player, bet.seq)
  }
  const joined: Player[] = []
  for (const [wallet, seq] of oldest) {
    const older = await store.listBets({ player: wallet, cursor: encodeBetCursor(seq), limit: 1 })
    if (older.bets.length > 0) continue
    const player = await store.getPlayer(wallet)
    if (player) joined.push(player)
  }
  return joined
}
