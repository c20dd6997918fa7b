import { defineConfig, mergeConfig } from 'vitest/config'
import base from './vitest.config'
export default mergeConfig(base, defineConfig({ test: { execArgv: (process.env.FLAGS ?? '').split(' ').filter(Boolean) } }))
