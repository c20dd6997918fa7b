// The README's example as a user's project compiles it: with `exactOptionalPropertyTypes` (which
// `tsc --init` turns on since TypeScript 5.9) and the built packages' declarations. Settings read from
// the environment are `string | undefined`; an unset one must read as "not given".
import { createCasino } from '@fare-casino/core'
import { sqliteStore } from '@fare-casino/adapters/sqlite'

const casino = createCasino({
  name: 'My Casino',
  slug: 'my-casino',
  ownerWallet: 'YourOwnerWalletBase58',
  network: 'mainnet-beta',
  rpcUrl: process.env.SOLANA_RPC_URL,
  wsUrl: process.env.SOLANA_WS_URL,
  store: sqliteStore({ file: './casino.db' }),
  auth: { jwtSecret: process.env.JWT_SECRET, domain: process.env.DOMAIN, uri: process.env.PUBLIC_URL, statement: process.env.STATEMENT },
  cors: { origin: process.env.CORS_ORIGIN },
  rateLimit: { max: process.env.RATE_MAX ? Number(process.env.RATE_MAX) : undefined, chat: { max: undefined } },
  indexer: { wsUrl: process.env.SOLANA_WS_URL, pollInterval: undefined, decodeThread: undefined },
  realtime: { path: process.env.WS_PATH, historySize: undefined },
})

await casino.close()
