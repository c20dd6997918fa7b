/** The request headers {@link clientIp} reads: a web `Headers`, or anything with the same `get`. */
export interface HeaderReader {
  get(name: string): string | null | undefined
}

/**
 * True when this process runs on a Fly.io Machine: Fly sets `FLY_MACHINE_ID` in every Machine's
 * environment, and its proxy sets `Fly-Client-IP` on every request, overwriting what a client sent.
 */
export function runsOnFly(env: Record<string, string | undefined> | undefined = globalThis.process?.env): boolean {
  return Boolean(env?.FLY_MACHINE_ID)
}

/**
 * The client's IP, for per-IP rate limits and connection caps, over HTTP and WebSocket alike.
 *
 * Proxy headers are believed only with `trustProxy`, since any client can send them. Then, on a Fly.io
 * Machine (`onFly`), `Fly-Client-IP` wins: Fly's proxy sets it and overwrites whatever the client sent.
 * Anywhere else a proxy (nginx, a load balancer) passes that header through as the client wrote it, so
 * it is not read. Otherwise the RIGHTMOST `X-Forwarded-For` entry: proxies append the address they saw,
 * so the last entry is the one our own (trusted) proxy wrote, while the first is whatever the client
 * chose to send. Else the socket's address.
 */
export function clientIp(headers: HeaderReader | null | undefined, remoteAddress: string | null | undefined, trustProxy: boolean, onFly: boolean = runsOnFly()): string {
  if (trustProxy && headers) {
    const fly = onFly ? headers.get('fly-client-ip')?.trim() : undefined
    if (fly) return fly
    const forwarded = headers.get('x-forwarded-for')
    if (forwarded) {
      const last = forwarded.slice(forwarded.lastIndexOf(',') + 1).trim()
      if (last) return last
    }
  }
  return remoteAddress || 'unknown'
}
