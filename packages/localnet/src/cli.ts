#!/usr/bin/env node
/**
 * fare-localnet: run the localnet from a shell.
 *   fare-localnet --port 8899 --seed 1 --bot-rate 5 --bot-players 20 --host <wallet> [--json]
 */
import { parseArgs } from 'node:util'
import bs58 from 'bs58'
import { startLocalnet } from './localnet'

const usage = 'Usage: fare-localnet [--port 8899] [--bind 127.0.0.1] [--seed 1] [--slot-ms 400] [--resolve-delay-ms 400]\n'
  + '                     [--bot-rate <bets/s> --bot-players <n> --host <wallet>] [--error-rate <0..1>] [--json]\n'

/** Bad input: one line naming the flag, the usage, exit code 2 (never a stack trace). */
function fail(message: string): never {
  process.stderr.write(`fare-localnet: ${message}\n${usage}`)
  process.exit(2)
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        port: { type: 'string', default: '8899' },
        bind: { type: 'string', default: '127.0.0.1' },
        seed: { type: 'string', default: '1' },
        'slot-ms': { type: 'string' },
        'resolve-delay-ms': { type: 'string' },
        'bot-rate': { type: 'string', default: '0' },
        'bot-players': { type: 'string', default: '10' },
        host: { type: 'string' },
        'error-rate': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    })
  }
  catch (error) {
    // An unknown flag or a missing value, in parseArgs' words.
    return fail((error as Error).message)
  }
})()

if (values.help) {
  process.stdout.write(usage)
  process.exit(0)
}

/** `--flag`'s value as a number within [min, max] (a whole one unless `fraction`), or undefined when not given. */
function numberOf(flag: keyof typeof values, min: number, max: number, fraction = false): number | undefined {
  const text = values[flag] as string | undefined
  if (text === undefined) return undefined
  const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN
  if (!(value >= min && value <= max) || (!fraction && !Number.isInteger(value))) {
    fail(`--${flag} must be a ${fraction ? 'number' : 'whole number'} from ${min} to ${max}, got ${JSON.stringify(text)}`)
  }
  return value
}

// The WebSocket takes the next port.
const port = numberOf('port', 0, 65_534)!
const seed = numberOf('seed', 0, 2 ** 32 - 1)!
const slotMs = numberOf('slot-ms', 1, 60_000)
const resolveDelayMs = numberOf('resolve-delay-ms', 0, 600_000)
const errorRate = numberOf('error-rate', 0, 1, true)
const botRate = numberOf('bot-rate', 0, 10_000, true)!
const botPlayers = numberOf('bot-players', 1, 10_000)!
if (values.host !== undefined && bs58.decodeUnsafe(values.host)?.length !== 32) {
  fail(`--host must be a wallet address (32 bytes in base58), got ${JSON.stringify(values.host)}`)
}

const net = await startLocalnet({
  port,
  host: values.bind,
  seed,
  ...(slotMs !== undefined ? { slotMs } : {}),
  ...(resolveDelayMs !== undefined ? { resolveDelayMs } : {}),
  ...(errorRate !== undefined ? { faults: { errorRate } } : {}),
}).catch((error: unknown): never => {
  // A port in use (or a --bind address this machine does not have): said in one line.
  process.stderr.write(`fare-localnet: cannot listen on ${values.bind}:${port} (and ${port === 0 ? 'a free port' : port + 1} for the WebSocket): ${(error as Error).message}\n`)
  process.exit(1)
})

let host = values.host
if (botRate > 0) {
  // Without --host the bot plays for a generated casino wallet, printed below.
  host ??= (await net.createPlayer()).publicKey
  net.startBot({ betsPerSecond: botRate, players: botPlayers, host })
}

const info = {
  rpcUrl: net.rpcUrl,
  wsUrl: net.wsUrl,
  programId: net.programId,
  host: host ?? null,
  accounts: net.accounts,
  games: net.games.map((g) => ({ id: g.id, name: g.name, extraDataHash: g.extraDataHash, qk: g.qk })),
}
if (values.json) process.stdout.write(`${JSON.stringify(info)}\n`)
else {
  const lines = [
    `fare-localnet listening`,
    `  rpcUrl     ${info.rpcUrl}`,
    `  wsUrl      ${info.wsUrl}`,
    `  programId  ${info.programId}`,
    `  mint       ${info.accounts.mint}`,
    ...(host ? [`  host       ${host}`, `  bot        ${botRate} bets/s, ${botPlayers} players`] : []),
    `  games`,
    ...info.games.map((g) => `    ${g.id.padEnd(10)} ${g.name.padEnd(22)} ${g.extraDataHash}`),
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
}

const shutdown = () => {
  void net.close().then(() => process.exit(0))
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
