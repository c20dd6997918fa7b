import { getRequestIP, type H3Event } from 'h3'
import { clientIp } from '../client-ip'

/** The client's IP of an h3 request, for rate limiting: {@link clientIp} over its headers and socket address. */
export function requestIp(event: H3Event, trustProxy: boolean): string {
  return clientIp(event.req.headers, getRequestIP(event), trustProxy)
}
