import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { securityHeaders } from '../../src/http/middleware/security-headers'
import { startCasino, type TestCasino } from './_harness'

/** Sends `bytes` on a fresh connection and reads everything until the server closes it. */
function exchange(port: number, bytes: string): Promise<{ status: number, headers: Map<string, string>, body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes))
    const chunks: Buffer[] = []
    socket.on('data', chunk => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      const cut = text.indexOf('\r\n\r\n')
      const [statusLine, ...lines] = text.slice(0, cut).split('\r\n')
      const headers = new Map(lines.map(l => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]))
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: text.slice(cut + 4) })
    })
  })
}

describe('requests Node\'s HTTP parser refuses, on casino.listen()', () => {
  let t: TestCasino
  let port: number
  beforeAll(async () => {
    t = await startCasino('app.fetch')
    port = (await t.casino.listen({ port: 0 })).port
  })
  afterAll(() => t.close())

  const cases: [name: string, bytes: () => string, status: number, code: string][] = [
    ['a request line and headers over 16 KiB', () => `GET /api/bets?${'game=coinflip&'.repeat(1300)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
    ['a header value with a control byte', () => 'GET /api/player/profile HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \u0001abc\r\n\r\n', 400, 'BAD_REQUEST'],
    ['Transfer-Encoding and Content-Length together', () => 'POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n', 400, 'BAD_REQUEST'],
    ['a method that is not a token', () => 'G@T / HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'BAD_REQUEST'],
  ]

  it.each(cases)('%s gets a JSON error with the security headers', async (_, bytes, status, code) => {
    const answer = await exchange(port, bytes())
    expect(answer.status).toBe(status)
    expect(answer.headers.get('content-type')).toBe('application/json')
    expect(answer.headers.get('connection')).toBe('close')
    expect(JSON.parse(answer.body)).toEqual({ error: { code, message: expect.any(String) } })
    expect(Number(answer.headers.get('content-length'))).toBe(Buffer.byteLength(answer.body))
    for (const [name, value] of securityHeaders) expect(answer.headers.get(name), name).toBe(value)
  })

  it('answers a bad request after a finished answer on the same keep-alive connection', async () => {
    const socket = connect(port, '127.0.0.1')
    let text = ''
    socket.on('data', (chunk: Buffer) => { text += chunk.toString('latin1') })
    const closed = new Promise(resolve => socket.on('close', resolve))
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n')
    await expect.poll(() => text).toContain('"status":"ok"')
    socket.write('G@T / HTTP/1.1\r\nHost: x\r\n\r\n')
    await closed
    expect(text.match(/HTTP\/1\.1 \d+/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 400'])
    expect(text.slice(text.lastIndexOf('\r\n\r\n') + 4)).toBe('{"error":{"code":"BAD_REQUEST","message":"malformed HTTP request"}}')
  })
})
