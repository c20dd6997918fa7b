import type { H3Event } from 'h3'

/**
 * Sends an already serialised JSON text. Cached aggregates are kept serialised so that a cache
 * hit costs no JSON.stringify.
 */
export function sendJsonText(event: H3Event, text: string): string {
  event.res.headers.set('content-type', 'application/json;charset=UTF-8')
  return text
}

/** Marks a response as never to be cached (tokens, sign-in messages, private data). */
export function noStore(event: H3Event): void {
  event.res.headers.set('cache-control', 'no-store')
}
