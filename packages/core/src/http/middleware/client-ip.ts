import { getRequestIP, type H3Event } from 'h3'
import { clientIp } from '../client-ip'
import { ipLimitKey } from '../ip-limit-key'

/**
 * What an h3 request is rate limited under: {@link clientIp} over its headers and socket address, as
 * {@link ipLimitKey} counts it (an IPv6 address by its /64).
 */
export function requestIp(event: H3Event, trustProxy: boolean): string {
  return ipLimitKey(clientIp(event.req.headers, getRequestIP(event), trustProxy))
}
