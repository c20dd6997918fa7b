import type { H3Event } from 'h3'

/**
 * helmet's defaults, tightened for a JSON API: nothing the API returns is a document, so the CSP
 * forbids everything and framing is denied outright.
 */
export const securityHeaders: ReadonlyArray<readonly [string, string]> = [
  ['content-security-policy', "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"],
  ['cross-origin-opener-policy', 'same-origin'],
  ['cross-origin-resource-policy', 'same-origin'],
  ['origin-agent-cluster', '?1'],
  ['referrer-policy', 'no-referrer'],
  ['strict-transport-security', 'max-age=31536000; includeSubDomains'],
  ['x-content-type-options', 'nosniff'],
  ['x-dns-prefetch-control', 'off'],
  ['x-download-options', 'noopen'],
  ['x-frame-options', 'DENY'],
  ['x-permitted-cross-domain-policies', 'none'],
  ['x-xss-protection', '0'],
]

/**
 * Sets the security headers on the event's response headers. h3 merges those into handler results
 * and into the error bodies our `onError` returns, so every response carries them.
 */
export function applySecurityHeaders(event: H3Event): void {
  const headers = event.res.headers
  for (const [name, value] of securityHeaders) headers.set(name, value)
}
