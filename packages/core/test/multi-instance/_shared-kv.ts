import { createStorage, type Storage } from 'unstorage'
import redisDriver from 'unstorage/drivers/redis'
import { redisUrl } from '../../../adapters/test/_services'
import { type Casino, type CasinoServer, createCasino } from '../../src/casino'
import type { CasinoConfig } from '../../src/config'
import { createWallet } from '../http/_harness'

/**
 * Instances of one casino behind a load balancer, as docs/deployment.md runs them: one JWT secret and a
 * Redis-backed kv under `base` shared by all, and `config()` for what else each one gets (its own store
 * connection, say). `start()` serves one more; `close()` closes them all and clears the kv.
 */
export function sharedKvInstances(base: string, config: () => Partial<CasinoConfig> = () => ({})) {
  const kvs: Storage[] = []
  const casinos: Casino[] = []
  return {
    casinos,
    async start(): Promise<CasinoServer> {
      const kv = createStorage({ driver: redisDriver({ url: redisUrl, base }) })
      kvs.push(kv)
      const casino = createCasino({
        name: 'Shared Casino',
        ownerWallet: createWallet().address,
        kv,
        auth: { jwtSecret: 'shared-secret-of-two-instances-32-bytes!', domain: 'casino.test', uri: 'https://casino.test' },
        ...config(),
      })
      casinos.push(casino)
      await casino.ready
      return casino.listen({ port: 0 })
    },
    async close(): Promise<void> {
      await Promise.all(casinos.map(c => c.close()))
      for (const kv of kvs) {
        await kv.clear()
        await kv.dispose()
      }
    },
  }
}
