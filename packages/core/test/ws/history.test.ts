import { afterAll, describe, expect, it } from 'vitest'
import type { HistoryStore } from '../../src/ws/history'
import { memoryHistory } from '../../src/ws/memory-history'
import { redisHistory } from '../../src/ws/redis-history'
import { toEventHead } from '../../src/ws/serialize-event'
import { makeBet } from './_harness'
import { redisClient } from './_redis'

const redis = redisClient()
const prefixes: string[] = []
afterAll(async () => {
  for (const prefix of prefixes) await redis.del(`${prefix}epoch`, `${prefix}offset`, `${prefix}history`, `${prefix}appended`)
  await redis.quit()
})

// One suite for every HistoryStore: what recovery promises must not depend on where the history lives.
const stores: [string, (bounds: { size: number, maxAge: number }) => HistoryStore][] = [
  ['memory', bounds => memoryHistory(bounds)],
  ['redis', (bounds) => {
    const prefix = `fare:test:history:${process.pid}:${prefixes.length}:${Date.now()}:`
    prefixes.push(prefix)
    return redisHistory({ client: redis, prefix, ...bounds })
  }],
]

const head = (id: string) => toEventHead('bet.placed', makeBet({ id }), Date.now())

describe.each(stores)('%s history', (_name, create) => {
  it('assigns consecutive offsets and replays exactly what follows a position', async () => {
    const history = create({ size: 100, maxAge: 60_000 })
    const start = await history.head()
    expect(start.offset).toBe(0)
    const appended = []
    for (let i = 1; i <= 5; i++) appended.push(await history.append(head(`h${i}`), Date.now()))
    expect(appended.map(e => e.offset)).toEqual([1, 2, 3, 4, 5])
    expect(appended.every(e => e.epoch === start.epoch)).toBe(true)
    const frame = JSON.parse(appended[2]!.frame)
    expect(frame).toMatchObject({ type: 'bet.placed', offset: 3, data: { id: 'h3', wager: makeBet().wager.toString() } })
    const after2 = await history.since(start.epoch, 2, Date.now())
    expect(after2?.map(e => [e.offset, JSON.parse(e.frame).data.id])).toEqual([[3, 'h3'], [4, 'h4'], [5, 'h5']])
    expect(await history.since(start.epoch, 5, Date.now())).toEqual([])
    expect(await history.since(start.epoch, 6, Date.now())).toBeNull()
    expect(await history.since('another-epoch', 2, Date.now())).toBeNull()
    expect(await history.head()).toEqual({ epoch: start.epoch, offset: 5 })
  })

  it('reset starts a new epoch with no frames and offsets from 1', async () => {
    const history = create({ size: 100, maxAge: 60_000 })
    const before = await history.head()
    for (let i = 1; i <= 3; i++) await history.append(head(`r${i}`), Date.now())
    const epoch = await history.reset!()
    expect(epoch).not.toBe(before.epoch)
    expect(await history.head()).toEqual({ epoch, offset: 0 })
    expect(await history.since(before.epoch, 1, Date.now())).toBeNull()
    const next = await history.append(head('r4'), Date.now())
    expect([next.epoch, next.offset]).toEqual([epoch, 1])
    expect((await history.since(epoch, 0, Date.now()))?.map(e => JSON.parse(e.frame).data.id)).toEqual(['r4'])
  })

  it('stores an append sent again with the same id once: its reply was lost, not the event', async () => {
    const history = create({ size: 3, maxAge: 60_000 })
    const { epoch } = await history.head()
    // The publisher sends the same head again, serialised once when the event was emitted.
    const i1 = head('i1')
    const first = await history.append(i1, Date.now(), 'p:1')
    const again = await history.append(i1, Date.now(), 'p:1')
    expect(again).toEqual(first)
    const second = await history.append(head('i2'), Date.now(), 'p:2')
    expect(second.offset).toBe(first.offset + 1)
    // Sent again after another event: still the first one's entry.
    expect(await history.append(i1, Date.now(), 'p:1')).toEqual(first)
    // Without an id nothing is remembered: two appends, two events.
    await history.append(head('i3'), Date.now())
    await history.append(head('i3'), Date.now())
    expect((await history.since(epoch, 1, Date.now()))?.map(e => [e.offset, JSON.parse(e.frame).data.id])).toEqual([[2, 'i2'], [3, 'i3'], [4, 'i3']])
    // A new epoch forgets the ids with the frames: the event belongs to the new lifetime.
    const next = await history.reset!()
    expect(await history.append(head('i1'), Date.now(), 'p:1')).toMatchObject({ epoch: next, offset: 1 })
  })

  it('is not covered once the size bound dropped what follows the position', async () => {
    const history = create({ size: 3, maxAge: 60_000 })
    const { epoch } = await history.head()
    for (let i = 1; i <= 6; i++) await history.append(head(`s${i}`), Date.now())
    expect(await history.since(epoch, 2, Date.now())).toBeNull()
    expect((await history.since(epoch, 3, Date.now()))?.map(e => e.offset)).toEqual([4, 5, 6])
  })

  it('is not covered once the age bound dropped it', async () => {
    const history = create({ size: 100, maxAge: 100 })
    const { epoch } = await history.head()
    await history.append(head('old'), Date.now())
    await new Promise(resolve => setTimeout(resolve, 250))
    await history.append(head('new'), Date.now())
    expect(await history.since(epoch, 0, Date.now())).toBeNull()
    expect((await history.since(epoch, 1, Date.now()))?.map(e => e.offset)).toEqual([2])
  })
})
