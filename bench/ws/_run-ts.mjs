// Runs a TypeScript file in a plain Node child process (Node 20 cannot strip types): jiti, which unbuild
// (a root dev dependency) already brings, transpiles it on the fly. Usage: node _run-ts.mjs file.ts [args]
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

const require = createRequire(new URL(import.meta.resolve('unbuild')))
const { createJiti } = require('jiti')
const file = process.argv[2]
await createJiti(import.meta.url).import(pathToFileURL(file).href)
