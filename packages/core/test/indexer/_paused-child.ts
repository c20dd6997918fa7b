// A process that runs nothing but an indexer on a memory store, whose node answers its first request
// with HTTP 429 and `Retry-After: 1`: the rate-limit pause is then the only thing holding the event
// loop. It prints `ready` once the indexer caught up (after the pause), then stops it and exits.
import { createCasinoEvents } from '../../src/events'
import { createIndexer } from '../../src/indexer/indexer'
import { memoryStore } from '../../src/store/memory'

let requests = 0
const fakeNode = (async (_url: string, init: RequestInit) => {
  if (requests++ === 0) return new Response('{"jsonrpc":"2.0","error":{"code":429,"message":"Too many requests"},"id":null}', { status: 429, headers: { 'retry-after': '1' } })
  const request = JSON.parse(String(init.body)) as { id: number, method: string }
  const result = request.method === 'getSignaturesForAddress' ? [] : request.method === 'getSlot' ? 100 : null
  return new Response(JSON.stringify({ jsonrpc: '2.0', id: request.id, result }), { headers: { 'content-type': 'application/json' } })
}) as typeof fetch

const indexer = createIndexer({
  store: memoryStore(),
  events: createCasinoEvents(),
  logger: { debug() {}, info() {}, warn() {}, error() {} },
  config: { rpcUrl: 'http://node.invalid', ownerWallet: '11111111111111111111111111111111', start: 'now', subscribe: false, retryDelay: 100, decodeThread: false, fetch: fakeNode },
})
const started = Date.now()
await indexer.start()
await indexer.ready
console.log(`ready ${Date.now() - started} ${requests}`)
await indexer.stop()
