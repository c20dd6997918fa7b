import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import * as core from '@fare-casino/core'
import * as store from '@fare-casino/core/store'

const entry = fileURLToPath(new URL('../src/store/index.ts', import.meta.url))

/**
 * The modules a file loads at run time, found by reading it: relative imports are followed, the rest
 * (packages and node: builtins) collected. `import type` and `export type` lines load nothing.
 */
function runtimeImports(file: string, seen = new Set<string>(), packages = new Set<string>()): Set<string> {
  if (seen.has(file)) return packages
  seen.add(file)
  const source = readFileSync(file, 'utf8')
  for (const match of source.matchAll(/^(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm)) {
    const specifier = (match[1] ?? match[2])!
    if (specifier.startsWith('.')) runtimeImports(resolve(dirname(file), `${specifier}.ts`), seen, packages)
    else packages.add(specifier)
  }
  return packages
}

it('exports the store contract from @fare-casino/core/store, the same functions as the package root', () => {
  expect(Object.keys(store).sort()).toEqual([
    'CasinoError', 'applyOverlay', 'batchKeys', 'decodeBetCursor', 'decodeFees', 'encodeBetCursor', 'encodeFees', 'errorStatus', 'feesOfPairs', 'hourOf', 'ignoredEventsReport',
    'isCasinoError', 'isChatMessageId', 'isChatPosition', 'overlayOf', 'packBatchResult', 'packTransactions', 'planBatch', 'rankLeaderboard', 'settleBet', 'unpackBatchResult', 'unpackEvents', 'unpackTransaction',
    'windowStartHour', 'withDelta', 'zeroTotals',
  ])
  for (const [name, value] of Object.entries(store)) expect(core[name as keyof typeof core], name).toBe(value)
})

it('loads no package at all: a writer thread that imports it does not load the server', () => {
  // The SQLite writer thread imports this entry; the whole package costs ~150 ms of CPU per thread start.
  // Node's own modules are part of the binary: loading one costs nothing worth counting.
  expect([...runtimeImports(entry)].filter(name => !name.startsWith('node:'))).toEqual([])
})

it('sees the imports it must follow (the check above can fail)', () => {
  const packages = runtimeImports(fileURLToPath(new URL('../src/casino.ts', import.meta.url)))
  expect(packages.has('node:http')).toBe(true)
})
