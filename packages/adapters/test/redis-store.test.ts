import { connect, createServer, type Socket } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { memoryStore } from '@fare-casino/core'
import { rankLeaderboard } from '@fare-casino/core/store'
import type { ChainEvent } from '@fare-casino/core/store'
import { generateWorkload, makeBatch, makeJackpot, makeRegister, makeResolve, randomWallet, snapshotStore } from '@fare-casino/core/testing'
import { redisStore } from '@fare-casino/adapters/redis'
import { deleteKeys, redisAvailable, redisUrl, uniqueName } from './_services'

const up = await redisAvailable()

describe.skipIf(!up)('redisStore beyond the contract', () => {
  const admin = new Redis(redisUrl)
  const prefixes: string[] = []
  const prefix = () => {
    const p = `${uniqueName('fare_test')}:`
    prefixes.push(p)
    return p
  }
  afterAll(async () => {
    for (const p of prefixes) await deleteKeys(admin, p)
    await admin.quit()
  })

  it('keeps totals exact when two instances (two connections) write the same batches concurrently', async () => {
    const p = prefix()
    const a = redisStore({ url: redisUrl, prefix: p })
    const b = redisStore({ url: redisUrl, prefix: p })
    try {
      const w = generateWorkload({ seed: 5, bets: 300, batchSize: 20 })
      // Both instances apply every batch; the script's version check makes the loser re-plan into a no-op.
      const results = await Promise.all([
        (async () => { let n = 0; for (const batch of w.batches) n += (await a.applyBatch(batch)).applied; return n })(),
        (async () => { let n = 0; for (const batch of w.batches) n += (await b.applyBatch(batch)).applied; return n })(),
      ])
      expect(results[0]! + results[1]!).toBe(w.events.length)
      const reference = memoryStore()
      for (const batch of w.batches) await reference.applyBatch(batch)
      expect(await snapshotStore(a, { wallets: w.wallets, now: w.now })).toEqual(await snapshotStore(reference, { wallets: w.wallets, now: w.now }))
    }
    finally {
      await a.close()
      await b.close()
    }
  })

  // Redis mostly runs one client's pipelined reads back to back anyway: this passed before they were
  // sent as a MULTI, which makes it a guarantee. It guards that guarantee.
  it('reads totals and bet counts of one commit while another instance commits', async () => {
    const p = prefix()
    const writer = redisStore({ url: redisUrl, prefix: p })
    const reader = redisStore({ url: redisUrl, prefix: p })
    try {
      const now = Date.now()
      const player = randomWallet()
      const blockTime = Math.floor(now / 1000) - 60
      let written = false
      const writes = (async () => {
        for (let i = 0; i < 300; i++) {
          const reg = makeRegister({ player, blockTime, slot: 1000 + i })
          await writer.applyBatch(makeBatch([reg, makeResolve(reg, { blockTime })], { now }))
        }
      })().finally(() => {
        written = true
      })
      const torn: string[] = []
      while (!written) {
        const [stats, history] = await Promise.all([reader.stats(now), reader.playerBetHistory(player, { limit: 1, offset: 0 })])
        if (stats.totalBets !== stats.last24h.bets) torn.push(`stats ${stats.totalBets} / ${stats.last24h.bets}`)
        // The newest bet of the page is the one the count ends on.
        if (history.total > 0 && history.bets[0]?.registerSlot !== 1000 + history.total - 1) torn.push(`history ${history.bets[0]?.registerSlot} / ${history.total}`)
      }
      await writes
      expect(torn).toEqual([])
    }
    finally {
      await writer.close()
      await reader.close()
    }
  })

  /** Applies `events` (400 a batch) to a Redis store and to the memory store, and compares every all-time leaderboard. */
  async function expectLeaderboardsLikeMemory(events: ChainEvent[], now: number, limits: number[]) {
    const store = redisStore({ url: redisUrl, prefix: prefix() })
    const reference = memoryStore()
    try {
      for (let i = 0; i < events.length; i += 400) {
        const batch = makeBatch(events.slice(i, i + 400), { now })
        await store.applyBatch(batch)
        await reference.applyBatch(batch)
      }
      for (const by of ['bets', 'wins', 'wagered', 'profit'] as const) {
        for (const limit of limits) {
          const query = { by, period: 'all' as const, limit, now }
          expect(await store.leaderboard(query), `${by} ${limit}`).toEqual(await reference.leaderboard(query))
        }
      }
    }
    finally {
      await store.close()
    }
  }

  it('ranks all-time leaderboards exactly when hundreds of players tie at the floor', async () => {
    const now = Date.now()
    const blockTime = Math.floor(now / 1000) - 60
    const events: ChainEvent[] = []
    // 700 wallets of one bet each, 600 of them of one same wager above all others (a tie on bets, on
    // wagered, on profit and on wins), and 40 wallets of several small bets.
    for (let i = 0; i < 740; i++) {
      const player = randomWallet()
      const bets = i < 700 ? 1 : 2 + (i % 3)
      for (let b = 0; b < bets; b++) {
        const wager = i < 600 ? 10_000n : i < 700 ? BigInt(1_000 + ((i * 7919) % 500)) : BigInt(100 + ((i * 31 + b) % 400))
        const reg = makeRegister({ player, wager, blockTime, slot: 1000 + events.length })
        events.push(reg, makeResolve(reg, { blockTime, resultIndex: (i + b) % 2 }))
      }
    }
    await expectLeaderboardsLikeMemory(events, now, [1, 10, 45, 100])
  })

  it('ranks a profit tie at or above 2^53 exactly, however the wagers of the tie compare', async () => {
    // Written straight into the store's keys: profits of one double (2^60 + up to 120) over distinct small
    // wagers, which batches could only make with multipliers near 10^15. The best profit has the smallest wager.
    const p = prefix()
    const store = redisStore({ url: redisUrl, prefix: p })
    try {
      const rows = new Map<string, { bets: number, wins: number, wagered: bigint, payout: bigint }>()
      const write = admin.multi()
      for (let i = 0; i < 300; i++) {
        const wallet = `W${String(i).padStart(5, '0')}`
        const wagered = i === 0 ? 999n : 1000n + BigInt(i)
        const profit = 2n ** 60n + (i === 0 ? 120n : BigInt(i % 100))
        rows.set(wallet, { bets: 1, wins: 1, wagered, payout: wagered + profit })
        write.hset(`${p}player:${wallet}`, { wallet, bets: '1', wins: '1', wagered: String(wagered), payout: String(wagered + profit) })
        write.zadd(`${p}lb:profit`, Number(profit), wallet).zadd(`${p}lb:wagered`, Number(wagered), wallet)
        write.zadd(`${p}lb:bets`, 1, wallet).zadd(`${p}lb:wins`, 1, wallet)
      }
      await write.exec()
      for (const by of ['profit', 'bets', 'wagered'] as const) {
        for (const limit of [1, 10]) {
          const expected = rankLeaderboard(rows, { by, limit }, () => null)
          expect(await store.leaderboard({ by, period: 'all', limit, now: Date.now() }), `${by} ${limit}`).toEqual(expected)
        }
      }
      expect((await store.leaderboard({ by: 'profit', period: 'all', limit: 1, now: Date.now() }))[0]!.wallet).toBe('W00000')
    }
    finally {
      await store.close()
    }
  })

  it('ranks a tie of hundreds exactly when the wagers differ below double precision', async () => {
    const now = Date.now()
    const blockTime = Math.floor(now / 1000) - 60
    const events: ChainEvent[] = []
    // 300 wallets of one bet each, wagers 2^60 + i: one double, 300 different amounts.
    for (let i = 0; i < 300; i++) {
      const reg = makeRegister({ player: randomWallet(), wager: 2n ** 60n + BigInt((i * 7919) % 300), blockTime, slot: 1000 + i })
      events.push(reg, makeResolve(reg, { blockTime, resultIndex: 1 }))
    }
    await expectLeaderboardsLikeMemory(events, now, [10])
  })

  it('ranks all-time leaderboards exactly when totals differ below double precision', async () => {
    const store = redisStore({ url: redisUrl, prefix: prefix() })
    try {
      // 2^60 and 2^60 + 1 are the same double: the sorted set ties them, the ranking must not.
      const [low, high] = [randomWallet(), randomWallet()]
      const base = 2n ** 60n
      const lose = (player: string, wager: bigint) => {
        const reg = makeRegister({ player, wager, qk: [[1, 0]] })
        return [reg, makeResolve(reg)]
      }
      await store.applyBatch(makeBatch([...lose(low, base), ...lose(high, base + 1n)]))
      for (const limit of [1, 2]) {
        const board = await store.leaderboard({ by: 'wagered', period: 'all', limit, now: 1_700_000_000_000 })
        expect(board.map(e => [e.wallet, e.wagered])).toEqual([[high, base + 1n], [low, base]].slice(0, limit))
      }
      const profit = await store.leaderboard({ by: 'profit', period: 'all', limit: 1, now: 1_700_000_000_000 })
      expect(profit.map(e => [e.wallet, e.profit])).toEqual([[low, -base]])
    }
    finally {
      await store.close()
    }
  })

  it('writes nothing when a key the batch would write holds another type, and applies it all once fixed', async () => {
    const p = prefix()
    const store = redisStore({ url: redisUrl, prefix: p })
    try {
      const reg = makeRegister({ game: 'coinflip' })
      const batch = makeBatch([reg, makeResolve(reg)])
      // One key the batch only writes (a bet index) and one it reads first (the player hash).
      for (const key of [`${p}bets:game:coinflip`, `${p}player:${reg.player}`]) {
        await admin.set(key, 'not a sorted set or a hash')
        await expect(store.applyBatch(batch)).rejects.toThrow(/WRONGTYPE/)
        expect(await store.getBet(reg.trialId)).toBeNull()
        expect(await store.getCursor()).toBeNull()
        expect((await store.stats(0)).totalBets).toBe(0)
        expect(await admin.get(`${p}version`)).toBeNull()
        await admin.del(key)
      }
      expect((await store.applyBatch(batch)).applied).toBe(2)
      expect(await store.getBet(reg.trialId)).toMatchObject({ status: 'settled' })
    }
    finally {
      await store.close()
    }
  })

  it('writes nothing when the SystemEvent counter holds no integer, and applies the batch and its report once fixed', async () => {
    const p = prefix()
    const store = redisStore({ url: redisUrl, prefix: p })
    try {
      const reg = makeRegister()
      // A second register of the trial: ignored, so the batch writes its report (and INCRs the counter) too.
      const batch = makeBatch([reg, makeRegister({ trialId: reg.trialId }), makeJackpot({ trialId: reg.trialId })])
      for (const bad of ['not-a-number', '007', '1e3', '99999999999999999999']) {
        await admin.set(`${p}system:seq`, bad)
        await expect(store.applyBatch(batch), bad).rejects.toThrow(/holds no counter/)
        expect(await store.getBet(reg.trialId)).toBeNull()
        expect(await store.listJackpots(10)).toEqual([])
        expect(await admin.get(`${p}version`)).toBeNull()
      }
      await admin.set(`${p}system:seq`, '41')
      const result = await store.applyBatch(batch)
      expect(result).toMatchObject({ applied: 3, placed: [{ id: reg.trialId }] })
      expect(await store.listJackpots(10)).toHaveLength(1)
      expect((await store.listSystemEvents({ limit: 10 })).map(e => [e.id, e.type])).toEqual([[42, 'indexer.event_ignored']])
    }
    finally {
      await store.close()
    }
  })

  it('stores a u64 wager and its payout above int64 exactly', async () => {
    const store = redisStore({ url: redisUrl, prefix: prefix() })
    try {
      const wager = 2n ** 64n - 1n
      const reg = makeRegister({ wager, qk: [[1, 3]] })
      await store.applyBatch(makeBatch([reg, makeResolve(reg)]))
      await store.applyBatch(makeBatch([makeRegister({ player: reg.player, wager })]))
      expect(await store.getBet(reg.trialId)).toMatchObject({ wager, payout: wager * 3n, status: 'settled' })
      expect(await store.getPlayer(reg.player)).toMatchObject({ totalWagered: wager, totalPayout: wager * 3n })
      expect((await store.stats(0)).totalWagered).toBe(wager)
    }
    finally {
      await store.close()
    }
  })

  it('keeps windowed leaderboards exact, reading again only the hours batches wrote, as bets land and hours pass', async () => {
    // Before, every read after a batch summed every hour of the window again: ~3 s of CPU for a 30-day
    // window of a million bets.
    const store = redisStore({ url: redisUrl, prefix: prefix() })
    const reference = memoryStore()
    const wallets = Array.from({ length: 12 }, () => randomWallet())
    let slot = 1000
    let nth = 0
    const HOUR = 3600
    const t0 = Math.floor(1_700_000_000 / HOUR) * HOUR + 1800
    /** Bets settled at each of `times` (unix seconds), one per time, wallets in turn. */
    const land = async (times: number[]) => {
      const events: ChainEvent[] = []
      for (const time of times) {
        const reg = makeRegister({ player: wallets[nth++ % wallets.length]!, blockTime: time - 1, slot: slot++, wager: BigInt(1_000 + nth) * 1_000_000_000_000n })
        events.push(reg, makeResolve(reg, { blockTime: time, slot: slot++, resultIndex: nth % 2 }))
      }
      const batch = makeBatch(events)
      await store.applyBatch(batch)
      await reference.applyBatch(batch)
    }
    // Hours read again by the windows (their HGETALLs), counted on the store's own client.
    let hoursRead = 0
    const pipeline = store.redis.pipeline.bind(store.redis)
    store.redis.pipeline = ((...args: Parameters<typeof pipeline>) => {
      const p = pipeline(...args)
      const hgetall = p.hgetall.bind(p)
      p.hgetall = ((...a: Parameters<typeof hgetall>) => {
        hoursRead++
        return hgetall(...a)
      }) as typeof p.hgetall
      return p
    }) as typeof store.redis.pipeline
    const expectSame = async (now: number, step: string) => {
      hoursRead = 0
      for (const period of ['24h', '7d', '30d'] as const) {
        for (const by of ['wagered', 'profit', 'wins', 'bets'] as const) {
          const query = { by, period, limit: 20, now: now * 1000 }
          expect(await store.leaderboard(query), `${step}: ${by} ${period}`).toEqual(await reference.leaderboard(query))
        }
      }
      return hoursRead
    }
    try {
      // Forty days of bets, some outside every window.
      await land(Array.from({ length: 120 }, (_, i) => t0 - i * 8 * HOUR))
      let now = t0 + 60
      expect(await expectSame(now, 'first read')).toBe(24 + 168 + 720)
      await land([now - 10, now - 5])
      // Only the two latest hours of each window are read again.
      expect(await expectSame(now, 'a batch in the current hour')).toBe(3 * 2)
      expect(await expectSame(now, 'no batch')).toBe(0)
      await land([now - 3 * 24 * HOUR])
      // An older hour moved: the 7d and 30d windows are summed again (24h did not change).
      expect(await expectSame(now, 'a batch three days back')).toBe(168 + 720)
      now += HOUR
      await land([now - 1])
      // One hour left each window and one entered its base: those, and the two latest, per window.
      expect(await expectSame(now, 'the next hour')).toBe(3 * 4)
      now += 5 * HOUR
      await land([now - 4 * HOUR, now - 100])
      expect(await expectSame(now, 'five hours later')).toBe(3 * (5 + 5 + 2))
      now += 2 * 24 * HOUR
      await land([now - 30])
      expect(await expectSame(now, 'two days later')).toBe(24 + 2 * (48 + 48 + 2))
      // Reads about an earlier hour than already summed are summed on their own, and change nothing.
      expect(await expectSame(now - 6 * HOUR, 'six hours before')).toBe(24 + 168 + 720)
      expect(await expectSame(now, 'back at the current hour')).toBe(0)
    }
    finally {
      await store.close()
    }
  })

  it('ends exact when windowed leaderboards are read while another instance commits into their hours', async () => {
    const p = prefix()
    const writer = redisStore({ url: redisUrl, prefix: p })
    const reader = redisStore({ url: redisUrl, prefix: p })
    const reference = memoryStore()
    try {
      const now = Date.now()
      const wallets = Array.from({ length: 20 }, () => randomWallet())
      const query = { by: 'wagered' as const, period: '24h' as const, limit: 20, now }
      let writing = true
      const reads = (async () => {
        let n = 0
        while (writing) {
          await reader.leaderboard(query)
          n++
        }
        return n
      })()
      for (let i = 0; i < 60; i++) {
        // Into the current hour and the one before: the hours the reader keeps one by one.
        const time = Math.floor(now / 1000) - (i % 2) * 3600
        const reg = makeRegister({ player: wallets[i % wallets.length]!, blockTime: time - 1, slot: 1000 + 2 * i })
        const batch = makeBatch([reg, makeResolve(reg, { blockTime: time, slot: 1001 + 2 * i })])
        await writer.applyBatch(batch)
        await reference.applyBatch(batch)
      }
      writing = false
      expect(await reads).toBeGreaterThan(0)
      expect(await reader.leaderboard(query)).toEqual(await reference.leaderboard(query))
    }
    finally {
      await writer.close()
      await reader.close()
    }
  })

  it('reports a batch written whose reply was lost as written, not as duplicates of itself', async () => {
    // The connection drops after Redis ran the write script; ioredis sends it again on the new connection.
    // Before, that second run found the batch's own version, answered "another batch first", and the
    // batch re-planned into duplicates: applied 0, placed [], its bets never published.
    const target = new URL(redisUrl)
    const register = makeRegister({ slot: 10 })
    // The load script names the trial first, the write script second: the reply of the second is lost.
    let naming = 0
    let drops = 0
    const sockets = new Set<Socket>()
    const proxy = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname)
      sockets.add(client).add(upstream)
      let dropReply = false
      const kill = () => {
        client.destroy()
        upstream.destroy()
      }
      client.on('data', (chunk: Buffer) => {
        if (chunk.includes(register.trialId) && ++naming === 2) dropReply = true
        upstream.write(chunk)
      })
      upstream.on('data', (chunk: Buffer) => {
        if (!dropReply) return void client.write(chunk)
        drops++
        kill()
      })
      for (const socket of [client, upstream]) {
        socket.on('error', kill)
        socket.on('close', kill)
      }
    })
    await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve))
    const store = redisStore({ url: `redis://127.0.0.1:${(proxy.address() as { port: number }).port}`, prefix: prefix() })
    try {
      const result = await store.applyBatch(makeBatch([register]))
      expect(drops).toBe(1)
      expect(result).toMatchObject({ applied: 1, duplicates: 0 })
      expect(result.placed.map(b => b.id)).toEqual([register.trialId])
      expect((await store.stats(Date.now())).pendingBets).toBe(1)
    }
    finally {
      await store.close()
      for (const socket of sockets) socket.destroy()
      await new Promise(resolve => proxy.close(resolve))
    }
  })
})
