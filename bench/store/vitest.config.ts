import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import root from '../../vitest.config'

/**
 * The store ingest benchmark runs under vitest only to load the TypeScript sources (with the workspace
 * aliases) without a build step; it asserts nothing about speed. Stores run one after another.
 */
export default defineConfig({
  ...root,
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    ...root.test,
    include: ['bench/store/store-bench.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 3_600_000,
    pool: 'forks',
    fileParallelism: false,
    // Quiet: only errors from the casino's logger while measuring.
    env: { CONSOLA_LEVEL: '1' },
  },
})
