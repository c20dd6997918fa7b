import { describe, expect, it } from 'vitest'
import { listSignatures, listSignaturesInChunks, toChainOrder, UNCONFIRMED_END_PAUSES } from '../../src/indexer/discover'
import type { RpcClient, SignatureInfo } from '../../src/solana/rpc'
import { isRetryableRpcCode, RpcError } from '../../src/solana/rpc-errors'
import { createFakeChain, seeded } from './fake-chain'

/** A chain of `n` program transactions (one every slot). */
function chainOf(n: number) {
  const chain = createFakeChain()
  const first = chain.add({ instructions: [] })
  for (let i = 0; i < n; i++) {
    chain.nextSlot()
    chain.add({ instructions: [] })
  }
  return { chain, first }
}

const direct = (rpc: RpcClient) => <T>(fn: (rpc: RpcClient) => Promise<T>): Promise<T> => fn(rpc)

describe('listSignaturesInChunks', () => {
  it('hands over a long backlog oldest chunk first, every signature once, never more than a chunk at a time', async () => {
    const { chain, first } = chainOf(2_345)
    // Short pages: a page shorter than asked for never ends a listing early.
    const rpc = chain.rpc({ shortPages: 97, random: seeded(3) })
    const all = await listSignatures(direct(rpc), chain.programId, { until: first })
    expect(all).toHaveLength(2_345)

    const chunks: SignatureInfo[][] = []
    await listSignaturesInChunks(direct(rpc), chain.programId, { until: first }, 500, (chunk) => {
      chunks.push(chunk)
    })
    expect(chunks.map(c => c.length)).toEqual([345, 500, 500, 500, 500])
    // Oldest chunk first, each newest first: reversed chunk by chunk, the whole backlog in chain order.
    expect(chunks.flatMap(c => [...c].reverse()).map(i => i.signature)).toEqual([...all].reverse().map(i => i.signature))
  })

  // Kept from the first walk, or listed again chunk by chunk (a backlog longer than it keeps).
  it.each([100_000, 0])('picks up what arrives while it hands chunks over, and waits for each chunk to be taken (keeping %i)', async (keep) => {
    const { chain, first } = chainOf(1_200)
    const rpc = chain.rpc()
    const seen: string[] = []
    let added = 0
    await listSignaturesInChunks(direct(rpc), chain.programId, { until: first }, 400, async (chunk) => {
      seen.push(...[...chunk].reverse().map(i => i.signature))
      // New transactions while the backfill is on its way: the newest chunk takes them in.
      if (added++ < 2) {
        chain.nextSlot()
        chain.add({ instructions: [] })
      }
      await new Promise(resolve => setTimeout(resolve, 1))
    }, { keep })
    const all = await listSignatures(direct(rpc), chain.programId, { until: first })
    expect(all).toHaveLength(1_202)
    expect(seen).toEqual([...all].reverse().map(i => i.signature))
  })

  it('hands a backlog that fits in a chunk over from the first walk, without listing it again', async () => {
    const { chain, first } = chainOf(1_500)
    const rpc = chain.rpc()
    const chunks: number[] = []
    await listSignaturesInChunks(direct(rpc), chain.programId, { until: first }, 10_000, (chunk) => {
      chunks.push(chunk.length)
    })
    expect(chunks).toEqual([1_500])
    // Two full-ish pages, the empty one, and the node showing it knows the signature the empty one was
    // asked before (the signature older than it): only then is the end an end.
    expect(rpc.calls).toBe(4)
  })

  it('hands a backlog it can keep over from the first walk, and lists one longer than that again chunk by chunk, the same chunks either way', async () => {
    const { chain, first } = chainOf(2_345)
    const listed = async (keep: number) => {
      const rpc = chain.rpc({ shortPages: 97, random: seeded(5) })
      const chunks: string[][] = []
      await listSignaturesInChunks(direct(rpc), chain.programId, { until: first }, 500, (chunk) => {
        chunks.push(chunk.map(i => i.signature))
      }, { keep })
      return { chunks, calls: rpc.calls }
    }
    const once = await listed(10_000)
    const again = await listed(1_000)
    expect(once.chunks.map(c => c.length)).toEqual([345, 500, 500, 500, 500])
    expect(again.chunks).toEqual(once.chunks)
    // Kept: one walk and one page for what arrived meanwhile; not kept (1,000 or nothing), the newer chunks again.
    expect(once.calls).toBeLessThan(again.calls)
    expect((await listed(0)).calls).toBe(again.calls)
  })

  it('stops at the slot of `until` when the node does not know it, instead of listing the whole history', async () => {
    const { chain } = chainOf(2_500)
    const node = chain.rpc()
    const all = await listSignatures(direct(node), chain.programId, {})
    const known = all[1_200]! // newest first: 1,200 newer than it
    // A node that has not seen `known` yet lists past it, as a real one does with an unknown `until`.
    const behind = { ...node, getSignaturesForAddress: (address: string, page?: { before?: string, until?: string, limit?: number }) =>
      node.getSignaturesForAddress(address, { ...page, until: undefined }) }
    const chunks: SignatureInfo[][] = []
    await listSignaturesInChunks(direct(behind), chain.programId, { until: 'unknown-to-the-node', untilSlot: known.slot }, 500, (chunk) => {
      chunks.push(chunk)
    })
    expect(chunks.flat().map(i => i.signature).sort()).toEqual(all.slice(0, 1_201).map(i => i.signature).sort())
    expect(await listSignatures(direct(behind), chain.programId, { untilSlot: known.slot + 1 })).toEqual(all.slice(0, 1_200))
  })

  it.each([100_000, 0])('hands nothing over twice when the node after the first walk is behind it (keep %i)', async (keep) => {
    const { chain } = chainOf(2_500)
    const node = chain.rpc()
    const all = await listSignatures(direct(node), chain.programId, {})
    const from = all[2_000]! // 2,000 newer than it
    // After the first chunk the calls go to a node that has not seen the newest 300 (a load balancer):
    // it lists past a signature it does not know, and has nothing before one.
    const reached = all[300]!.slot
    const knows = (signature?: string) => signature === undefined || all.some(i => i.signature === signature && i.slot <= reached)
    let switched = false
    const balanced = { ...node, async getSignaturesForAddress(address: string, page: { before?: string, until?: string, limit?: number } = {}) {
      if (!switched) return node.getSignaturesForAddress(address, page)
      if (!knows(page.before)) return []
      const listed = await node.getSignaturesForAddress(address, { ...page, until: knows(page.until) ? page.until : undefined })
      return listed.filter(i => i.slot <= reached)
    } }
    const handed: string[] = []
    await listSignaturesInChunks(direct(balanced), chain.programId, { until: from.signature, untilSlot: from.slot }, 500, (chunk) => {
      switched = true
      handed.push(...chunk.map(i => i.signature))
    }, { keep })
    expect(handed.length).toBe(new Set(handed).size)
    expect(handed.length).toBeGreaterThanOrEqual(1_700)
  })

  // A load balancer whose calls alternate between a node at the head, which pages short, and one 300
  // transactions behind. Behind, a node answers `[]` before a signature it does not know, which must not
  // end a walk: after the first short page, the rest of the backlog would be skipped and the cursor moved
  // past it. Asked for `minContextSlot`, it answers -32016 instead, as Agave does, and the call is retried.
  describe('with a node behind the one that listed the page before', () => {
    function balanced() {
      const { chain, first } = chainOf(2_000)
      const head = chain.rpc({ shortPages: 97 })
      const slots = new Map<string, number>()
      let calls = 0
      const client = {
        ...head,
        async getSignaturesForAddress(address: string, page: Parameters<RpcClient['getSignaturesForAddress']>[1] = {}) {
          if (slots.size === 0) for (const info of await listSignatures(direct(chain.rpc()), address, {})) slots.set(info.signature, info.slot)
          if (calls++ % 2 === 0) return head.getSignaturesForAddress(address, page)
          const reached = [...slots.values()].sort((a, b) => b - a)[300]!
          if (page.minContextSlot !== undefined && page.minContextSlot > reached) {
            throw new RpcError('getSignaturesForAddress', 'jsonrpc', 'Minimum context slot has not been reached', { code: -32016, retryable: isRetryableRpcCode(-32016) })
          }
          if (page.before !== undefined && !(slots.get(page.before)! <= reached)) return []
          return (await head.getSignaturesForAddress(address, page)).filter(i => i.slot <= reached)
        },
      }
      // The indexer's queue retries what is retryable; so does this.
      const retrying = <T>(fn: (rpc: RpcClient) => Promise<T>): Promise<T> => fn(client).catch((error: RpcError) => {
        if (!error.retryable) throw error
        return retrying(fn)
      })
      return { chain, first, retrying }
    }

    it('lists every signature down to `until`', async () => {
      const { chain, first, retrying } = balanced()
      const listed = await listSignatures(retrying, chain.programId, { until: first })
      expect(listed.map(i => i.signature)).toEqual((await listSignatures(direct(chain.rpc()), chain.programId, { until: first })).map(i => i.signature))
      expect(listed).toHaveLength(2_000)
    })

    it.each([100_000, 0])('hands every signature over once, in chain order (keeping %i)', async (keep) => {
      const { chain, first, retrying } = balanced()
      const handed: string[] = []
      await listSignaturesInChunks(retrying, chain.programId, { until: first }, 500, (chunk) => {
        handed.push(...[...chunk].reverse().map(i => i.signature))
      }, { keep })
      const all = await listSignatures(direct(chain.rpc()), chain.programId, { until: first })
      expect(handed).toEqual([...all].reverse().map(i => i.signature))
    })
  })

  it('keeps the transactions of the slot of `until` that a node which does not know it lists', async () => {
    const chain = createFakeChain()
    chain.add({ instructions: [] })
    chain.nextSlot()
    const same = [chain.add({ instructions: [] }), chain.add({ instructions: [] }), chain.add({ instructions: [] })]
    chain.nextSlot()
    const newer = chain.add({ instructions: [] })
    const node = chain.rpc()
    const all = await listSignatures(direct(node), chain.programId, {})
    const slot = all.find(i => i.signature === same[1])!.slot
    const ignoring = { ...node, getSignaturesForAddress: (address: string, page?: { before?: string, until?: string, limit?: number }) =>
      node.getSignaturesForAddress(address, { ...page, until: undefined }) }
    const listed = await listSignatures(direct(ignoring), chain.programId, { until: 'not-known-here', untilSlot: slot })
    expect(listed.map(i => i.signature)).toEqual([newer, same[2], same[1], same[0]])
  })

})

describe('a walk ending on an empty page', () => {
  /**
   * A node in front of `chain` that answers `[]` for every page before `hidden` (a signature it does not
   * know: its transaction statuses trail its bank, or a fork dropped it) the first `times` times.
   */
  function notKnowing(chain: ReturnType<typeof createFakeChain>, hidden: () => string | undefined, times: number) {
    const node = chain.rpc()
    let refused = 0
    return {
      rpc: { ...node, async getSignaturesForAddress(address: string, page: { before?: string, until?: string, limit?: number } = {}) {
        if (page.before !== undefined && page.before === hidden() && refused < times) {
          refused++
          return []
        }
        return node.getSignaturesForAddress(address, page)
      } } as RpcClient,
      refused: () => refused,
    }
  }

  it('asks again when the node does not show it knows the signature the empty page was asked before', async () => {
    // Before, the empty page ended the walk: the 1,500 signatures between the first page and `until` were
    // never listed, and the cursor moved past their bets.
    const { chain, first } = chainOf(2_500)
    const all = await listSignatures(direct(chain.rpc()), chain.programId, { until: first })
    const node = notKnowing(chain, () => all[999]!.signature, 3)
    const unsure: unknown[] = []
    const listed = await listSignatures(direct(node.rpc), chain.programId, { until: first }, undefined, before => unsure.push(before))
    expect(listed.map(i => i.signature)).toEqual(all.map(i => i.signature))
    expect(node.refused()).toBe(3)
    expect(unsure).toEqual([])
  })

  it('takes the end only from an answer that shows nothing lies between, not from an empty page another node gave', async () => {
    // A load balancer: the page goes to a node whose statuses trail (it answers []), the question about
    // `before` to one that is up to date. Before (review of 95a7d1b), any answer to the question ended
    // the walk: 1,500 signatures were never listed, and nothing was recorded.
    const { chain, first } = chainOf(2_500)
    const all = await listSignatures(direct(chain.rpc()), chain.programId, { until: first })
    const node = chain.rpc()
    let stale = 1
    const balanced = { ...node, async getSignaturesForAddress(address: string, page: { before?: string, until?: string, limit?: number } = {}) {
      if (page.before === all[999]!.signature && page.until !== undefined && stale-- > 0) return []
      return node.getSignaturesForAddress(address, page)
    } } as RpcClient
    const unsure: unknown[] = []
    const listed = await listSignatures(direct(balanced), chain.programId, { until: first }, undefined, before => unsure.push(before))
    expect(listed.map(i => i.signature)).toEqual(all.map(i => i.signature))
    expect(unsure).toEqual([])
  })

  it('ends, and says so, when the node never shows it knows that signature', async () => {
    const { chain, first } = chainOf(1_500)
    const all = await listSignatures(direct(chain.rpc()), chain.programId, { until: first })
    const node = notKnowing(chain, () => all[999]!.signature, Number.POSITIVE_INFINITY)
    const unsure: unknown[] = []
    const handed: SignatureInfo[] = []
    await listSignaturesInChunks(direct(node.rpc), chain.programId, { until: first }, 500, (chunk) => {
      handed.push(...chunk)
    }, { onUnconfirmedEnd: before => unsure.push(before) })
    expect(handed.map(i => i.signature).sort()).toEqual(all.slice(0, 1_000).map(i => i.signature).sort())
    expect(unsure).toEqual([{ signature: all[999]!.signature, slot: all[999]!.slot }])
    // The page and the question were asked once and again after every pause.
    expect(node.refused()).toBe(2 * (UNCONFIRMED_END_PAUSES.length + 1))
  }, 15_000)

  it('asks again when the node answers no list at all, never taking it for the end', async () => {
    const { chain, first } = chainOf(10)
    const node = chain.rpc()
    let nulls = 2
    const proxy = { ...node, async getSignaturesForAddress(address: string, page?: { before?: string, until?: string, limit?: number }) {
      return nulls-- > 0 ? null as unknown as SignatureInfo[] : node.getSignaturesForAddress(address, page)
    } } as RpcClient
    await expect(listSignatures(direct(proxy), chain.programId, { until: first })).rejects.toMatchObject({ name: 'RpcError', kind: 'invalid-response', retryable: true })
    // Through a retrying call, as the indexer's: every signature.
    const retrying = <T>(fn: (rpc: RpcClient) => Promise<T>): Promise<T> => fn(proxy).catch(() => retrying(fn))
    expect(await listSignatures(retrying, chain.programId, { until: first })).toHaveLength(10)
  })
})

describe('toChainOrder', () => {
  const entry = (name: string, slot: number, transactionIndex?: number | null): SignatureInfo =>
    ({ signature: name, slot, err: null, blockTime: null, ...(transactionIndex === undefined ? {} : { transactionIndex }) }) as SignatureInfo
  const names = (list: SignatureInfo[]) => list.map(e => e.signature)

  /** Every order of `items`. */
  function* permutations<T>(items: T[]): Generator<T[]> {
    if (items.length <= 1) return yield items
    for (let i = 0; i < items.length; i++) {
      for (const rest of permutations([...items.slice(0, i), ...items.slice(i + 1)])) yield [items[i]!, ...rest]
    }
  }

  it('orders by slot, then by position in the block, whatever order the node listed them in', () => {
    const listed = [entry('c', 7, 2), entry('a', 5, 9), entry('d', 7, 0), entry('b', 7, 1)]
    expect(names(toChainOrder(listed))).toEqual(['a', 'd', 'b', 'c'])
  })

  it('keeps the reverse of the listing order within a slot without positions', () => {
    expect(names(toChainOrder([entry('z', 3), entry('y', 3), entry('x', 2), entry('w', 3)]))).toEqual(['x', 'w', 'y', 'z'])
  })

  it('in a slot listed with and without positions, sorts the positioned among their own places and leaves the rest where the listing has them', () => {
    // A slot listed partly by a node that gives positions and partly by one that does not (a load
    // balancer): every listing order gives one answer by that rule (a comparator that calls the
    // unpositioned equal to everything is not transitive, and its sort's answer depended on the order).
    const slot = [entry('p4', 9, 4), entry('u1', 9), entry('p1', 9, 1), entry('u2', 9), entry('p7', 9, 7), entry('p0', 9, 0), entry('u3', 9)]
    let orders = 0
    for (const listing of permutations(slot)) {
      const listed = [entry('late', 10, 0), ...listing, entry('early', 8)]
      const got = names(toChainOrder(listed))
      const reversed = names([...listing].reverse())
      const expected = [...reversed]
      const positioned = ['p0', 'p1', 'p4', 'p7']
      reversed.forEach((name, i) => {
        if (name.startsWith('p')) expected[i] = positioned.shift()!
      })
      expect(got).toEqual(['early', ...expected, 'late'])
      orders++
    }
    expect(orders).toBe(5040)
  })

  it('takes a position that is no whole number from 0 (null, -1, 1.5) for none', () => {
    const listed = [entry('b', 4, 1), entry('n', 4, null), entry('m', 4, -1), entry('f', 4, 1.5), entry('a', 4, 0)]
    // Reversed listing: a f m n b; the positioned (a, b) keep their places 0 and 4 in position order.
    expect(names(toChainOrder(listed))).toEqual(['a', 'f', 'm', 'n', 'b'])
  })
})
