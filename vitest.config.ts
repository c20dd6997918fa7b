import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url))

/** Tests run against the TypeScript sources, so a test never sees a stale build. */
export default defineConfig({
  resolve: {
    alias: [
      { find: '@fare-casino/core/store', replacement: src('./packages/core/src/store/index.ts') },
      { find: '@fare-casino/core/testing', replacement: src('./packages/core/src/testing/index.ts') },
      { find: '@fare-casino/core', replacement: src('./packages/core/src/index.ts') },
      { find: /^@fare-casino\/adapters\/(sqlite|postgres|redis)$/, replacement: src('./packages/adapters/src/$1/index.ts') },
      { find: '@fare-casino/localnet', replacement: src('./packages/localnet/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
})
