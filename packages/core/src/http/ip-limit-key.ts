/**
 * The key a client's address is counted under by per-IP limits (the REST rate limits, the WebSocket
 * per-IP cap and replay limit): an IPv6 address is its /64, an IPv4-mapped one (`::ffff:1.2.3.4`) its
 * IPv4. One subscriber gets a whole /64 from its ISP (RFC 6177), as many addresses as it likes: counted
 * one by one, a single client with 20 of them went 20 times past a cap of 5.
 */
export function ipLimitKey(ip: string): string {
  let address = ip.trim().toLowerCase()
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1)
  const zone = address.indexOf('%')
  if (zone >= 0) address = address.slice(0, zone)
  if (!address.includes(':')) return address
  const mapped = /^(?:0{0,4}:){0,4}:?(?:0{0,4}:)?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address)
  if (mapped) return mapped[1]!
  const groups = hextets(address)
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : ip
}

/** The 8 groups of an IPv6 address (without leading zeros), or null when it is not one. */
function hextets(address: string): string[] | null {
  const halves = address.split('::')
  if (halves.length > 2) return null
  const parse = (part: string) => (part === '' ? [] : part.split(':'))
  const head = parse(halves[0]!)
  const tail = halves.length === 2 ? parse(halves[1]!) : []
  // A dotted IPv4 tail (`64:ff9b::1.2.3.4`) is two groups.
  const last = tail.length > 0 ? tail : head
  if (last.length > 0 && last[last.length - 1]!.includes('.')) {
    const octets = last.pop()!.split('.').map(Number)
    if (octets.length !== 4 || octets.some(o => !Number.isInteger(o) || o > 255)) return null
    last.push(((octets[0]! << 8) | octets[1]!).toString(16), ((octets[2]! << 8) | octets[3]!).toString(16))
  }
  const missing = 8 - head.length - tail.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail]
  if (!groups.every(g => /^[0-9a-f]{1,4}$/.test(g))) return null
  return groups.map(g => g.replace(/^0+(?=.)/, ''))
}
