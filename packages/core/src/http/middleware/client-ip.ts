import { getRequestIP, type H3Event } from 'h3'

/**
 * The client's IP for rate limiting. Proxy headers are believed only with `trustProxy`, since any
 * client can send them; Fly's `Fly-Client-IP` is preferred to the first `X-Forwarded-For` hop.
 */
export function clientIp(event: H3Event, trustProxy: boolean): string {
  if (trustProxy) {
    const fly = event.req.headers.get('fly-client-ip')?.trim()
    if (fly) return fly
    const forwarded = event.req.headers.get('x-forwarded-for')?.split(',')[0]?.trim()
    if (forwarded) return forwarded
  }
  return getRequestIP(event) ?? 'unknown'
}
