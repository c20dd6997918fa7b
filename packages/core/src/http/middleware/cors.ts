import { type CorsOptions, handleCors, type H3Event, type HTTPResponse } from 'h3'
import type { ResolvedCasinoConfig } from '../../config'

/** h3 CORS options from the casino config, or null when CORS is off. */
export function toCorsOptions(cors: ResolvedCasinoConfig['cors']): CorsOptions | null {
  if (cors === false || cors.origin === false) return null
  const origin: CorsOptions['origin'] = cors.origin === true
    ? () => true // reflect the caller's origin (with Vary: Origin), as FarePlay's origin:true did
    : cors.origin === '*' ? '*' : Array.isArray(cors.origin) ? cors.origin : [cors.origin]
  return {
    origin,
    credentials: cors.credentials,
    methods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
    allowHeaders: ['content-type', 'authorization', 'x-casino-slug'],
    exposeHeaders: ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after'],
    maxAge: '600',
  }
}

/** Adds CORS headers; answers a preflight on its own (returns the response to send). */
export function applyCors(event: H3Event, options: CorsOptions | null): HTTPResponse | false {
  if (!options) return false
  return handleCors(event, options)
}
