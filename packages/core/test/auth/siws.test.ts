import { describe, expect, it } from 'vitest'
import { formatSiwsMessage, parseSiwsMessage, type SiwsMessage, siwsChainId } from '../../src/solana/siws'
import { verifySiwsSignature } from '../../src/solana/siws-verify'
import { createWallet } from '../http/_harness'

const fields: SiwsMessage = {
  domain: 'casino.example.com',
  address: 'FAREvmepkHArRWwLjHmwPQGL9Byg8iKF3hu1vewxTSXe',
  statement: 'Sign in to Example',
  uri: 'https://casino.example.com',
  version: '1',
  chainId: 'mainnet',
  nonce: 'Abc123xyz789',
  issuedAt: '2025-01-01T00:00:00.000Z',
  expirationTime: '2025-01-01T00:05:00.000Z',
}

/** The exact text wallets show (Solana SIWS / CAIP-122 layout). */
const golden = `casino.example.com wants you to sign in with your Solana account:
FAREvmepkHArRWwLjHmwPQGL9Byg8iKF3hu1vewxTSXe

Sign in to Example

URI: https://casino.example.com
Version: 1
Chain ID: mainnet
Nonce: Abc123xyz789
Issued At: 2025-01-01T00:00:00.000Z
Expiration Time: 2025-01-01T00:05:00.000Z`

describe('SIWS messages', () => {
  it('formats the golden text and parses it back', () => {
    expect(formatSiwsMessage(fields)).toBe(golden)
    expect(parseSiwsMessage(golden)).toEqual(fields)
  })

  it('maps networks to SIWS chain ids', () => {
    expect([siwsChainId('mainnet-beta'), siwsChainId('devnet'), siwsChainId('localnet')]).toEqual(['mainnet', 'devnet', 'localnet'])
  })

  it('refuses anything but the exact shape', () => {
    const variants = [
      golden.replace('Version: 1', 'Version: 2'),
      golden.replace('Chain ID: mainnet', 'Chain ID: ethereum'),
      golden.replace('\nNonce: Abc123xyz789', ''),
      `${golden}\nResources:\n- https://evil.test`,
      golden.replace('Nonce: Abc123xyz789', 'Nonce: short'),
      golden.replace('2025-01-01T00:05:00.000Z', 'tomorrow'),
      golden.replace('FAREvmepkHArRWwLjHmwPQGL9Byg8iKF3hu1vewxTSXe', '0xdeadbeef'),
      golden.replace(/\n/g, '\r\n'),
      ` ${golden}`,
      '',
    ]
    for (const text of variants) expect(parseSiwsMessage(text), text).toBeNull()
  })

  it('verifies ed25519 signatures over the UTF-8 text, never throwing on garbage', () => {
    const wallet = createWallet()
    const signature = wallet.sign(golden)
    expect(verifySiwsSignature(golden, signature, wallet.address)).toBe(true)
    expect(verifySiwsSignature(`${golden} `, signature, wallet.address)).toBe(false)
    expect(verifySiwsSignature(golden, signature, createWallet().address)).toBe(false)
    expect(verifySiwsSignature(golden, 'not-base58-0OIl', wallet.address)).toBe(false)
    expect(verifySiwsSignature(golden, '1111', wallet.address)).toBe(false)
  })
})
