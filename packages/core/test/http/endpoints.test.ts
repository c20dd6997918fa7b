import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeBatch, makeJackpot, makeRegister, makeResolve } from '../../src/testing/fixtures'
import type { TrialRegisteredEvent } from '../../src/store/types'
import { createWallet, errorCode, matrix, startCasino, type TestCasino, type TestWallet } from './_harness'

/** Above 2^53: money must survive the trip through the store and JSON exactly. */
const BIG = 2n ** 60n + 1n

describe.each(matrix)('REST API on $name', ({ create, transport }) => {
  let t: TestCasino
  let alice: TestWallet
  let bob: TestWallet
  let aliceToken: string
  let bobToken: string
  const registers: TrialRegisteredEvent[] = []

  beforeAll(async () => {
    t = await startCasino(transport, {}, create)
    alice = createWallet()
    bob = createWallet()
    const now = Date.now()
    const blockTime = Math.floor(now / 1000) - 60
    // 25 bets by alice (a big one first), 5 by bob; bob's last stays pending.
    for (let i = 0; i < 25; i++) registers.push(makeRegister({ player: alice.address, wager: i === 0 ? BIG : 1_000_000n, slot: 100 + i, blockTime }))
    for (let i = 0; i < 5; i++) registers.push(makeRegister({ player: bob.address, wager: 5_000_000n, slot: 200 + i, blockTime }))
    const resolves = registers.slice(0, -1).map((r, i) => makeResolve(r, { resultIndex: i % 2 }))
    await t.store.applyBatch(makeBatch([...registers, ...resolves, makeJackpot({ receiver: alice.address })], { now }))
    aliceToken = await t.signIn(alice)
    bobToken = await t.signIn(bob)
  })
  afterAll(() => t.close())

  const json = async <T = any>(path: string, init?: Parameters<TestCasino['request']>[1]): Promise<[number, T]> => {
    const res = await t.request(path, init)
    return [res.status, await res.json() as T]
  }

  describe('health', () => {
    it('answers liveness and readiness', async () => {
      expect(await json('/health')).toEqual([200, expect.objectContaining({ status: 'ok', casino: 'test-casino', network: 'devnet' })])
      expect((await json('/api/health'))[0]).toBe(200)
      const [status, body] = await json('/health/ready')
      expect(status).toBe(200)
      expect(body.checks).toMatchObject({ store: { ok: true }, kv: { ok: true }, startup: { ok: true } })
    })
  })

  describe('casino', () => {
    it('info and games', async () => {
      expect(await json('/api/casino/info')).toEqual([200, expect.objectContaining({ slug: 'test-casino', ownerWallet: t.owner.address, programId: 'FAREvmepkHArRWwLjHmwPQGL9Byg8iKF3hu1vewxTSXe' })])
      const [, games] = await json('/api/casino/games')
      expect(games.games).toEqual([expect.objectContaining({ id: 'coinflip', name: 'Coin flip' })])
    })

    it('stats count settled bets with exact big amounts', async () => {
      const [status, stats] = await json('/api/casino/stats')
      expect(status).toBe(200)
      expect(stats.totalBets).toBe(29)
      expect(stats.pendingBets).toBe(1)
      expect(stats.totalPlayers).toBe(2)
      expect(stats.totalWagered).toBe((BIG + 24n * 1_000_000n + 4n * 5_000_000n).toString())
      expect(stats.last24h.bets).toBe(29)
    })

    it('stats refresh when a batch commits and the event bus says so', async () => {
      const before = (await json('/api/casino/stats'))[1].totalBets as number
      const r = makeRegister({ player: bob.address, blockTime: Math.floor(Date.now() / 1000) })
      const result = await t.store.applyBatch(makeBatch([r, makeResolve(r)], { now: Date.now() }))
      for (const bet of result.settled) t.casino.events.emit('bet.settled', bet)
      expect((await json('/api/casino/stats'))[1].totalBets).toBe(before + 1)
    })

    it('activity lists recent bets, newest first, limit enforced', async () => {
      const [, body] = await json('/api/casino/activity?limit=3')
      expect(body.bets).toHaveLength(3)
      expect((await t.request('/api/casino/activity?limit=101')).status).toBe(400)
      expect((await t.request('/api/casino/activity?limit=-1')).status).toBe(400)
    })

    it('leaderboard ranks by every metric and period, with money as strings', async () => {
      const [, body] = await json('/api/casino/leaderboard?by=wagered&period=all&limit=10')
      expect(body.leaderboard[0]).toMatchObject({ rank: 1, wallet: alice.address, wagered: (BIG + 24n * 1_000_000n).toString() })
      for (const by of ['wagered', 'profit', 'wins', 'bets']) {
        for (const period of ['24h', '7d', '30d', 'all']) {
          const [status, b] = await json(`/api/casino/leaderboard?by=${by}&period=${period}`)
          expect(status).toBe(200)
          expect(b.leaderboard.length).toBeGreaterThan(0)
        }
      }
      const bad = await t.request('/api/casino/leaderboard?by=luck')
      expect(bad.status).toBe(400)
      expect(await errorCode(bad)).toBe('VALIDATION_FAILED')
    })
  })

  describe('bets', () => {
    it('pages with a stable cursor and filters by player', async () => {
      const seen: string[] = []
      let cursor: string | null = null
      do {
        const [status, page]: [number, any] = await json(`/api/bets?player=${alice.address}&limit=10${cursor ? `&cursor=${cursor}` : ''}`)
        expect(status).toBe(200)
        for (const bet of page.bets) expect(bet.player).toBe(alice.address)
        seen.push(...page.bets.map((b: { id: string }) => b.id))
        cursor = page.nextCursor
      } while (cursor)
      expect(seen).toHaveLength(25)
      expect(new Set(seen).size).toBe(25)
      expect(seen.at(-1)).toBe(registers[0]!.trialId)
    })

    it('filters by status, won and game', async () => {
      const [, pending] = await json('/api/bets?status=pending')
      expect(pending.bets.map((b: { id: string }) => b.id)).toEqual([registers[29]!.trialId])
      const [, won] = await json(`/api/bets?won=true&player=${alice.address}&limit=100`)
      expect(won.bets.every((b: { won: boolean }) => b.won)).toBe(true)
      const [, none] = await json('/api/bets?game=plinko')
      expect(none.bets).toEqual([])
    })

    it('refuses bad filters and cursors with 400', async () => {
      for (const [q, code] of [['player=notawallet', 'INVALID_WALLET'], ['cursor=%21%21', 'VALIDATION_FAILED'], ['cursor=Zm9vYmFy', 'INVALID_CURSOR'], ['won=maybe', 'VALIDATION_FAILED'], ['status=lost', 'VALIDATION_FAILED'], ['limit=0', 'VALIDATION_FAILED'], ['limit=1e3', 'VALIDATION_FAILED']] as const) {
        const res = await t.request(`/api/bets?${q}`)
        expect(res.status, q).toBe(400)
        expect(await errorCode(res)).toBe(code)
      }
    })

    it('recent bets', async () => {
      const [, body] = await json('/api/bets/recent?limit=5')
      expect(body.bets).toHaveLength(5)
    })

    it('one bet by trial id or by signature; 404 JSON otherwise', async () => {
      const first = registers[0]!
      const [, byId] = await json(`/api/bets/${first.trialId}`)
      expect(byId.bet).toMatchObject({ id: first.trialId, wager: BIG.toString(), status: 'settled', signature: first.signature })
      const [, bySig] = await json(`/api/bets/${first.signature}`)
      expect(bySig.bet.id).toBe(first.trialId)
      const missing = await t.request(`/api/bets/${createWallet().address}`)
      expect(missing.status).toBe(404)
      expect(await errorCode(missing)).toBe('NOT_FOUND')
      expect((await t.request('/api/bets/not-an-id!')).status).toBe(400)
    })

    it('player history needs a JWT and pages by offset', async () => {
      expect((await t.request('/api/bets/player/history')).status).toBe(401)
      const [, page] = await json('/api/bets/player/history?limit=10&offset=20', { token: aliceToken })
      expect(page.bets).toHaveLength(5)
      expect(page.pagination).toEqual({ total: 25, limit: 10, offset: 20, hasMore: false })
      const [, first] = await json('/api/bets/player/history?limit=10', { token: aliceToken })
      expect(first.pagination.hasMore).toBe(true)
    })
  })

  describe('player', () => {
    it('profile needs a JWT', async () => {
      const res = await t.request('/api/player/profile')
      expect(res.status).toBe(401)
      expect(await errorCode(res)).toBe('UNAUTHORIZED')
      expect((await t.request('/api/player/profile', { token: 'garbage.token.value' })).status).toBe(401)
    })

    it('sets a unique username, 409 when taken, 400 when invalid', async () => {
      const name = `alice_${transport === 'node server' ? 'n' : 'f'}${Math.floor(Math.random() * 1e6)}`
      const [status, body] = await json('/api/player/profile', { method: 'PATCH', token: aliceToken, json: { username: name } })
      expect(status).toBe(200)
      expect(body.player.username).toBe(name)
      const taken = await t.request('/api/player/profile', { method: 'PATCH', token: bobToken, json: { username: name.toUpperCase() } })
      expect(taken.status).toBe(409)
      expect(await errorCode(taken)).toBe('USERNAME_TAKEN')
      for (const username of ['ab', 'x'.repeat(21), 'no spaces', 'émoji', 42, ['a']]) {
        const res = await t.request('/api/player/profile', { method: 'PATCH', token: bobToken, json: { username } })
        expect(res.status, String(username)).toBe(400)
      }
      expect((await t.request('/api/player/profile', { method: 'PATCH', json: { username: 'nobody_1' } })).status).toBe(401)
    })

    it('refuses a reserved username, in any case and with underscores or digits, and lets its holder keep it', async () => {
      // `test_casino` is the slug of the harness's "Test Casino"; the rest are from DEFAULT_RESERVED_USERNAMES.
      for (const username of ['admin', 'Admin_1', '_SUPPORT_', 'Fare_Play', 'mod_2024', 'Test_Casino', 'testcasino99']) {
        const res = await t.request('/api/player/profile', { method: 'PATCH', token: bobToken, json: { username } })
        expect(res.status, username).toBe(409)
        expect(await res.json(), username).toMatchObject({ error: { code: 'USERNAME_RESERVED', message: 'username is reserved' } })
      }
      expect((await t.store.getPlayer(bob.address))?.username ?? '').not.toMatch(/admin|support/i)
      // Names that only contain a reserved word are anyone's.
      for (const username of ['badminton', 'supportive', 'moderately']) {
        expect((await t.request('/api/player/profile', { method: 'PATCH', token: bobToken, json: { username: `${username}_${transport === 'node server' ? 'n' : 'f'}` } })).status, username).toBe(200)
      }
      // A player who held the name before it was reserved (set through the store) keeps it, and may recase it.
      const holder = createWallet()
      await t.store.ensurePlayer(holder.address, Date.now())
      const held = `Staff_${transport === 'node server' ? 'n' : 'f'}`
      await t.store.setUsername(holder.address, held)
      const holderToken = await t.signIn(holder)
      const [status, body] = await json('/api/player/profile', { method: 'PATCH', token: holderToken, json: { username: held.toUpperCase() } })
      expect([status, body.player.username]).toEqual([200, held.toUpperCase()])
      expect((await t.request('/api/player/profile', { method: 'PATCH', token: holderToken, json: { username: 'owner' } })).status).toBe(409)
    })

    it('names a missing field as required', async () => {
      const res = await t.request('/api/auth/message')
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', message: 'walletAddress: is required', data: { field: 'walletAddress' } } })
      const body = await t.request('/api/auth/signin', { method: 'POST', json: { walletAddress: alice.address, message: 'x' } })
      expect(await body.json()).toMatchObject({ error: { message: 'signature: is required' } })
    })

    it('shows a new username on the cached leaderboard at once', async () => {
      const board = async () => (await json('/api/casino/leaderboard?by=wagered&period=all&limit=10'))[1].leaderboard as { wallet: string, username: string | null }[]
      await board()
      const name = `alice_l${transport === 'node server' ? 'n' : 'f'}${Math.floor(Math.random() * 1e5)}`
      expect((await json('/api/player/profile', { method: 'PATCH', token: aliceToken, json: { username: name } }))[0]).toBe(200)
      expect((await board()).find(e => e.wallet === alice.address)?.username).toBe(name)
    })

    it('stats include profitLoss', async () => {
      const [, body] = await json('/api/player/stats', { token: aliceToken })
      expect(body.stats.totalBets).toBe(25)
      expect(BigInt(body.stats.profitLoss)).toBe(BigInt(body.stats.totalPayout) - BigInt(body.stats.totalWagered))
    })

    it('public profile by wallet; 400 for an invalid wallet, 404 for an unknown one', async () => {
      const [status, body] = await json(`/api/players/${alice.address}`)
      expect(status).toBe(200)
      expect(body.player.totalWagered).toBe((BIG + 24n * 1_000_000n).toString())
      const bad = await t.request('/api/players/0OIl0OIl')
      expect(bad.status).toBe(400)
      expect(await errorCode(bad)).toBe('INVALID_WALLET')
      expect((await t.request(`/api/players/${createWallet().address}`)).status).toBe(404)
    })
  })

  describe('chat', () => {
    it('posts with a JWT, lists, and only the owner deletes', async () => {
      expect((await t.request('/api/chat', { method: 'POST', json: { message: 'hi' } })).status).toBe(401)
      const heard: string[] = []
      const off = t.casino.events.on('chat.message', m => heard.push(m.message))
      const [status, posted] = await json('/api/chat', { method: 'POST', token: aliceToken, json: { message: '  gm  ' } })
      off()
      expect(status).toBe(201)
      expect(posted.message).toMatchObject({ message: 'gm', wallet: alice.address })
      expect(heard).toEqual(['gm'])
      const [, list] = await json('/api/chat?limit=10')
      expect(list.messages[0].id).toBe(posted.message.id)

      const byAuthor = await t.request(`/api/chat/${posted.message.id}`, { method: 'DELETE', token: aliceToken })
      expect(byAuthor.status).toBe(403)
      expect(await errorCode(byAuthor)).toBe('FORBIDDEN')
      expect((await t.request(`/api/chat/${posted.message.id}`, { method: 'DELETE' })).status).toBe(401)
      const ownerToken = await t.signIn(t.owner)
      expect((await t.request(`/api/chat/${posted.message.id}`, { method: 'DELETE', token: ownerToken })).status).toBe(200)
      expect((await t.request(`/api/chat/${posted.message.id}`, { method: 'DELETE', token: ownerToken })).status).toBe(404)
      const [, after] = await json('/api/chat?limit=10')
      expect(after.messages.find((m: { id: string }) => m.id === posted.message.id)).toBeUndefined()
    })

    it('refuses empty, too long and wrongly typed messages', async () => {
      for (const message of ['', '   ', 'x'.repeat(501), 12, null]) {
        const res = await t.request('/api/chat', { method: 'POST', token: aliceToken, json: { message } })
        expect(res.status).toBe(400)
        expect(await errorCode(res)).toBe('VALIDATION_FAILED')
      }
      expect((await t.request('/api/chat?before=..')).status).toBe(400)
    })

    it('refuses control characters, lone surrogates and bodies that are not UTF-8, which no store could keep as sent, and stores nothing', async () => {
      const before = (await t.store.listChat({ limit: 100 })).length
      // U+0000 made Postgres answer a 500; a lone surrogate was stored as U+FFFD, not as echoed.
      for (const message of ['a\u0000b', 'bell\u0007', 'esc\u001b[2J', 'del\u007f', 'csi\u009b2J', 'nel\u0085', 'half \ud83d', '\udc00 low']) {
        const res = await t.request('/api/chat', { method: 'POST', token: aliceToken, json: { message } })
        expect(res.status).toBe(400)
        expect(await res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', data: { field: 'message' } } })
      }
      expect((await t.store.listChat({ limit: 100 })).length).toBe(before)
      // Bytes that are not UTF-8 are no JSON text: refused, where they were stored with U+FFFD in their place.
      for (const bytes of [[0x7B, 0x22, 0x6D, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65, 0x22, 0x3A, 0x22, 0x63, 0x61, 0x66, 0xE9, 0x22, 0x7D], [0xFF, 0xFE, 0x7B, 0x7D]]) {
        const res = await t.request('/api/chat', { method: 'POST', token: aliceToken, headers: { 'content-type': 'application/json; charset=latin1' }, body: new Uint8Array(bytes) })
        expect(res.status).toBe(400)
        expect(await res.json()).toEqual({ error: { code: 'INVALID_JSON', message: 'request body is not valid UTF-8' } })
      }
      expect((await t.store.listChat({ limit: 100 })).length).toBe(before)
      // 500 characters, as a reader counts them: 500 emoji pass (1,000 UTF-16 units), 501 do not.
      expect((await t.request('/api/chat', { method: 'POST', token: aliceToken, json: { message: '🎲'.repeat(500) } })).status).toBe(201)
      const long = await t.request('/api/chat', { method: 'POST', token: aliceToken, json: { message: '🎲'.repeat(501) } })
      expect([long.status, (await long.json()).error.message]).toEqual([400, 'message: must be at most 500 characters'])
      const kept = 'line one\n\tline two 🎲 مرحبا 你好 é'
      const [status, posted] = await json('/api/chat', { method: 'POST', token: aliceToken, json: { message: kept } })
      expect(status).toBe(201)
      expect(posted.message.message).toBe(kept)
    })
  })

  describe('admin', () => {
    it('system events are owner-only', async () => {
      await t.store.recordSystemEvent({ type: 'indexer.lag', severity: 'warn', message: 'behind', metadata: null, createdAt: Date.now() })
      expect((await t.request('/api/admin/system-events')).status).toBe(401)
      expect((await t.request('/api/admin/system-events', { token: aliceToken })).status).toBe(403)
      const [status, body] = await json('/api/admin/system-events', { token: await t.signIn(t.owner) })
      expect(status).toBe(200)
      expect(body.events[0]).toMatchObject({ type: 'indexer.lag', severity: 'warn' })
    })
  })
})
