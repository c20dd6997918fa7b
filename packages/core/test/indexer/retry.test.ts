import { afterEach, describe, expect, it, vi } from 'vitest'
import { retryForever } from '../../src/indexer/retry'

afterEach(() => {
  vi.useRealTimers()
})

/** Runs `script` through retryForever ('ok' resolves, another letter throws it): what it logged and waited. */
async function run(script: string[], policy: { retries: number, counts?: (error: unknown) => boolean }) {
  vi.useFakeTimers()
  const log: string[] = []
  const waits: number[] = []
  let at = 0
  let last = Date.now()
  const done = retryForever(async () => {
    waits.push(Date.now() - last)
    const step = script[at++]!
    if (step === 'ok') return 'done'
    throw new Error(step)
  }, {
    retries: policy.retries,
    retryDelay: 10,
    slowRetryDelay: 1000,
    shouldContinue: () => true,
    ...(policy.counts ? { counts: policy.counts } : {}),
    onError: (error, attempt) => {
      last = Date.now()
      log.push(`${(error as Error).message}@${attempt}`)
    },
    onExhausted: error => log.push(`exhausted by ${(error as Error).message}`),
  })
  await vi.runAllTimersAsync()
  expect(await done).toBe('done')
  return { log, waits: waits.slice(1) }
}

describe('retryForever', () => {
  it('doubles from retryDelay, reports once the fast attempts are spent, then waits slowRetryDelay', async () => {
    const { log, waits } = await run(['f', 'f', 'f', 'f', 'ok'], { retries: 3 })
    expect(log).toEqual(['f@1', 'f@2', 'f@3', 'exhausted by f', 'f@4'])
    expect(waits).toEqual([10, 20, 1000, 1000])
  })

  it('spends no attempt on a failure that does not count: doubling on its own, never reported', async () => {
    // d: an answer that came damaged (fetched again, bounded by the caller); f: a failing node.
    const counts = (error: unknown) => (error as Error).message !== 'd'
    const { log, waits } = await run(['d', 'f', 'd', 'f', 'f', 'ok'], { retries: 2, counts })
    expect(log).toEqual(['d@1', 'f@2', 'd@3', 'f@4', 'exhausted by f', 'f@5'])
    expect(waits).toEqual([10, 10, 20, 1000, 1000])

    const damagedOnly = await run(['d', 'd', 'd', 'ok'], { retries: 1, counts })
    expect(damagedOnly.log).toEqual(['d@1', 'd@2', 'd@3'])
    expect(damagedOnly.waits).toEqual([10, 20, 40])
  })
})
