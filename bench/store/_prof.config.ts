import { defineConfig } from 'vitest/config'
import bench from './vitest.config'

/** bench/store under `node --cpu-prof` (profiles in $PROF_DIR, default /tmp/fare-store-prof). */
export default defineConfig({ ...bench, test: { ...bench.test, execArgv: ['--cpu-prof', `--cpu-prof-dir=${process.env.PROF_DIR ?? '/tmp/fare-store-prof'}`] } })
