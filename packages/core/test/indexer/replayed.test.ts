import { describe, expect, it } from 'vitest'
import { replayedResult } from '../../src/indexer/replayed'
import { memoryStore } from '../../src/store/memory'
import type { BatchResult, CasinoStore } from '../../src/store/types'
import { makeBatch, makeRegister } from '../../src/testing/fixtures'
import { newKey } from './fake-chain'

const nothing: BatchResult = { applied: 0, duplicates: 0, placed: [], settled: [], jackpots: [], joined: [] }

describe('replayedResult', () => {
  it('announces the players whose first bet the lost write placed, even while later groups commit', async () => {
    const inner = memoryStore()
    const [veteran, newcomer] = [newKey(), newKey()]
    await inner.applyBatch(makeBatch([makeRegister({ player: veteran })]))
    // The lost write: the veteran's second bet, the newcomer's first two.
    const lost = [makeRegister({ player: veteran }), makeRegister({ player: newcomer }), makeRegister({ player: newcomer })]
    await inner.applyBatch(makeBatch(lost))
    // A group sent ahead commits more of the newcomer's bets while the lost write is read back: right
    // after the first read of the newcomer's bets, whichever way it is read.
    let later = false
    const commitLater = async <T>(wallet: string | undefined, read: Promise<T>): Promise<T> => {
      const out = await read
      if (!later && wallet === newcomer) {
        later = true
        await inner.applyBatch(makeBatch([makeRegister({ player: newcomer }), makeRegister({ player: newcomer })]))
      }
      return out
    }
    const store: CasinoStore = {
      ...inner,
      listBets: query => commitLater(query.player, inner.listBets(query)),
      playerBetHistory: (wallet, page) => commitLater(wallet, inner.playerBetHistory(wallet, page)),
    }
    const out = await replayedResult(store, lost, { ...nothing, duplicates: lost.length }, () => false)
    expect(out.placed.map(b => b.id)).toEqual(lost.map(e => e.trialId))
    expect(out.joined.map(p => p.wallet)).toEqual([newcomer])
  })
})
