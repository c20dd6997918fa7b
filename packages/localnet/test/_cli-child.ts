// Runs src/cli.ts as the `fare-localnet` command runs its build, with the flags given after this file:
// the test exercises the sources, never a stale build. Usage: run-ts.mjs _cli-child.ts [flags]
process.argv.splice(2, 1)
await import('../src/cli')

export {}
