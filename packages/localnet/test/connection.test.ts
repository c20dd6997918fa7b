import { Connection, PublicKey } from '@solana/web3.js'
import bs58 from 'bs58'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeEvent, FARE_VAULT_PROGRAM_ID, startLocalnet, type Localnet, type LocalnetPlayer } from '../src/index'

let net: Localnet
let conn: Connection
let player: LocalnetPlayer
let host: string
const program = new PublicKey(FARE_VAULT_PROGRAM_ID)

/** Fare Vault `Program data:` payloads of a log, tracking which program's frame is open. */
function vaultEvents(logs: string[]) {
  const stack: string[] = []
  const out = []
  for (const line of logs) {
    const invoke = /^Program (\w+) invoke \[\d+\]$/.exec(line)
    if (invoke) stack.push(invoke[1]!)
    else if (/^Program \w+ (success|failed: .*)$/.test(line)) stack.pop()
    else if (line.startsWith('Program data: ') && stack.at(-1) === FARE_VAULT_PROGRAM_ID) {
      for (const b64 of line.slice(14).split(' ')) out.push(decodeEvent(b64))
    }
  }
  return out
}

beforeAll(async () => {
  net = await startLocalnet({ seed: 7, slotMs: 50, resolveDelayMs: 30, finalizedLagSlots: 2 })
  // No wsEndpoint: web3.js finds the WebSocket on the RPC port + 1, as on a real node.
  conn = new Connection(net.rpcUrl, { commitment: 'confirmed' })
  expect(net.wsUrl).toBe(net.rpcUrl.replace(/^http:(.*):(\d+)$/, (_, h: string, p: string) => `ws:${h}:${Number(p) + 1}`))
  player = await net.createPlayer()
  host = (await net.createPlayer()).publicKey
})
afterAll(async () => {
  await net.close()
})

describe('web3.js Connection against the localnet', () => {
  it('getSlot, getBlockTime, getLatestBlockhash, getHealth-like calls, getVersion', async () => {
    await new Promise((r) => setTimeout(r, 200))
    // finalized first: slots only move forward, so the confirmed slot read after it is >= 2 ahead.
    const finalized = await conn.getSlot('finalized')
    const confirmed = await conn.getSlot('confirmed')
    expect(confirmed).toBeGreaterThanOrEqual(3)
    expect(confirmed - finalized).toBeGreaterThanOrEqual(2)
    const t = await conn.getBlockTime(finalized)
    expect(Math.abs(t! - Date.now() / 1000)).toBeLessThan(60)
    const { context, value: bh } = await conn.getLatestBlockhashAndContext('finalized')
    expect(bh.blockhash).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/)
    expect(context.slot).toBeGreaterThanOrEqual(finalized)
    expect(bh.lastValidBlockHeight).toBe(context.slot + 150)
    const v = await conn.getVersion()
    expect(v['solana-core']).toBe('4.1.1')
    expect(await conn.getBalance(new PublicKey(player.publicKey))).toBe(1_000_000_000_000)
  })

  it('getTransaction (json, v0, jsonParsed) for a bet and its resolution', async () => {
    const bet = await net.placeBet({ player, wager: 25_000_000n, game: 'coinFlip', host, jackpot: true })
    const v0 = await net.placeBet({ player, wager: 5_000_000n, game: 'dice', host, version: 0 })
    await net.waitForIdle()
    const tx = await conn.getTransaction(bet.signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 })
    expect(tx).not.toBeNull()
    expect(tx!.version).toBe('legacy')
    expect(tx!.transaction.signatures[0]).toBe(bet.signature)
    const keys = tx!.transaction.message.staticAccountKeys.map((k) => k.toBase58())
    const ix = tx!.transaction.message.compiledInstructions[0]!
    expect(keys[ix.programIdIndex]).toBe(FARE_VAULT_PROGRAM_ID)
    expect(keys[ix.accountKeyIndexes[2]!]).toBe(bet.trialId)
    const hostTokenIndex = ix.accountKeyIndexes[5]!
    const hostBalance = tx!.meta!.postTokenBalances!.find((b) => b.accountIndex === hostTokenIndex)!
    expect(hostBalance.owner).toBe(host)
    expect(hostBalance.mint).toBe(net.accounts.mint)
    const events = vaultEvents(tx!.meta!.logMessages!)
    const reg = events.find((e) => e?.name === 'TrialRegistered')
    expect(reg?.fields).toMatchObject({ trialId: bet.trialId, who: player.publicKey, multiplier: 25_000_000n, extraDataHash: net.games[0]!.extraDataHash })
    expect(events.filter((e) => e?.name === 'FeeCharged')).toHaveLength(3)
    expect(tx!.meta!.innerInstructions!.length).toBe(1)
    expect(tx!.meta!.computeUnitsConsumed).toBeGreaterThan(0)

    // v0 needs maxSupportedTransactionVersion; web3.js surfaces -32015 otherwise.
    await expect(conn.getTransaction(v0.signature, { commitment: 'confirmed' } as never)).rejects.toThrow(/-32015|not supported/)
    const t0 = await conn.getTransaction(v0.signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 })
    expect(t0!.version).toBe(0)
    expect(t0!.meta!.loadedAddresses!.writable.length + t0!.meta!.loadedAddresses!.readonly.length).toBeGreaterThan(0)

    const parsed = await conn.getParsedTransaction(bet.signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 })
    const inner = parsed!.meta!.innerInstructions![0]!.instructions
    expect(inner.some((i) => 'parsed' in i && i.program === 'spl-token' && i.parsed.type === 'transfer')).toBe(true)
    expect(parsed!.transaction.message.accountKeys[0]!.signer).toBe(true)

    const outcome = net.trial(bet.trialId)!
    const res = await conn.getTransaction(outcome.signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 })
    const resolved = vaultEvents(res!.meta!.logMessages!)
    expect(resolved[0]).toMatchObject({ name: 'TrialResolved', fields: { trialId: bet.trialId, resultIndex: BigInt(outcome.resultIndex) } })
    expect(resolved.map((e) => e?.name)).toEqual(['TrialResolved', 'PoolAccumulatedAmountUpdated', 'PoolAccumulatedAmountReleased'])
    expect(resolved[2]!.fields).toMatchObject({ receiver: player.publicKey })
    expect(await conn.getTransaction(bs58.encode(randomBytes(64)), { commitment: 'confirmed', maxSupportedTransactionVersion: 0 })).toBeNull()
  })

  it('a failed bet, several trials in one tx, and a spoofed event', async () => {
    const failed = await net.placeBet({ player, wager: 1_000_000n, game: 'coinFlip', host, fail: true })
    const multi = await net.placeBets([
      { player, wager: 1_000_000n, game: 'coinFlip', host },
      { player, wager: 2_000_000n, game: 'slots', host },
      { player, wager: 3_000_000n, game: 'plinko', host },
    ])
    const spoof = await net.spoofEvent({ player, wager: 9_000_000n })
    // Confirmed once their slot is over.
    await net.waitForIdle()
    const f = await conn.getTransaction(failed.signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 })
    expect(f!.meta!.err).toEqual({ InstructionError: [0, { Custom: 6013 }] })
    expect(f!.meta!.logMessages!.at(-1)).toBe(`Program ${FARE_VAULT_PROGRAM_ID} failed: custom program error: 0x177d`)
    expect(f!.meta!.postTokenBalances).toEqual(f!.meta!.preTokenBalances)
    const m = await conn.getTransaction(multi.signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 })
    const regs = vaultEvents(m!.meta!.logMessages!).filter((e) => e?.name === 'TrialRegistered')
    expect(regs.map((e) => e!.fields.trialId)).toEqual(multi.trialIds)
    const s = await conn.getTransaction(spoof.signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 })
    const dataLines = s!.meta!.logMessages!.filter((l) => l.startsWith('Program data: '))
    expect(dataLines).toHaveLength(1)
    expect(decodeEvent(dataLines[0]!.slice(14))?.name).toBe('TrialRegistered')
    expect(vaultEvents(s!.meta!.logMessages!)).toHaveLength(0)
    const sigs = await conn.getSignaturesForAddress(program, { limit: 100 }, 'confirmed')
    expect(sigs.map((x) => x.signature)).toContain(spoof.signature)
    expect(sigs.find((x) => x.signature === failed.signature)?.err).toEqual({ InstructionError: [0, { Custom: 6013 }] })
  })

  it('pages getSignaturesForAddress with before/until/limit, newest first, no gaps', async () => {
    const p = await net.createPlayer()
    const mine: string[] = []
    for (let i = 0; i < 25; i++) mine.push((await net.placeBet({ player: p, wager: 1_000_000n, game: 'rps', host })).signature)
    await net.waitForIdle()
    const addr = new PublicKey(p.publicKey)
    const all = await conn.getSignaturesForAddress(addr, {}, 'confirmed')
    expect(all).toHaveLength(50) // 25 registers + 25 resolves
    for (let i = 1; i < all.length; i++) {
      const a = all[i - 1]!
      const b = all[i]!
      expect(a.slot > b.slot || (a.slot === b.slot && (a as { transactionIndex?: number }).transactionIndex! > (b as { transactionIndex?: number }).transactionIndex!)).toBe(true)
    }
    const paged: string[] = []
    let before: string | undefined
    for (;;) {
      const page = await conn.getSignaturesForAddress(addr, { limit: 7, ...(before ? { before } : {}) }, 'confirmed')
      paged.push(...page.map((x) => x.signature))
      if (page.length < 7) break
      before = page.at(-1)!.signature
    }
    expect(paged).toEqual(all.map((x) => x.signature))
    const until = await conn.getSignaturesForAddress(addr, { until: all[10]!.signature }, 'confirmed')
    expect(until.map((x) => x.signature)).toEqual(all.slice(0, 10).map((x) => x.signature))
    const window = await conn.getSignaturesForAddress(addr, { before: all[3]!.signature, until: all[9]!.signature, limit: 100 }, 'confirmed')
    expect(window.map((x) => x.signature)).toEqual(all.slice(4, 9).map((x) => x.signature))
    expect(mine.every((s) => paged.includes(s))).toBe(true)
    await new Promise((r) => setTimeout(r, 250))
    const fin = await conn.getSignaturesForAddress(addr, { limit: 1 }, 'finalized')
    expect(fin[0]!.confirmationStatus).toBe('finalized')
  })

  it('onLogs (mentions the program) and onSlotChange deliver notifications', async () => {
    const logs: { signature: string; err: unknown; logs: string[] }[] = []
    const slots: number[] = []
    const subLogs = conn.onLogs(program, (l) => logs.push(l), 'confirmed')
    const subSlot = conn.onSlotChange((s) => slots.push(s.slot))
    await new Promise((r) => setTimeout(r, 300))
    const bet = await net.placeBet({ player, wager: 1_000_000n, game: 'coinFlip', host })
    const deadline = Date.now() + 5000
    while (!logs.some((l) => l.signature === bet.signature) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    const note = logs.find((l) => l.signature === bet.signature)!
    expect(note.err).toBeNull()
    expect(note.logs[0]).toBe(`Program ${FARE_VAULT_PROGRAM_ID} invoke [1]`)
    expect(slots.length).toBeGreaterThan(0)
    await conn.removeOnLogsListener(subLogs)
    await conn.removeSlotChangeListener(subSlot)
  })
})
