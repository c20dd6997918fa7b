import { isIPv4, isIPv6 } from 'node:net'

/**
 * The key a client's address is counted under by per-IP limits (the REST rate limits, the WebSocket
 * per-IP cap and replay limit): an IPv6 address is its /64, an IPv4-mapped one (`::ffff:1.2.3.4`,
 * however written) its IPv4. One subscriber gets a whole /64 from its ISP (RFC 6177), as many
 * addresses as it likes: counted one by one, a single client with 20 of them went 20 times past a cap
 * of 5. A port some proxies append (`1.2.3.4:5678`, `[2001:db8::1]:443`) is dropped: with it every
 * connection was a client of its own. Anything else is counted as written.
 */
export function ipLimitKey(ip: string): string {
  const address = withoutPort(ip.trim().toLowerCase())
  if (isIPv4(address)) return address
  if (!isIPv6(address)) return ip
  const groups = hextets(address)
  // ::ffff:a.b.c.d (or ::ffff:0102:0304): an IPv4 client on a dual-stack socket.
  if (groups.slice(0, 5).every(g => g === 0) && groups[5] === 0xFFFF) {
    return [groups[6]! >> 8, groups[6]! & 0xFF, groups[7]! >> 8, groups[7]! & 0xFF].join('.')
  }
  return `${groups.slice(0, 4).map(g => g.toString(16)).join(':')}::/64`
}

/** `address` without brackets, a zone id, or a port after an IPv4 address or a bracketed IPv6 one. */
function withoutPort(address: string): string {
  let a = address
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a)
  if (bracketed) a = bracketed[1]!
  else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(':'))
  const zone = a.indexOf('%')
  return zone >= 0 ? a.slice(0, zone) : a
}

/** The 8 groups of a valid IPv6 address (as `isIPv6` accepts it), a dotted IPv4 tail as two of them. */
function hextets(address: string): number[] {
  let text = address
  const dotted = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text)
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number]
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head = '', tail] = text.split('::')
  const part = (s: string | undefined) => (s ? s.split(':').map(g => Number.parseInt(g, 16)) : [])
  const first = part(head)
  const last = part(tail)
  return [...first, ...Array<number>(8 - first.length - last.length).fill(0), ...last]
}
