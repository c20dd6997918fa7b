import { connect, createServer, type Socket } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import postgres from 'postgres'
import { postgresLeader } from '@fare-casino/adapters/postgres'
import { postgresAvailable, postgresUrl, uniqueName } from './_services'

const up = await postgresAvailable()

const waitFor = async (check: () => boolean | Promise<boolean>, timeoutMs = 5000) => {
  const until = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time')
    await new Promise(r => setTimeout(r, 20))
  }
}

/**
 * A TCP proxy to Postgres that can go silent: `silence()` closes every upstream socket (the server ends
 * those sessions and frees their locks) and keeps the client sockets open, forwarding nothing more, as a
 * partition or a database host that failed over does to a client. `hold()` keeps the server's answers
 * back until `resume()` (a slow network; the sessions live on).
 */
async function silentProxy(target: URL) {
  const pairs: [client: Socket, upstream: Socket][] = []
  let silent = false
  let held: [Socket, Buffer][] | null = null
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname)
    pairs.push([client, upstream])
    client.on('data', d => silent || upstream.write(d))
    upstream.on('data', d => silent || (held ? held.push([client, d]) : client.write(d)))
    client.on('error', () => {})
    upstream.on('error', () => {})
    upstream.on('close', () => silent || client.destroy())
    client.on('close', () => upstream.destroy())
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const url = new URL(target)
  url.hostname = '127.0.0.1'
  url.port = String((server.address() as { port: number }).port)
  return {
    url: url.toString(),
    silence() {
      silent = true
      for (const [, upstream] of pairs) upstream.destroy()
    },
    hold() {
      held ??= []
    },
    resume() {
      for (const [client, data] of held ?? []) client.write(data)
      held = null
    },
    async close() {
      for (const [client, upstream] of pairs) {
        client.destroy()
        upstream.destroy()
      }
      await new Promise(resolve => server.close(resolve))
    },
  }
}

describe.skipIf(!up)('postgresLeader', () => {
  const admin = postgres(postgresUrl, { max: 2, onnotice: () => {} })
  const schema = uniqueName('fare_test')
  afterAll(async () => {
    await admin`DROP SCHEMA IF EXISTS ${admin(schema)} CASCADE`
    await admin.end({ timeout: 5 })
  })

  it('lets exactly one of two contenders lead, and the other take over after release', async () => {
    await admin`CREATE SCHEMA IF NOT EXISTS ${admin(schema)}`
    const name = uniqueName('lock')
    const a = postgresLeader({ url: postgresUrl, name, schema })
    const b = postgresLeader({ url: postgresUrl, name, schema })
    try {
      const won = await Promise.all([a.acquire(), b.acquire()])
      expect(won.filter(Boolean)).toHaveLength(1)
      const [leader, other] = won[0] ? [a, b] : [b, a]
      expect(await leader.acquire()).toBe(true)
      expect(await other.acquire()).toBe(false)
      const first = leader.fencingToken!
      await leader.release()
      expect(leader.isLeader).toBe(false)
      expect(await other.acquire()).toBe(true)
      expect(other.fencingToken!).toBeGreaterThan(first)
    }
    finally {
      await a.close()
      await b.close()
    }
  })

  it('lets the lock go when it wins it but cannot take a fencing token, so that another contender can lead', async () => {
    await admin`CREATE SCHEMA IF NOT EXISTS ${admin(schema)}`
    const name = uniqueName('lock')
    // No such schema: the fence sequence cannot be created, nextval fails after the lock was won.
    const broken = postgresLeader({ url: postgresUrl, name, schema: uniqueName('fare_missing') })
    const other = postgresLeader({ url: postgresUrl, name, schema })
    try {
      await expect(broken.acquire()).rejects.toThrow()
      await expect(broken.acquire()).rejects.toThrow()
      expect(broken.isLeader).toBe(false)
      expect(await other.acquire()).toBe(true)
      expect(other.isLeader).toBe(true)
    }
    finally {
      await broken.close()
      await other.close()
    }
  })

  /** Two contenders for one lock, `a` reaching Postgres through a proxy that can go silent or hold answers back. */
  const contendersBehindProxy = async (checkEveryMs: number) => {
    await admin`CREATE SCHEMA IF NOT EXISTS ${admin(schema)}`
    const name = uniqueName('lock')
    const proxy = await silentProxy(new URL(postgresUrl))
    const a = postgresLeader({ url: proxy.url, name, schema, checkEveryMs })
    const b = postgresLeader({ url: postgresUrl, name, schema })
    let lost = 0
    a.onLost(() => lost++)
    const close = async () => {
      await a.close().catch(() => {})
      await b.close()
      await proxy.close()
    }
    return { proxy, a, b, lost: () => lost, close }
  }

  it('gives up leading when its lock connection goes silent, before another instance takes the freed lock, and closes promptly', async () => {
    // Its checks never fail: they never answer. Before, the old leader kept leading (and committing) while
    // the server had freed the lock to another instance, and close() hung on the unlock.
    const { proxy, a, b, lost, close } = await contendersBehindProxy(100)
    try {
      expect(await a.acquire()).toBe(true)
      expect(await b.acquire()).toBe(false)
      const silencedAt = performance.now()
      proxy.silence()
      await waitFor(() => lost() === 1, 2000)
      // Within two check periods of the last answer, and no longer a leader by any account.
      expect(performance.now() - silencedAt).toBeLessThan(1000)
      expect([a.isLeader, a.fencingToken]).toEqual([false, null])
      await waitFor(() => b.acquire())
      expect(b.isLeader).toBe(true)
      // Campaigning again on the silent connection is lost, not waited on: a closing casino waits for it.
      const campaign = performance.now()
      expect(await a.acquire().catch(() => false)).toBe(false)
      expect(performance.now() - campaign).toBeLessThan(2000)
      const closing = performance.now()
      await a.close()
      expect(performance.now() - closing).toBeLessThan(7000)
    }
    finally {
      await close()
    }
  }, 20_000)

  it('leads again on a session that kept the lock after a late check, and lets it go for good at release', async () => {
    // Session advisory locks nest: taking it a second time on the same session made the next release
    // leave it held, so that no other instance could ever lead while this process lived.
    const { proxy, a, b, lost, close } = await contendersBehindProxy(50)
    try {
      expect(await a.acquire()).toBe(true)
      proxy.hold()
      await waitFor(() => lost() === 1, 2000)
      proxy.resume()
      // The session never ended: nobody else can have the lock, and `a` may lead again.
      expect(await b.acquire()).toBe(false)
      expect(await a.acquire()).toBe(true)
      await a.release()
      expect(await b.acquire()).toBe(true)
    }
    finally {
      await close()
    }
  }, 20_000)

  it('frees the lock when the leader\'s connection dies, and tells the old leader it lost', async () => {
    await admin`CREATE SCHEMA IF NOT EXISTS ${admin(schema)}`
    const name = uniqueName('lock')
    const a = postgresLeader({ url: postgresUrl, name, schema, checkEveryMs: 50 })
    const b = postgresLeader({ url: postgresUrl, name, schema })
    let lost = 0
    a.onLost(() => lost++)
    try {
      expect(await a.acquire()).toBe(true)
      expect(await b.acquire()).toBe(false)
      // Kill the leader's session, as a crashed process or a network cut would.
      await admin`SELECT pg_terminate_backend(pid) FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND objsubid = 1
          AND classid = ((hashtextextended(${name}, 0) >> 32) & 4294967295)::oid
          AND objid = (hashtextextended(${name}, 0) & 4294967295)::oid`
      await waitFor(() => b.acquire())
      await waitFor(() => lost === 1)
      expect(a.isLeader).toBe(false)
      expect(b.isLeader).toBe(true)
    }
    finally {
      await a.close().catch(() => {})
      await b.close()
    }
  })
})
