import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import root from '../../vitest.config'

/**
 * The API benchmark runs under vitest only to load the TypeScript sources (with the workspace
 * aliases) without a build step; it asserts nothing about speed. The load comes from another process.
 */
export default defineConfig({
  ...root,
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    ...root.test,
    include: ['bench/api/api-bench.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 3_600_000,
    pool: 'forks',
    fileParallelism: false,
    // Quiet: only errors from the casino's logger while measuring.
    env: { CONSOLA_LEVEL: '1' },
  },
})
