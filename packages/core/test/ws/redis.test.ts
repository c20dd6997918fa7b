import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisHistory } from '../../src/ws/redis-history'
import { makeBet, startServer, TestClient } from './_harness'
import { redisPubSub } from '@fare-casino/adapters/redis'
import { redisClient } from './_redis'

const prefix = `fare:test:${process.pid}:${Date.now()}:`
let child: ChildProcess
let childPort = 0
const cleanup = redisClient()

beforeAll(async () => {
  const runner = fileURLToPath(new URL('../../../../scripts/run-ts.mjs', import.meta.url))
  const instance = fileURLToPath(new URL('./_instance.ts', import.meta.url))
  child = spawn(process.execPath, [runner, instance, prefix], { stdio: ['ignore', 'pipe', 'inherit'] })
  childPort = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk) => {
      out += String(chunk)
      const line = out.split('\n')[0]
      if (out.includes('\n')) resolve(JSON.parse(line!).port)
    })
    child.once('exit', code => reject(new Error(`instance exited with ${code}`)))
  })
})

afterAll(async () => {
  child?.kill()
  await cleanup.del(`${prefix}epoch`, `${prefix}offset`, `${prefix}history`, `${prefix}appended`)
  await cleanup.quit()
})

describe('two processes over Redis', () => {
  it('delivers an event committed in process A to a client of process B, and resumes on either', async () => {
    const pubsub = redisPubSub({ url: 'redis://127.0.0.1:6379' })
    const historyClient = redisClient()
    const a = await startServer({ channel: `${prefix}events` }, { pubsub, history: redisHistory({ client: historyClient, prefix }) })
    try {
      const onB = await TestClient.connect(`ws://127.0.0.1:${childPort}/ws`)
      const hello = await onB.take('connection.established')
      onB.send({ type: 'subscribe', channels: ['bets'] })
      await onB.take('subscribed')
      const start = hello.data.offset as number
      for (let i = 1; i <= 3; i++) a.events.emit('bet.placed', makeBet({ id: `redis-${i}` }))
      await onB.take(m => m.data?.id === 'redis-3')
      expect(onB.events().map(e => [e.data.id, e.offset])).toEqual([['redis-1', start + 1], ['redis-2', start + 2], ['redis-3', start + 3]])
      expect(onB.events()[0]!.data.wager).toBe(makeBet().wager.toString())
      onB.ws.terminate()

      // Missed while away, then resumed on the OTHER process (A) from B's position: same epoch, same offsets.
      for (let i = 4; i <= 6; i++) a.events.emit('bet.placed', makeBet({ id: `redis-${i}` }))
      await a.realtime.flush()
      const onA = await TestClient.connect(a.url)
      await onA.take('connection.established')
      onA.send({ type: 'subscribe', channels: ['bets'], since: { epoch: hello.data.epoch, offset: start + 3 } })
      expect((await onA.take('subscribed')).data.recovered).toBe(true)
      a.events.emit('bet.placed', makeBet({ id: 'redis-7' }))
      await onA.take(m => m.data?.id === 'redis-7')
      expect(onA.events().map(e => e.data.id)).toEqual(['redis-4', 'redis-5', 'redis-6', 'redis-7'])
      onA.ws.terminate()
    }
    finally {
      await a.close()
      await pubsub.close()
      await historyClient.quit()
    }
  })
})
