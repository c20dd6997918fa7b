import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../src/config'
import { DEFAULT_RESERVED_USERNAMES, isReservedUsername, reservedUsernamesOf, usernameKey } from '../src/usernames'
import { createWallet, startCasino } from './http/_harness'

const owner = createWallet().address
const secret = 'a-secret-that-is-at-least-32-bytes-long'
/** A player who is not the owner, holding `username`. */
const player = (username: string | null) => ({ wallet: createWallet().address, username })

describe('reserved usernames', () => {
  it('compares names without case, underscores or digits', () => {
    expect(['Admin_1', '_ADMIN_', 'ad_min', '007admin', 'ad-min', 'Ad Min'].map(usernameKey)).toEqual(['admin', 'admin', 'admin', 'admin', 'admin', 'admin'])
    expect(usernameKey('adm1n')).toBe('admn')
  })

  it('reserves the default list and the casino slug, or exactly the list given', () => {
    const byDefault = resolveConfig({ name: 'Lucky Star 7', ownerWallet: owner, auth: { jwtSecret: secret } }).reservedUsernames
    for (const name of DEFAULT_RESERVED_USERNAMES) expect(byDefault.has(usernameKey(name)), name).toBe(true)
    expect(byDefault.has('luckystar')).toBe(true)
    const slugged = resolveConfig({ name: 'X', slug: 'vip-room', ownerWallet: owner, auth: { jwtSecret: secret } }).reservedUsernames
    expect(isReservedUsername(slugged, 'VIP_Room', player(null), owner)).toBe(true)
    // A list extends nothing by itself: it replaces the default names, and the slug stays reserved with it.
    const given = resolveConfig({ name: 'X', ownerWallet: owner, auth: { jwtSecret: secret }, reservedUsernames: ['VIP', 'lucky-star', 'Big Win'] }).reservedUsernames
    expect([...given]).toEqual(['vip', 'luckystar', 'bigwin', 'x'])
    expect(isReservedUsername(given, 'Lucky_Star', player(null), owner)).toBe(true)
    expect(isReservedUsername(given, 'big_win_7', player(null), owner)).toBe(true)
    expect(isReservedUsername(given, 'admin', player(null), owner)).toBe(false)
    expect(resolveConfig({ name: 'X', ownerWallet: owner, auth: { jwtSecret: secret }, reservedUsernames: [] }).reservedUsernames.size).toBe(0)
    // A slug of digits leaves nothing to compare: it reserves no name (not the empty key every digit name has).
    expect(reservedUsernamesOf([], '2049').size).toBe(0)
    expect(reservedUsernamesOf(undefined, '2049').has('')).toBe(false)
  })

  it('lets the holder of a name keep it in any case, and the owner take any', () => {
    const reserved = reservedUsernamesOf(['staff'], 'x')
    expect(isReservedUsername(reserved, 'STAFF', player('staff'), owner)).toBe(false)
    expect(isReservedUsername(reserved, 'staff_2', player('staff'), owner)).toBe(true)
    expect(isReservedUsername(reserved, 'staff', player(null), owner)).toBe(true)
    expect(isReservedUsername(reserved, 'Staff', { wallet: owner, username: null }, owner)).toBe(false)
  })

  it('refuses a config list that is not strings', () => {
    expect(() => resolveConfig({ name: 'X', ownerWallet: owner, auth: { jwtSecret: secret }, reservedUsernames: 'admin' } as never))
      .toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringMatching(/^config\.reservedUsernames: /) }))
  })

  it('applies a configured list over HTTP', async () => {
    const t = await startCasino('node server', { reservedUsernames: ['vip'] })
    try {
      const player = createWallet()
      const token = await t.signIn(player)
      const patch = (username: string) => t.request('/api/player/profile', { method: 'PATCH', token, json: { username } })
      expect((await patch('VIP_2')).status).toBe(409)
      expect((await patch('admin')).status).toBe(200)
      // The staff's own: the owner's wallet takes a reserved name.
      const ownerToken = await t.signIn(t.owner)
      expect((await t.request('/api/player/profile', { method: 'PATCH', token: ownerToken, json: { username: 'VIP' } })).status).toBe(200)
    }
    finally {
      await t.close()
    }
  })
})
