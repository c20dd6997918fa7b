/**
 * Serialized answers of each landed transaction, computed once: a landed transaction never changes, so
 * its getTransaction result (per encoding) and its getSignaturesForAddress entry (per confirmation
 * status) are the same text every time. Serializing with sorted keys cost more than anything else a
 * request did, and it ran on the event loop that also lands bets and pushes notifications.
 */
import type { TxRecord } from '../chain/types'
import { encodeTransaction, type TxEncoding } from './encode-tx'
import { RawJson, toJson } from './json'

interface Cached {
  tx: Map<string, RawJson>
  confirmed?: RawJson
  finalized?: RawJson
}

const cache = new WeakMap<TxRecord, Cached>()

function entryOf(rec: TxRecord): Cached {
  let c = cache.get(rec)
  if (!c) cache.set(rec, (c = { tx: new Map() }))
  return c
}

/** getTransaction's result for `rec`, serialized once per encoding and version flag. */
export function transactionJson(rec: TxRecord, encoding: TxEncoding, withVersion: boolean): RawJson {
  const c = entryOf(rec)
  const key = `${encoding}:${withVersion}`
  let raw = c.tx.get(key)
  if (!raw) c.tx.set(key, (raw = new RawJson(toJson(encodeTransaction(rec, encoding, withVersion), true))))
  return raw
}

/** The getSignaturesForAddress entry of `rec` (keys already in byte order), once per status. */
export function signatureInfoJson(rec: TxRecord, finalized: boolean): RawJson {
  const c = entryOf(rec)
  const status = finalized ? 'finalized' : 'confirmed'
  let raw = c[status]
  if (!raw) {
    raw = new RawJson(`{"blockTime":${rec.blockTime},"confirmationStatus":"${status}","err":${toJson(rec.meta.err, true)},"memo":null,`
      + `"signature":${JSON.stringify(rec.signature)},"slot":${rec.slot},"transactionIndex":${rec.transactionIndex}}`)
    c[status] = raw
  }
  return raw
}
