import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const project = fileURLToPath(new URL('./exact-optional/tsconfig.json', import.meta.url))

// TypeScript 5.9's `tsc --init` turns `exactOptionalPropertyTypes` on: an option typed `?: string` then
// refuses `process.env.X` (`string | undefined`), and the README's first example did not compile. Checked
// against the built declarations (`pnpm build`), as a user's project sees them.
it('compiles the README example with exactOptionalPropertyTypes against the built declarations', async () => {
  const run = await promisify(execFile)(process.execPath, [tsc, '-p', project], { encoding: 'utf8' }).catch((error: { stdout: string, stderr: string }) => error)
  expect(`${run.stdout}${run.stderr}`).toBe('')
}, 60_000)
