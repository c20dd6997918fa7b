import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import PQueue from 'p-queue'
import { describe, expect, it } from 'vitest'
import { createThrottle } from '../../src/indexer/throttle'
import { RpcError } from '../../src/solana/rpc-errors'

const tooMany = (retryAfterMs: number | null = null) =>
  new RpcError('getTransaction', 'http', 'getTransaction: HTTP 429', { code: 429, retryable: true, retryAfterMs })
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/** A throttle over a real p-queue of concurrency 16, recording the pauses it starts. */
function paced(baseMs = 20, maxMs = 400) {
  const queue = new PQueue({ concurrency: 16 })
  const pauses: number[] = []
  const throttle = createThrottle({ queue, concurrency: 16, baseMs, maxMs, onPause: ms => pauses.push(ms) })
  return { queue, pauses, throttle }
}

describe('the rate-limit throttle', () => {
  it('pauses the queue, then lets one request probe before giving back full concurrency', async () => {
    const { queue, pauses, throttle } = paced()
    const sent = throttle.stamp()
    throttle.observe(sent, tooMany())
    expect(queue.isPaused).toBe(true)
    expect(queue.concurrency).toBe(1)
    expect(throttle.pausedUntil).toBeGreaterThan(Date.now())
    await sleep(40)
    expect(queue.isPaused).toBe(false)
    expect(throttle.pausedUntil).toBeNull()
    throttle.observe(throttle.stamp())
    expect(queue.concurrency).toBe(16)
    expect(pauses).toEqual([20])
  })

  it('ignores the answers of requests sent before the latest pause', async () => {
    const { queue, pauses, throttle } = paced()
    const early = throttle.stamp()
    throttle.observe(early, tooMany())
    // A request sent before the pause answers during it, then another after it: neither says how
    // the node is now, so neither resets the doubling nor ends the probe.
    throttle.observe(early)
    await sleep(40)
    throttle.observe(early)
    expect(queue.concurrency).toBe(1)
    const probe = throttle.stamp()
    throttle.observe(probe, tooMany())
    await sleep(60)
    throttle.observe(early)
    throttle.observe(probe)
    expect(queue.concurrency).toBe(1)
    throttle.observe(throttle.stamp(), tooMany())
    expect(pauses).toEqual([20, 40, 80])
    throttle.close()
  })

  it('starts no new pause for a late 429 of a request sent before a pause that is over', async () => {
    const { queue, pauses, throttle } = paced()
    const early = throttle.stamp()
    throttle.observe(early, tooMany())
    await sleep(40)
    const probe = throttle.stamp()
    // The old request's refusal arrives after the pause, while the probe is out: the same refusal.
    throttle.observe(early, tooMany())
    expect(throttle.pausedUntil).toBeNull()
    expect(queue.isPaused).toBe(false)
    throttle.observe(probe)
    expect(queue.concurrency).toBe(16)
    expect(pauses).toEqual([20])
  })

  it('keeps the process alive while paused, when nothing else holds it', () => {
    // Before, the pause's timer did not hold the event loop: the child exited (code 13, its top-level
    // await unsettled) about 100 ms in, in the middle of the pause, without the indexer ever starting.
    const runner = fileURLToPath(new URL('../../../../scripts/run-ts.mjs', import.meta.url))
    const child = fileURLToPath(new URL('./_paused-child.ts', import.meta.url))
    const out = execFileSync(process.execPath, [runner, child], { encoding: 'utf8', timeout: 20_000 })
    const [word, ms, requests] = out.trim().split(' ')
    expect(word).toBe('ready')
    expect(Number(ms)).toBeGreaterThanOrEqual(1000)
    expect(Number(requests)).toBeGreaterThanOrEqual(2)
  }, 30_000)

  it('counts the 429s of one burst as one step, paused for the longest they ask', () => {
    const { pauses, throttle } = paced()
    const sent = throttle.stamp()
    for (let i = 0; i < 16; i++) throttle.observe(sent, tooMany())
    expect(pauses).toEqual([20])
    const before = throttle.pausedUntil!
    throttle.observe(sent, tooMany(5000))
    expect(throttle.pausedUntil).toBeGreaterThanOrEqual(before + 4000)
    expect(pauses).toEqual([20])
    throttle.close()
  })

  it('pauses at least retryDelay for a Retry-After of 0 or of a past date, and at most a minute', () => {
    const { throttle } = paced(50)
    const start = Date.now()
    throttle.observe(throttle.stamp(), tooMany(0))
    expect(throttle.pausedUntil! - start).toBeGreaterThanOrEqual(50)
    throttle.close()
    const long = paced(50)
    long.throttle.observe(long.throttle.stamp(), tooMany(3_600_000))
    expect(long.throttle.pausedUntil! - Date.now()).toBeLessThanOrEqual(60_000)
    long.throttle.close()
    // Nor with a retryDelay above a minute.
    const slow = paced(120_000, 120_000)
    slow.throttle.observe(slow.throttle.stamp(), tooMany(0))
    expect(slow.throttle.pausedUntil! - Date.now()).toBeLessThanOrEqual(60_000)
    slow.throttle.close()
  })

  it('does nothing once closed: a 429 of a request still in flight after stop() starts no pause', () => {
    const { queue, pauses, throttle } = paced()
    const sent = throttle.stamp()
    throttle.close()
    throttle.observe(sent, tooMany(30_000))
    expect(throttle.pausedUntil).toBeNull()
    expect(queue.isPaused).toBe(false)
    expect(queue.concurrency).toBe(16)
    expect(pauses).toEqual([])
  })

  it('pays no attention to timeouts and other HTTP errors', () => {
    const { queue, throttle } = paced()
    throttle.observe(throttle.stamp(), new RpcError('getSlot', 'timeout', 'getSlot timed out', { retryable: true }))
    throttle.observe(throttle.stamp(), new RpcError('getSlot', 'http', 'getSlot: HTTP 503', { code: 503, retryable: true }))
    expect(throttle.pausedUntil).toBeNull()
    expect(queue.concurrency).toBe(16)
  })
})
