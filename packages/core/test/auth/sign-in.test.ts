import bs58 from 'bs58'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWallet, errorCode, matrix, startCasino, type TestCasino } from '../http/_harness'

interface Issued { message: string, nonce: string, expiresAt: string }

describe.each(matrix)('Sign In With Solana on $name', ({ create, transport }) => {
  let t: TestCasino
  let other: TestCasino
  beforeAll(async () => {
    t = await startCasino(transport, {}, create)
    // A second casino on another domain: its messages must never work on the first.
    other = await startCasino(transport, { auth: { jwtSecret: 'another-secret-of-at-least-32-bytes!!', domain: 'evil.test', uri: 'https://evil.test' } }, create)
  })
  afterAll(async () => {
    await t.close()
    await other.close()
  })

  const issue = async (c: TestCasino, wallet: string): Promise<Issued> => {
    const res = await c.request(`/api/auth/message?walletAddress=${wallet}`)
    expect(res.status).toBe(200)
    return await res.json() as Issued
  }
  const signin = (c: TestCasino, body: Record<string, unknown>) => c.request('/api/auth/signin', { method: 'POST', json: body })

  it('issues a SIWS message bound to the domain, URI, chain and a fresh nonce', async () => {
    const wallet = createWallet()
    const a = await issue(t, wallet.address)
    const b = await issue(t, wallet.address)
    expect(a.message.split('\n')).toEqual([
      `casino.test wants you to sign in with your Solana account:`,
      wallet.address,
      '',
      'Sign in to Test Casino',
      '',
      'URI: https://casino.test',
      'Version: 1',
      'Chain ID: devnet',
      `Nonce: ${a.nonce}`,
      expect.stringMatching(/^Issued At: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      `Expiration Time: ${a.expiresAt}`,
    ])
    expect(a.nonce).not.toBe(b.nonce)
    expect(a.nonce.length).toBeGreaterThanOrEqual(16)
  })

  it('signs in end to end and the token works', async () => {
    const wallet = createWallet()
    const joined: string[] = []
    const off = t.casino.events.on('player.joined', p => joined.push(p.wallet))
    const { message } = await issue(t, wallet.address)
    const res = await signin(t, { walletAddress: wallet.address, message, signature: wallet.sign(message) })
    off()
    expect(res.status).toBe(200)
    const body = await res.json() as { token: string, player: { wallet: string, totalWagered: string }, casino: { slug: string } }
    expect(body.player.wallet).toBe(wallet.address)
    expect(body.player.totalWagered).toBe('0')
    expect(body.casino.slug).toBe('test-casino')
    expect(joined).toEqual([wallet.address])

    const verify = await (await t.request('/api/auth/verify', { token: body.token })).json() as { valid: boolean, user: { walletAddress: string } }
    expect(verify).toMatchObject({ valid: true, user: { walletAddress: wallet.address } })
    const profile = await t.request('/api/player/profile', { token: body.token })
    expect(profile.status).toBe(200)
  })

  it('refuses a forged signature, and the failed try burns the nonce', async () => {
    const wallet = createWallet()
    const forger = createWallet()
    const { message } = await issue(t, wallet.address)
    const forged = await signin(t, { walletAddress: wallet.address, message, signature: forger.sign(message) })
    expect(forged.status).toBe(401)
    expect(await errorCode(forged)).toBe('INVALID_SIGNATURE')
    const retry = await signin(t, { walletAddress: wallet.address, message, signature: wallet.sign(message) })
    expect(retry.status).toBe(401)
    expect(await errorCode(retry)).toBe('NONCE_USED')
  })

  it('refuses the System Program address (a key of small order) signing with the forgery tweetnacl alone takes', async () => {
    // R = the identity, s = 0: for a key of order 4, tweetnacl verifies it for one message in four. In 32
    // fresh nonces the old verification let it in all but once in 10,000 runs.
    const system = '11111111111111111111111111111111'
    const forged = bs58.encode(Uint8Array.from({ length: 64 }, (_, i) => (i === 0 ? 1 : 0)))
    const statuses = new Set<string>()
    for (let i = 0; i < 32; i++) {
      const { message } = await issue(t, system)
      const res = await signin(t, { walletAddress: system, message, signature: forged })
      statuses.add(`${res.status} ${await errorCode(res)}`)
    }
    expect([...statuses]).toEqual(['401 INVALID_SIGNATURE'])
  })

  it('refuses a reused nonce', async () => {
    const wallet = createWallet()
    const { message } = await issue(t, wallet.address)
    const body = { walletAddress: wallet.address, message, signature: wallet.sign(message) }
    expect((await signin(t, body)).status).toBe(200)
    const replay = await signin(t, body)
    expect(replay.status).toBe(401)
    expect(await errorCode(replay)).toBe('NONCE_USED')
  })

  it('refuses a message issued for another domain', async () => {
    const wallet = createWallet()
    const { message } = await issue(other, wallet.address)
    const res = await signin(t, { walletAddress: wallet.address, message, signature: wallet.sign(message) })
    expect(res.status).toBe(401)
    expect(await errorCode(res)).toBe('INVALID_MESSAGE')
  })

  it('refuses a tampered message', async () => {
    const wallet = createWallet()
    const { message } = await issue(t, wallet.address)
    const signature = wallet.sign(message)
    const tampered = message.replace('Sign in to Test Casino', 'Sign in to Test Casino and approve')
    const res = await signin(t, { walletAddress: wallet.address, message: tampered, signature })
    expect(res.status).toBe(401)
    // A later expiry, signed over the original text, fails on the record the server kept.
    const { message: second } = await issue(t, wallet.address)
    const later = second.replace(/Expiration Time: .*/, 'Expiration Time: 2099-01-01T00:00:00.000Z')
    const res2 = await signin(t, { walletAddress: wallet.address, message: later, signature: wallet.sign(second) })
    expect(res2.status).toBe(401)
    expect(await errorCode(res2)).toBe('INVALID_MESSAGE')
  })

  it('refuses a message signed for another wallet address', async () => {
    const wallet = createWallet()
    const victim = createWallet()
    const { message } = await issue(t, victim.address)
    const res = await signin(t, { walletAddress: wallet.address, message, signature: wallet.sign(message) })
    expect(res.status).toBe(401)
    expect(await errorCode(res)).toBe('INVALID_MESSAGE')
  })

  it('refuses an expired message', async () => {
    const short = await startCasino(transport, { auth: { jwtSecret: 'test-secret-of-at-least-thirty-two-bytes!', domain: 'casino.test', uri: 'https://casino.test', nonceTtl: 1 } }, create)
    try {
      const wallet = createWallet()
      const { message } = await issue(short, wallet.address)
      await new Promise(resolve => setTimeout(resolve, 1100))
      const res = await signin(short, { walletAddress: wallet.address, message, signature: wallet.sign(message) })
      expect(res.status).toBe(401)
      expect(await errorCode(res)).toBe('MESSAGE_EXPIRED')
    }
    finally {
      await short.close()
    }
  })

  it('refuses a malformed sign-in body with 400, never 500', async () => {
    const wallet = createWallet()
    for (const body of [{}, { walletAddress: 42, message: 'x', signature: 'y' }, { walletAddress: 'nope', message: 'x', signature: '1'.repeat(88) }, { walletAddress: wallet.address, message: 'x', signature: '0OIl' }]) {
      const res = await signin(t, body)
      expect(res.status).toBe(400)
      expect(['VALIDATION_FAILED', 'INVALID_WALLET']).toContain(await errorCode(res))
    }
    const garbage = await signin(t, { walletAddress: wallet.address, message: 'hello', signature: wallet.sign('hello') })
    expect(garbage.status).toBe(401)
    expect(await errorCode(garbage)).toBe('INVALID_MESSAGE')
  })

  it('logout revokes the token', async () => {
    const wallet = createWallet()
    const token = await t.signIn(wallet)
    expect((await t.request('/api/auth/logout', { method: 'POST', token })).status).toBe(200)
    const after = await t.request('/api/player/profile', { token })
    expect(after.status).toBe(401)
    expect(await errorCode(after)).toBe('TOKEN_INVALID')
    expect(await (await t.request('/api/auth/verify', { token })).json()).toEqual({ valid: false, user: null })
  })

  it('refuses tokens signed with another secret or for another casino', async () => {
    const wallet = createWallet()
    const foreign = await other.signIn(wallet)
    const res = await t.request('/api/player/profile', { token: foreign })
    expect(res.status).toBe(401)
    // alg "none" must never pass, whatever the claims say.
    const none = `${btoa(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${btoa(JSON.stringify({ sub: wallet.address, walletAddress: wallet.address }))}.`.replace(/=/g, '')
    expect((await t.request('/api/player/profile', { token: none })).status).toBe(401)
  })

  it('refuses a token of the right key whose subject is no wallet address', async () => {
    // Only a leak of the secret makes one; then U+0000 in it answered 500 on Postgres, and a socket said
    // `authenticated { wallet: 'not-a-wallet' }`.
    const { SignJWT } = await import('jose')
    const key = new TextEncoder().encode('test-secret-of-at-least-thirty-two-bytes!')
    for (const sub of ['not-a-wallet', 'a\u0000b', 'z'.repeat(44)]) {
      const now = Math.floor(Date.now() / 1000)
      const token = await new SignJWT({ walletAddress: sub, playerId: sub, casinoSlug: 'test-casino' })
        .setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setJti('forged').setIssuedAt(now).setExpirationTime(now + 600)
        .setIssuer('test-casino').setAudience('casino.test').sign(key)
      const res = await t.request('/api/player/profile', { token })
      expect(res.status, sub).toBe(401)
      expect(await errorCode(res)).toBe('TOKEN_INVALID')
    }
    // The same claims with a wallet address pass: what is refused is the subject.
    const wallet = createWallet().address
    const now = Math.floor(Date.now() / 1000)
    const good = await new SignJWT({ walletAddress: wallet, playerId: wallet, casinoSlug: 'test-casino' })
      .setProtectedHeader({ alg: 'HS256' }).setSubject(wallet).setJti('forged').setIssuedAt(now).setExpirationTime(now + 600)
      .setIssuer('test-casino').setAudience('casino.test').sign(key)
    expect((await t.request('/api/player/profile', { token: good })).status).toBe(200)
  })
})
