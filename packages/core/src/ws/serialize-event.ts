import type { CasinoEventMap, CasinoEventType } from '../events'
import { toBetJSON, toChatMessageJSON, toJackpotJSON, toPlayerJSON, toStatsJSON } from '../serialize'

/**
 * JSON replacer for event payloads: money is `bigint` inside the casino and a decimal string on the wire.
 * Every entity field that is a bigint (wager, payout, totals, amounts) goes through here.
 */
export function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}

/**
 * The `data` of an event frame: the same JSON shapes as the REST API (money as decimal strings, FarePlay
 * aliases), so a client can merge live events with what it fetched.
 */
export function toEventData<T extends CasinoEventType>(type: T, payload: CasinoEventMap[T], timestamp: number): unknown {
  const p = payload as CasinoEventMap[CasinoEventType]
  switch (type) {
    case 'bet.placed':
    case 'bet.settled':
      return toBetJSON(p as CasinoEventMap['bet.settled'])
    case 'jackpot.won':
      return toJackpotJSON(p as CasinoEventMap['jackpot.won'])
    case 'player.joined':
      return toPlayerJSON(p as CasinoEventMap['player.joined'])
    case 'stats.updated': {
      const stats = p as CasinoEventMap['stats.updated']
      return { ...toStatsJSON(stats, timestamp), onlinePlayers: stats.onlinePlayers ?? null }
    }
    case 'chat.message':
      return toChatMessageJSON(p as CasinoEventMap['chat.message'])
    case 'chat.deleted': {
      const deletion = p as CasinoEventMap['chat.deleted']
      return { id: deletion.id, deletedAt: deletion.deletedAt }
    }
    default:
      return p
  }
}

/**
 * Serialises an event ONCE into the head of its wire frame: everything but the offset, which the history
 * assigns afterwards (`head + offset + '}'` is the frame). Keeping the offset outside the expensive
 * `JSON.stringify` lets a shared history (Redis) assign it atomically without re-serialising.
 *
 * The frame is `{ type, data, timestamp, offset }`, the shape FarePlay clients already parse.
 */
export function toEventHead<T extends CasinoEventType>(type: T, data: CasinoEventMap[T], timestamp: number): string {
  return `{"type":${JSON.stringify(type)},"data":${JSON.stringify(toEventData(type, data, timestamp), bigintReplacer)},"timestamp":${timestamp},"offset":`
}

/** Completes a head from {@link toEventHead} with its offset. */
export function toEventFrame(head: string, offset: number): string {
  return `${head}${offset}}`
}
