import { describe, expect, it } from 'vitest'
import { ipLimitKey } from '../../src/http/ip-limit-key'
import { startCasino } from './_harness'

describe('the key per-IP limits count a client under', () => {
  it('is an IPv4 address as it is, and an IPv6 address by its /64', () => {
    expect(ipLimitKey('203.0.113.9')).toBe('203.0.113.9')
    for (const ip of ['2001:db8:1:2::1', '2001:0DB8:0001:0002:ffff:ffff:ffff:ffff', '[2001:db8:1:2::abcd]', '2001:db8:1:2::1%eth0']) {
      expect(ipLimitKey(ip), ip).toBe('2001:db8:1:2::/64')
    }
    expect(ipLimitKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64')
    expect(ipLimitKey('::1')).toBe('0:0:0:0::/64')
    expect(ipLimitKey('2001:db8::')).toBe('2001:db8:0:0::/64')
    expect(ipLimitKey('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0::/64')
  })

  it('is the IPv4 of an IPv4-mapped address however written, as Node reports IPv4 clients on a dual-stack socket', () => {
    for (const ip of ['::ffff:203.0.113.9', '0:0:0:0:0:ffff:203.0.113.9', '::0:0:0:0:ffff:203.0.113.9', '::ffff:cb00:7109', '0:0:0:0:0:FFFF:CB00:7109', '[::ffff:203.0.113.9]:443']) {
      expect(ipLimitKey(ip), ip).toBe('203.0.113.9')
    }
    // Not mapped: an IPv4-compatible or NAT64 address is an IPv6 one.
    expect(ipLimitKey('::203.0.113.9')).toBe('0:0:0:0::/64')
  })

  it('drops a port a proxy appended (each connection was a client of its own)', () => {
    expect(ipLimitKey('203.0.113.9:5678')).toBe('203.0.113.9')
    expect(ipLimitKey('[2001:db8:1:2::1]:443')).toBe('2001:db8:1:2::/64')
  })

  it('agrees with a reference expansion on random addresses in every form', () => {
    let seed = 7
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31)
    for (let n = 0; n < 2000; n++) {
      const groups = Array.from({ length: 8 }, (_, i) => (i < 4 ? next() % 3 === 0 ? 0 : next() % 65536 : next() % 65536))
      const full = groups.map(g => g.toString(16)).join(':')
      // The WHATWG URL parser writes the shortest form (with `::`): both must give the same key.
      const short = new URL(`http://[${full}]/`).hostname.slice(1, -1)
      const expected = `${groups.slice(0, 4).map(g => g.toString(16)).join(':')}::/64`
      expect(ipLimitKey(full), full).toBe(expected)
      expect(ipLimitKey(short), short).toBe(expected)
      expect(ipLimitKey(full.toUpperCase()), full).toBe(expected)
    }
  })

  it('is what the client sent when it is no address', () => {
    for (const text of ['unknown', 'not an ip', '1:2:3', '1::2::3', 'g::1', '1:2:3:4:5:6:7:8:9', ':ffff:1.2.3.4', '::ffff:999.1.1.1', '1.2.3.4:x']) expect(ipLimitKey(text), text).toBe(text)
  })

  it('makes the REST rate limit count a /64 once', async () => {
    const t = await startCasino('app.fetch', { trustProxy: true, rateLimit: { max: 3 } })
    try {
      const from = (ip: string) => t.request('/api/casino/info', { headers: { 'x-forwarded-for': ip } }).then(r => r.status)
      expect([await from('2001:db8:1:2::1'), await from('2001:db8:1:2::2'), await from('2001:db8:1:2::3')]).toEqual([200, 200, 200])
      expect(await from('2001:db8:1:2::4')).toBe(429)
      expect(await from('2001:db8:1:3::1')).toBe(200)
    }
    finally {
      await t.close()
    }
  })
})
