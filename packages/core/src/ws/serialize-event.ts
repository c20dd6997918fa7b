import type { CasinoEventMap, CasinoEventType } from '../events'

/**
 * JSON replacer for event payloads: money is `bigint` inside the casino and a decimal string on the wire.
 * Every entity field that is a bigint (wager, payout, totals, amounts) goes through here.
 */
export function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}

/**
 * Serialises an event ONCE into the head of its wire frame: everything but the offset, which the history
 * assigns afterwards (`head + offset + '}'` is the frame). Keeping the offset outside the expensive
 * `JSON.stringify` lets a shared history (Redis) assign it atomically without re-serialising.
 *
 * The frame is `{ type, data, timestamp, offset }`, the shape FarePlay clients already parse.
 */
export function toEventHead<T extends CasinoEventType>(type: T, data: CasinoEventMap[T], timestamp: number): string {
  return `{"type":${JSON.stringify(type)},"data":${JSON.stringify(data, bigintReplacer)},"timestamp":${timestamp},"offset":`
}

/** Completes a head from {@link toEventHead} with its offset. */
export function toEventFrame(head: string, offset: number): string {
  return `${head}${offset}}`
}
