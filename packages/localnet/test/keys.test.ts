import { execFile } from 'node:child_process'
import { createPublicKey, verify } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import bs58 from 'bs58'
import { describe, expect, it } from 'vitest'
import { randomSigner, signerFromSeed } from '../src/keys'

describe('localnet keys', () => {
  it('random signers are real ed25519 keys: the seed gives the address, and signatures verify', () => {
    for (let i = 0; i < 20; i++) {
      const signer = randomSigner()
      expect(signerFromSeed(signer.seed).address).toBe(signer.address)
      const message = new TextEncoder().encode(`message ${i}`)
      // The address as an SPKI public key (fixed 12-byte ed25519 prefix, then the 32 bytes).
      const publicKey = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), bs58.decode(signer.address)]), format: 'der', type: 'spki' })
      expect(verify(null, message, publicKey, signer.sign(message))).toBe(true)
    }
  })

  it('makes 20,000 signers without freezing (a JWK export could deadlock Node 20 under GC)', async () => {
    // In a child with a tiny young generation (GC all the time), bounded by a timeout: a deadlocked
    // thread would never reach a timer of its own.
    const runTs = fileURLToPath(new URL('../../../scripts/run-ts.mjs', import.meta.url))
    const child = fileURLToPath(new URL('./_keys-child.ts', import.meta.url))
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--max-semi-space-size=1', runTs, child, '20000'], { timeout: 45_000 }, (error, stdout) => {
        if (error) reject(new Error(`signer child failed or froze: ${error.message}`))
        else resolve(stdout)
      })
    })
    expect(out.trim()).toBe('ok')
  }, 60_000)
})
