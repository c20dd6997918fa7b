// Child of keys.test.ts: makes signers in a small young generation, so that GCs are frequent.
import { randomSigner } from '../src/keys'

// argv: node, scripts/run-ts.mjs, this file, count
const count = Number(process.argv[3] ?? 20_000)
for (let i = 0; i < count; i++) randomSigner()
process.stdout.write('ok\n')
