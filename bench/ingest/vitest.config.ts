import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import root from '../../vitest.config'

/**
 * The ingest benchmark runs under vitest only to load the TypeScript sources (with the workspace
 * aliases) without a build step; it asserts correctness of the run, never speed.
 */
export default defineConfig({
  ...root,
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    ...root.test,
    include: ['bench/ingest/ingest-bench.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 3_600_000,
    pool: 'forks',
    fileParallelism: false,
  },
})
