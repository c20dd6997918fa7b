import { postgresStore } from '@fare-casino/adapters/postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresAvailable, postgresUrl, redisAvailable, uniqueName } from '../../../adapters/test/_services'
import type { CasinoServer } from '../../src/casino'
import { createWallet, type TestWallet } from '../http/_harness'
import { sharedKvInstances } from './_shared-kv'

// Two instances of one casino behind a load balancer: one Postgres store (single-use nonces) and one
// Redis-backed unstorage kv (issued messages, revocations, rate limits), as docs/deployment.md describes.
const up = (await postgresAvailable()) && (await redisAvailable())

describe.skipIf(!up)('sign-in across two instances (Postgres store, Redis kv)', () => {
  const schema = uniqueName('fare_nonce')
  const instances = sharedKvInstances(uniqueName('fare_nonce_kv'), () => ({ store: postgresStore({ url: postgresUrl, schema, max: 2 }), realtime: false }))
  let a: CasinoServer
  let b: CasinoServer

  beforeAll(async () => {
    a = await instances.start()
    b = await instances.start()
  })

  afterAll(async () => {
    const sql = (instances.casinos[0]?.store as { sql?: { unsafe(query: string): Promise<unknown> } } | undefined)?.sql
    await sql?.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await instances.close()
  })

  const issue = async (server: CasinoServer, wallet: TestWallet) => {
    const res = await fetch(`${server.url}/api/auth/message?walletAddress=${wallet.address}`)
    expect(res.status).toBe(200)
    const { message } = await res.json() as { message: string }
    return JSON.stringify({ walletAddress: wallet.address, message, signature: wallet.sign(message) })
  }
  const signin = (server: CasinoServer, body: string) =>
    fetch(`${server.url}/api/auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })

  it('accepts a message issued by A at B once, and refuses it again at A and at B', async () => {
    const wallet = createWallet()
    const body = await issue(a, wallet)
    const first = await signin(b, body)
    expect(first.status).toBe(200)
    const { token } = await first.json() as { token: string }
    // Same secret and kv: A accepts B's token.
    const verify = await fetch(`${a.url}/api/auth/verify`, { headers: { authorization: `Bearer ${token}` } })
    expect(await verify.json()).toMatchObject({ valid: true, user: { walletAddress: wallet.address } })

    for (const server of [a, b]) {
      const again = await signin(server, body)
      expect(again.status).toBe(401)
      expect(await again.json()).toMatchObject({ error: { code: 'NONCE_USED' } })
    }
  })

  it('lets exactly one of two simultaneous uses of one nonce at A and at B through', async () => {
    const wallet = createWallet()
    const body = await issue(a, wallet)
    const answers = await Promise.all([signin(a, body), signin(b, body), signin(a, body), signin(b, body)])
    expect(answers.map(r => r.status).sort()).toEqual([200, 401, 401, 401])
  })

  it('a token logged out at B is refused at A', async () => {
    const wallet = createWallet()
    const { token } = await (await signin(a, await issue(b, wallet))).json() as { token: string }
    const auth = { authorization: `Bearer ${token}` }
    expect((await fetch(`${a.url}/api/auth/verify`, { headers: auth })).status).toBe(200)
    expect((await fetch(`${b.url}/api/auth/logout`, { method: 'POST', headers: auth })).status).toBeLessThan(300)
    const after = await fetch(`${a.url}/api/auth/verify`, { headers: auth })
    expect(await after.json()).toMatchObject({ valid: false })
  })
})
