import { afterEach, describe, expect, it } from 'vitest'
import { type WebSocket, WebSocketServer } from 'ws'
import { createCasinoEvents } from '../../src/events'
import { createIndexer } from '../../src/indexer/indexer'
import type { RpcClient } from '../../src/solana/rpc'
import { memoryStore } from '../../src/store/memory'
import { buildChain } from './bet-chain'
import { betEvents, newKey } from './fake-chain'
import { waitFor } from './helpers'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A logsSubscribe endpoint that confirms every subscription; `notify` sends a notification to each socket. */
async function notifyingNode() {
  const sockets = new Set<WebSocket>()
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await new Promise(resolve => server.once('listening', resolve))
  server.on('connection', (socket: WebSocket) => {
    sockets.add(socket)
    socket.on('message', data => socket.send(JSON.stringify({ jsonrpc: '2.0', id: (JSON.parse(String(data)) as { id: number }).id, result: 7 })))
  })
  cleanups.push(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.terminate()
    server.close(() => resolve())
  }))
  return {
    url: `ws://127.0.0.1:${(server.address() as { port: number }).port}`,
    notify(signature: string, slot: number) {
      for (const s of sockets) {
        s.send(JSON.stringify({ jsonrpc: '2.0', method: 'logsNotification', params: { subscription: 7, result: { context: { slot }, value: { signature, err: null, logs: [] } } } }))
      }
    },
  }
}

describe('a notified transaction fetched before a fork moved it', () => {
  it('is fetched again from the listed block, so that its bet has the listed slot and time', async () => {
    // The fetch a notification started answered for the old block; the listing names the new one. Taken as
    // it was, the bet kept the old slot and block time while the cursor moved to the new slot.
    const { chain, owner, genesis } = buildChain(6, 2, 9)
    const node = await notifyingNode()
    const base = chain.rpc()
    let notified: string | undefined
    let moved: (() => void) | undefined
    const movedOnce = new Promise<void>((resolve) => {
      moved = resolve
    })
    /** The fork: the notified transaction now sits five slots later (the end of the chain). */
    const fork = () => {
      const tx = chain.txs.find(t => t.info.signature === notified)!
      tx.info.slot += 5
      tx.json.slot += 5
      tx.info.blockTime = tx.json.blockTime = tx.json.blockTime! + 5
      moved?.()
      moved = undefined
    }
    const rpc: RpcClient = {
      ...base,
      async getTransaction(signature) {
        const tx = await base.getTransaction(signature)
        if (signature === notified && moved) fork()
        return tx
      },
      async getSignaturesForAddress(address, options) {
        // The listing that follows the notification comes after the fetch it started.
        if (notified && moved) await movedOnce
        return base.getSignaturesForAddress(address, options)
      },
    }
    const store = memoryStore()
    const indexer = createIndexer({
      store, events: createCasinoEvents(), logger: quiet, rpc,
      config: {
        rpcUrl: 'http://127.0.0.1:1', wsUrl: node.url, ownerWallet: owner, games: [{ id: 'coinflip', extraDataHash: 'coinflip-v1' }],
        start: { signature: genesis }, subscribe: true, pollInterval: 60_000, retryDelay: 1, rpcRateLimit: 100_000,
      },
    })
    cleanups.push(() => indexer.stop())
    await indexer.start()
    await indexer.ready
    await waitFor(() => indexer.status().subscribed, 5000, 'the subscription')

    const host = { pool: newKey(), mint: newKey(), hostToken: newKey(), hostOwner: owner }
    const trial = newKey()
    chain.nextSlot()
    notified = chain.add({ instructions: [{ ...host, kind: 'register', trial, events: [betEvents({ trial, pool: host.pool, player: newKey(), wager: 5n }).register] }] })
    const landed = chain.txs.at(-1)!.info.slot
    node.notify(notified, landed)
    await waitFor(async () => (await store.getBet(trial)) !== null, 5000, 'the bet')
    const bet = (await store.getBet(trial))!
    expect([bet.registerSlot, bet.blockTime]).toEqual([landed + 5, 1_700_000_000 + landed + 5])
    expect((await store.getCursor())?.slot).toBe(landed + 5)
  })
})
