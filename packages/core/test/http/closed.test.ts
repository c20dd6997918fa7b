import { describe, expect, it } from 'vitest'
import { errorCode, startCasino } from './_harness'

describe('a closed casino', () => {
  it('answers requests that still reach it (a server draining during shutdown) with 503, not 500', async () => {
    const t = await startCasino('app.fetch')
    expect((await t.request('/api/casino/info')).status).toBe(200)
    await t.casino.close()
    const res = await t.request('/api/casino/info')
    expect(res.status).toBe(503)
    expect(await errorCode(res)).toBe('NOT_READY')
    await t.close()
  })
})
