/**
 * The `fare-localnet` command in a process of its own (its sources, through scripts/run-ts.mjs, as the
 * package's bin runs its build): it serves the RPC it prints, its bot places bets, SIGTERM ends it
 * cleanly, and bad flags get one line and exit 2.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, expect, it } from 'vitest'

const runner = fileURLToPath(new URL('../../../scripts/run-ts.mjs', import.meta.url))
const command = fileURLToPath(new URL('./_cli-child.ts', import.meta.url))
const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
})

/** Runs the command; resolves with its exit code and output once it ends. */
function run(args: string[]): { child: ChildProcess, firstLine: Promise<string>, done: Promise<{ code: number | null, stdout: string, stderr: string }> } {
  const child = spawn(process.execPath, [runner, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk
  })
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk
      if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')))
    })
    child.once('exit', () => reject(new Error(`exited before printing: ${stderr}`)))
  })
  firstLine.catch(() => {})
  const done = new Promise<{ code: number | null, stdout: string, stderr: string }>((resolve) => {
    child.once('exit', code => resolve({ code, stdout, stderr }))
  })
  return { child, firstLine, done }
}

const rpc = async (url: string, method: string, params: unknown[] = []) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
  return ((await res.json()) as { result: unknown }).result
}

it('serves the RPC it prints, with a bot placing bets, and ends cleanly on SIGTERM', async () => {
  const cli = run(['--port', '0', '--json', '--bot-rate', '20', '--bot-players', '3', '--slot-ms', '50', '--resolve-delay-ms', '20'])
  const info = JSON.parse(await cli.firstLine) as { rpcUrl: string, wsUrl: string, programId: string, host: string, games: { id: string }[] }
  expect(info.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  expect(info.host).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/)
  expect(info.games.length).toBeGreaterThan(0)
  expect(await rpc(info.rpcUrl, 'getHealth')).toBe('ok')
  // The bot's bets: registers and resolves of the vault.
  const deadline = Date.now() + 20_000
  let listed: unknown[] = []
  while (listed.length < 6 && Date.now() < deadline) {
    listed = await rpc(info.rpcUrl, 'getSignaturesForAddress', [info.programId, { commitment: 'confirmed' }]) as unknown[]
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  expect(listed.length).toBeGreaterThanOrEqual(6)
  cli.child.kill('SIGTERM')
  expect((await cli.done).code).toBe(0)
})

it('refuses bad flags with one line naming the flag and exit code 2', async () => {
  for (const [args, says] of [
    [['--port', 'abc'], '--port must be a whole number'],
    // The WebSocket would need port 65536.
    [['--port', '65535'], '--port must be a whole number from 0 to 65534'],
    [['--error-rate', '2'], '--error-rate must be a number from 0 to 1'],
    [['--bot-rate', '5', '--host', 'not-a-wallet'], '--host must be a wallet address'],
    [['--nope'], "Unknown option '--nope'"],
  ] as const) {
    const { code, stderr } = await run([...args]).done
    expect(code, args.join(' ')).toBe(2)
    expect(stderr.split('\n')[0], args.join(' ')).toContain(says)
    expect(stderr).not.toMatch(/\n\s+at /)
  }
})

it('says in one line that the port is taken', async () => {
  const first = run(['--port', '0', '--json'])
  const { rpcUrl } = JSON.parse(await first.firstLine) as { rpcUrl: string }
  const port = new URL(rpcUrl).port
  const { code, stderr } = await run(['--port', port]).done
  expect(code).toBe(1)
  expect(stderr).toContain(`fare-localnet: cannot listen on 127.0.0.1:${port}`)
  expect(stderr).not.toMatch(/\n\s+at /)
})

it('binds an IPv6 address and prints URLs that work', async () => {
  const cli = run(['--port', '0', '--json', '--bind', '::1'])
  const { rpcUrl, wsUrl } = JSON.parse(await cli.firstLine) as { rpcUrl: string, wsUrl: string }
  expect(rpcUrl).toMatch(/^http:\/\/\[::1\]:\d+$/)
  expect(wsUrl).toMatch(/^ws:\/\/\[::1\]:\d+$/)
  expect(await rpc(rpcUrl, 'getHealth')).toBe('ok')
  cli.child.kill('SIGTERM')
  expect((await cli.done).code).toBe(0)
})
