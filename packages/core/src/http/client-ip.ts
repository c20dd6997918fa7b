/** The request headers {@link clientIp} reads: a web `Headers`, or anything with the same `get`. */
export interface HeaderReader {
  get(name: string): string | null | undefined
}

/**
 * The client's IP, for per-IP rate limits and connection caps, over HTTP and WebSocket alike.
 *
 * Proxy headers are believed only with `trustProxy`, since any client can send them. Then `Fly-Client-IP`
 * wins: Fly's proxy sets it and overwrites whatever the client sent. Otherwise the RIGHTMOST
 * `X-Forwarded-For` entry: proxies append the address they saw, so the last entry is the one our own
 * (trusted) proxy wrote, while the first is whatever the client chose to send. Else the socket's address.
 */
export function clientIp(headers: HeaderReader | null | undefined, remoteAddress: string | null | undefined, trustProxy: boolean): string {
  if (trustProxy && headers) {
    const fly = headers.get('fly-client-ip')?.trim()
    if (fly) return fly
    const forwarded = headers.get('x-forwarded-for')
    if (forwarded) {
      const last = forwarded.slice(forwarded.lastIndexOf(',') + 1).trim()
      if (last) return last
    }
  }
  return remoteAddress || 'unknown'
}
