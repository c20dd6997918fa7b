import { afterAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { isCasinoError } from '@fare-casino/core'
import { listAllBets, makeBatch, makeRegister } from '@fare-casino/core/testing'
import { redisStore } from '@fare-casino/adapters/redis'
import { deleteKeys, redisAvailable, redisUrl, uniqueName } from './_services'

const up = await redisAvailable()

/**
 * Pipelined `applyBatch` on Redis beyond the contract suite's part: a batch called while the one before
 * it is still pending is planned against that one's plan and totals, and written right behind it, only
 * at the version that one leaves.
 */
describe.skipIf(!up)('redisStore pipelined batches', () => {
  const admin = new Redis(redisUrl)
  const prefixes: string[] = []
  afterAll(async () => {
    for (const p of prefixes) await deleteKeys(admin, p)
    await admin.quit()
  })
  const open = () => {
    const prefix = `${uniqueName('fare_pipe')}:`
    prefixes.push(prefix)
    return redisStore({ url: redisUrl, prefix })
  }
  const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error)

  it('refuses a pipelined batch when another writer committed between it and the batch before it', async () => {
    const store = open()
    try {
      expect(store.pipelinesBatches).toBe(true)
      await store.ping()
      // Every write script of this store waits until another writer has committed (bumped the version):
      // then `first`, planned before that, is refused and re-plans, and `behind`, planned behind
      // `first`'s refused plan and sent right after it, must not be written either, although the
      // version it finds is a fresh one.
      const client = store.redis as unknown as { sendCommand: (command: { name: string, args: unknown[], promise: Promise<unknown> }, ...rest: unknown[]) => unknown }
      const send = client.sendCommand.bind(client)
      let otherWriter: Promise<unknown> | undefined
      client.sendCommand = (command, ...rest) => {
        const write = (command.name === 'evalsha' || command.name === 'eval') && Number(command.args[1]) === 1
        if (!write) return send(command, ...rest)
        otherWriter ??= admin.incr(`${store.prefix}version`)
        void otherWriter.then(() => send(command, ...rest))
        return command.promise
      }
      const first = makeBatch([makeRegister({ slot: 10 })])
      const behind = makeBatch([makeRegister({ slot: 11 })])
      const [, error] = await Promise.all([store.applyBatch(first), rejection(store.applyBatch(behind))])
      expect(isCasinoError(error) && error.code).toBe('STORE_ERROR')
      expect((error as Error).message).toMatch(/not where the batch before it left it/)
      expect((await listAllBets(store)).map(b => [b.seq, b.registerSlot])).toEqual([[1, 10]])
      await store.applyBatch(behind)
      expect((await listAllBets(store)).map(b => [b.seq, b.registerSlot]).sort()).toEqual([[1, 10], [2, 11]])
    }
    finally {
      await store.close()
    }
  })
})
