// The playground: a casino on SQLite, fed by a local Fare Vault RPC (the localnet) and a betting bot.
// Run it from the repository root with `pnpm playground` (it builds the packages first).
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createCasino } from '@fare-casino/core'
import { sqliteStore } from '@fare-casino/adapters/sqlite'
import { startLocalnet } from '@fare-casino/localnet'

const here = dirname(fileURLToPath(import.meta.url))
const dataDir = join(here, '.data')
const port = Number(process.env.PORT ?? 3000)
const rpcPort = Number(process.env.RPC_PORT ?? 8899)
const betsPerSecond = Number(process.env.BETS_PER_SECOND ?? 5)

mkdirSync(dataDir, { recursive: true })
// The localnet's chain lives in memory, so the casino's database starts afresh with it every run.
const dbFile = join(dataDir, 'casino.db')
for (const suffix of ['', '-wal', '-shm']) rmSync(dbFile + suffix, { force: true })

const localnet = await startLocalnet({ port: rpcPort, seed: 1 })
// The owner wallet is the casino's host: the bot's trials pay its host account, which is how the
// indexer knows they belong to this casino. It is kept so that owner-only endpoints can be tried.
const owner = loadOrCreateOwner(join(dataDir, 'owner-keypair.json'))

const casino = createCasino({
  name: 'Playground Casino',
  slug: 'playground',
  ownerWallet: owner,
  network: 'localnet',
  rpcUrl: localnet.rpcUrl,
  wsUrl: localnet.wsUrl,
  store: sqliteStore({ file: dbFile }),
  games: localnet.games,
  auth: { domain: `localhost:${port}`, uri: `http://localhost:${port}` },
})
await casino.ready
const server = await casino.listen({ port, host: '127.0.0.1' })
const bot = localnet.startBot({ betsPerSecond, players: 20, host: owner })

console.log(`
  fare casino playground

  casino     http://localhost:${port}      (SQLite: ${dbFile})
  live       ws://localhost:${port}/ws
  localnet   ${localnet.rpcUrl}   program ${localnet.programId}
  owner      ${owner}
  bot        ${betsPerSecond} bets/s from 20 players

  try        curl http://localhost:${port}/api/bets/recent
             curl http://localhost:${port}/api/casino/stats
             curl http://localhost:${port}/health/ready
`)

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  bot.stop()
  await server.close()
  await casino.close()
  await localnet.close()
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)

/**
 * The owner's ed25519 keypair, kept in `file` between runs in the Solana CLI's format (a JSON array of
 * the 32-byte seed then the 32-byte public key), so a wallet can import it and sign in as the owner.
 */
function loadOrCreateOwner(file) {
  if (!existsSync(file)) {
    // DER, not JWK: Node 20 can deadlock exporting a JWK (see packages/localnet/src/keys.ts).
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32)
    const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32)
    writeFileSync(file, JSON.stringify([...seed, ...pub]), { mode: 0o600 })
  }
  const bytes = Uint8Array.from(JSON.parse(readFileSync(file, 'utf8')))
  return toBase58(bytes.subarray(32))
}

function toBase58(bytes) {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex')}`)
  let out = ''
  while (n > 0n) {
    out = alphabet[Number(n % 58n)] + out
    n /= 58n
  }
  for (const byte of bytes) {
    if (byte !== 0) break
    out = `1${out}`
  }
  return out
}
