import bs58 from 'bs58'
import type { CasinoNetwork } from '../config'

/**
 * Sign In With Solana messages (the CAIP-122 / EIP-4361 text as Solana wallets show it). The server
 * issues the text; the wallet signs its UTF-8 bytes; the server parses it back strictly and compares
 * every field with what it issued, so a message for another domain, URI or nonce never verifies.
 */

/** The fields of a sign-in message. Times are ISO-8601 strings, exactly as they appear in the text. */
export interface SiwsMessage {
  domain: string
  address: string
  statement: string
  uri: string
  version: '1'
  chainId: SiwsChainId
  nonce: string
  issuedAt: string
  expirationTime: string
}

/** The SIWS chain ids this casino issues. */
export type SiwsChainId = 'mainnet' | 'devnet' | 'localnet'

/** The SIWS chain id of a network. */
export function siwsChainId(network: CasinoNetwork): SiwsChainId {
  return network === 'mainnet-beta' ? 'mainnet' : network
}

/** A random nonce of 128 bits, base58 (alphanumeric, as SIWS requires). */
export function createNonce(): string {
  return bs58.encode(crypto.getRandomValues(new Uint8Array(16)))
}

/** Renders the message text a wallet signs. */
export function formatSiwsMessage(m: SiwsMessage): string {
  return [
    `${m.domain} wants you to sign in with your Solana account:`,
    m.address,
    '',
    m.statement,
    '',
    `URI: ${m.uri}`,
    `Version: ${m.version}`,
    `Chain ID: ${m.chainId}`,
    `Nonce: ${m.nonce}`,
    `Issued At: ${m.issuedAt}`,
    `Expiration Time: ${m.expirationTime}`,
  ].join('\n')
}

const ISO = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z`

/**
 * What a message can carry of the casino's own settings, as whole-value patterns: the casino's config is
 * checked against them at start (a setting outside them would make every sign-in fail to parse).
 */
export const SIWS_FIELD_PATTERNS = {
  domain: String.raw`[A-Za-z0-9.-]+(?::\d{1,5})?`,
  statement: String.raw`[^\n]{1,200}`,
  uri: String.raw`[^\s]{1,512}`,
} as const

/** The whole message, line by line: anything else (an extra line, a reordered field) is refused. */
const MESSAGE_RE = new RegExp([
  String.raw`^(?<domain>${SIWS_FIELD_PATTERNS.domain}) wants you to sign in with your Solana account:`,
  String.raw`(?<address>[1-9A-HJ-NP-Za-km-z]{32,44})`,
  '',
  String.raw`(?<statement>${SIWS_FIELD_PATTERNS.statement})`,
  '',
  String.raw`URI: (?<uri>${SIWS_FIELD_PATTERNS.uri})`,
  'Version: (?<version>1)',
  'Chain ID: (?<chainId>mainnet|devnet|localnet)',
  'Nonce: (?<nonce>[A-Za-z0-9]{8,64})',
  `Issued At: (?<issuedAt>${ISO})`,
  `Expiration Time: (?<expirationTime>${ISO})$`,
].join('\n'))

/** Parses a message produced by {@link formatSiwsMessage}; null when it is not exactly that shape. */
export function parseSiwsMessage(text: string): SiwsMessage | null {
  if (text.length > 2048) return null
  const g = MESSAGE_RE.exec(text)?.groups
  if (!g) return null
  if (Number.isNaN(Date.parse(g.issuedAt!)) || Number.isNaN(Date.parse(g.expirationTime!))) return null
  return {
    domain: g.domain!,
    address: g.address!,
    statement: g.statement!,
    uri: g.uri!,
    version: '1',
    chainId: g.chainId as SiwsChainId,
    nonce: g.nonce!,
    issuedAt: g.issuedAt!,
    expirationTime: g.expirationTime!,
  }
}
