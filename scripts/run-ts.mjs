// Runs a TypeScript file in a plain Node child process (Node 20 cannot strip types) with jiti, which
// unbuild (a root dev dependency) brings. Workspace packages resolve to their sources, as in vitest, so
// a child process runs the same code as the test that spawned it.
// Usage: node scripts/run-ts.mjs file.ts [args]
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

const require = createRequire(new URL(import.meta.resolve('unbuild')))
const { createJiti } = require('jiti')
const src = path => fileURLToPath(new URL(`../packages/${path}`, import.meta.url))
const jiti = createJiti(import.meta.url, {
  alias: {
    '@fare-casino/core/store': src('core/src/store/index.ts'),
    '@fare-casino/core/testing': src('core/src/testing/index.ts'),
    '@fare-casino/core': src('core/src/index.ts'),
    '@fare-casino/adapters/sqlite': src('adapters/src/sqlite/index.ts'),
    '@fare-casino/adapters/postgres': src('adapters/src/postgres/index.ts'),
    '@fare-casino/adapters/redis': src('adapters/src/redis/index.ts'),
    '@fare-casino/localnet': src('localnet/src/index.ts'),
  },
})
await jiti.import(pathToFileURL(process.argv[2]).href)
