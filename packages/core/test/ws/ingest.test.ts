/**
 * This process's view of the shared stream when the history moves to a new epoch: every event of the
 * new epoch delivered once and in order (the first one this process sees may not be offset 1), the change
 * announced before them, and a late message of the epoch it left ignored.
 */
import { describe, expect, it } from 'vitest'
import type { Fanout } from '../../src/ws/fanout'
import { createIngest } from '../../src/ws/ingest'
import { memoryHistory } from '../../src/ws/memory-history'
import type { RoutedEvent } from '../../src/ws/route'

const quiet = { debug() {}, info() {}, warn() {}, error() {} } as never

/** A fan-out that records what it is asked to deliver. */
function recordingFanout() {
  const delivered: string[] = []
  const fanout = { peers: new Map(), deliver: (event: RoutedEvent) => delivered.push(JSON.parse(event.frame).data.message) } as unknown as Fanout
  return { fanout, delivered }
}

/** Appends a chat event to the history and returns the PubSub message that carries it. */
async function appended(history: ReturnType<typeof memoryHistory>, message: string): Promise<string> {
  const entry = await history.append(`{"type":"chat.message","data":{"id":"1","wallet":"w","message":"${message}"},"timestamp":1,"offset":`, Date.now())
  return `${entry.epoch} ${entry.frame}`
}

const settle = () => new Promise(resolve => setTimeout(resolve, 10))

/** An ingest over `history`, recording what it delivers and the epoch changes it announces. */
async function started(history: ReturnType<typeof memoryHistory>) {
  const { fanout, delivered } = recordingFanout()
  const changes: [string, number][] = []
  const ingest = createIngest({ history, fanout, logger: quiet, onEpochChange: (epoch, offset) => changes.push([epoch, offset]) })
  await ingest.init()
  return { ingest, delivered, changes }
}

describe('ingest across a new epoch', () => {
  it('announces the change, then delivers the new epoch from its first event, filling what it missed', async () => {
    const history = memoryHistory()
    const { ingest, delivered, changes } = await started(history)
    ingest.handle(await appended(history, 'a1'))
    const old = ingest.epoch
    const late = await appended(history, 'a2')

    const epoch = await history.reset!()
    // b1 and b2 never reached this process (a dropped PubSub message): b3 is the first it sees.
    await appended(history, 'b1')
    await appended(history, 'b2')
    ingest.handle(await appended(history, 'b3'))
    await settle()
    expect(changes).toEqual([[epoch, 0]])
    expect(delivered).toEqual(['a1', 'b1', 'b2', 'b3'])
    expect(ingest.epoch).toBe(epoch)

    // A late message of the epoch it left is not a change back.
    ingest.handle(late)
    ingest.handle(await appended(history, 'b4'))
    await settle()
    expect(changes).toEqual([[epoch, 0]])
    expect(delivered).toEqual(['a1', 'b1', 'b2', 'b3', 'b4'])
    expect(ingest.epoch).not.toBe(old)
  })

  it('follows the history\'s current epoch when messages of two resets arrive out of order', async () => {
    const history = memoryHistory()
    const { ingest, delivered, changes } = await started(history)
    ingest.handle(await appended(history, 'a1'))
    // Two publishers reset the history one after the other; the first one's message arrives last.
    await history.reset!()
    const stale = await appended(history, 'b1')
    const current = await history.reset!()
    ingest.handle(await appended(history, 'c1'))
    await settle()
    ingest.handle(stale)
    ingest.handle(await appended(history, 'c2'))
    await settle()
    expect(ingest.epoch).toBe(current)
    expect(changes).toEqual([[current, 0]])
    expect(delivered).toEqual(['a1', 'c1', 'c2'])
  })

  it('ignores a late message of an epoch older than the one it started in', async () => {
    const history = memoryHistory()
    const late = await appended(history, 'old')
    const current = await history.reset!()
    const { ingest, delivered, changes } = await started(history)
    ingest.handle(late)
    ingest.handle(await appended(history, 'new'))
    await settle()
    expect(ingest.epoch).toBe(current)
    expect(changes).toEqual([])
    expect(delivered).toEqual(['new'])
  })
})
