#!/usr/bin/env node
/**
 * fare-localnet: run the localnet from a shell.
 *   fare-localnet --port 8899 --seed 1 --bot-rate 5 --bot-players 20 --host <wallet> [--json]
 */
import { parseArgs } from 'node:util'
import { startLocalnet } from './localnet'

const { values } = parseArgs({
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

if (values.help) {
  process.stdout.write(
    'Usage: fare-localnet [--port 8899] [--bind 127.0.0.1] [--seed 1] [--slot-ms 400] [--resolve-delay-ms 400]\n' +
      '                     [--bot-rate <bets/s> --bot-players <n> --host <wallet>] [--error-rate <0..1>] [--json]\n',
  )
  process.exit(0)
}

const num = (v: string | undefined) => (v === undefined ? undefined : Number(v))
const net = await startLocalnet({
  port: Number(values.port),
  host: values.bind,
  seed: Number(values.seed),
  ...(values['slot-ms'] ? { slotMs: num(values['slot-ms']) } : {}),
  ...(values['resolve-delay-ms'] ? { resolveDelayMs: num(values['resolve-delay-ms']) } : {}),
  ...(values['error-rate'] ? { faults: { errorRate: num(values['error-rate']) } } : {}),
})

const botRate = Number(values['bot-rate'])
let host = values.host
if (botRate > 0) {
  // Without --host the bot plays for a generated casino wallet, printed below.
  host ??= (await net.createPlayer()).publicKey
  net.startBot({ betsPerSecond: botRate, players: Number(values['bot-players']), host })
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
    ...(host ? [`  host       ${host}`, `  bot        ${botRate} bets/s, ${values['bot-players']} players`] : []),
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
