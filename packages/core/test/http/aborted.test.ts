import { connect } from 'node:net'
import { createConsola } from 'consola'
import { afterEach, expect, it } from 'vitest'
import { startCasino, type TestCasino } from './_harness'

let t: TestCasino | undefined
afterEach(async () => {
  await t?.close()
  t = undefined
})

/** Sends `head` and part of a body that `Content-Length` says is longer, then hangs up. */
async function hangUpMidBody(url: string, head: string, part: string): Promise<void> {
  const { hostname, port } = new URL(url)
  const socket = connect(Number(port), hostname)
  await new Promise(resolve => socket.once('connect', resolve))
  socket.write(`${head}Content-Length: ${part.length + 40}\r\n\r\n${part}`)
  await new Promise(resolve => setTimeout(resolve, 50))
  socket.destroy()
}

it('takes a client hanging up in the middle of its body as no error of ours, and keeps serving', async () => {
  const logged: { type: string, args: unknown[] }[] = []
  const logger = createConsola({ level: 5, reporters: [{ log: entry => void logged.push({ type: entry.type, args: entry.args }) }] })
  t = await startCasino('app.fetch', { logger })
  const url = (await t.casino.listen({ port: 0 })).url
  const token = await t.signIn(t.owner)
  await hangUpMidBody(url, 'POST /api/auth/signin HTTP/1.1\r\nHost: casino.test\r\nContent-Type: application/json\r\n', '{"walletAddres')
  await hangUpMidBody(url, `POST /api/chat HTTP/1.1\r\nHost: casino.test\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n`, '{"message":"hel')
  const seen = () => logged.filter(l => l.args[0] === 'client hung up while sending the request').length
  for (let i = 0; i < 100 && seen() < 2; i++) await new Promise(resolve => setTimeout(resolve, 10))
  // Before, each was logged at error level as "request failed" (an internal 500 that nobody received).
  expect(logged.filter(l => l.type === 'error')).toEqual([])
  expect(seen()).toBe(2)
  expect(await t.store.listChat({ limit: 10 })).toEqual([])
  expect((await fetch(`${url}/health`)).status).toBe(200)
})
