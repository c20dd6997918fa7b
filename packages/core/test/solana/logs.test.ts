import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { programDataOf } from '../../src/solana/logs'

const fixtures = '/work/shared/solana-rpc'
const load = (name: string): string[] => JSON.parse(readFileSync(`${fixtures}/${name}`, 'utf8'))
const VAULT = 'FAREvmepkHArRWwLjHmwPQGL9Byg8iKF3hu1vewxTSXe'
const SPOOF = 'Spoof1111111111111111111111111111111111111111'

describe('programDataOf on recorded logs', () => {
  const nested = load('anchorLogs.json.emit-and-emit_cpi-nested.json')

  it('attributes each Program data line to the program executing it', () => {
    // The pump AMM emits at depth 2 and the router at depth 1 after the AMM returned.
    expect(programDataOf(nested, 'pAMMBay6oceH9fJKBRHGP5D4bD4sWpmSwMn52FMfXEA').payloads).toHaveLength(1)
    expect(programDataOf(nested, 'pAMMBay6oceH9fJKBRHGP5D4bD4sWpmSwMn52FMfXEA').payloads[0]).toMatch(/^Z\/RSHyz1/)
    expect(programDataOf(nested, '6m2CDdhRgxpH4WjvdzxAYbGxwdGUz5MziiL5jek2kBma').payloads).toEqual(['QMbN6CYIceJJbrg3AAAAAABvIbgEAQAAAA=='])
    expect(programDataOf(nested, 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA').payloads).toEqual([])
    expect(programDataOf(nested, VAULT)).toEqual({ payloads: [], truncated: false, inconsistent: false })
  })

  it('stops at Log truncated', () => {
    const scan = programDataOf(load('anchorLogs.json.log-truncated-tail.json'), 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA')
    expect(scan.truncated).toBe(true)
  })

  it('pops a failed frame', () => {
    const logs = [...load('anchorLogs.json.anchor-error-failed.json'), 'Program data: AAAA']
    expect(programDataOf(logs, 'SW1TCH7qEPTdLsDHRgPuMQjbQxKdH2aBStViMFnt64f').payloads).toEqual([])
  })
})

describe('programDataOf against spoofing', () => {
  const logs = [
    `Program ${VAULT} invoke [1]`,
    'Program log: Instruction: TrialRegister',
    'Program data: AQID BAUG',
    `Program ${SPOOF} invoke [2]`,
    'Program data: c3Bvb2Y=',
    `Program ${SPOOF} consumed 100 of 1000 compute units`,
    `Program ${SPOOF} success`,
    'Program data: Bwg=',
    `Program ${VAULT} consumed 5000 of 200000 compute units`,
    `Program ${VAULT} success`,
    `Program ${SPOOF} invoke [1]`,
    'Program log: Program data: ZmFrZQ==',
    'Program data: c3Bvb2Yy',
    `Program ${SPOOF} success`,
  ]

  it('keeps the vault own lines, several payloads per line, and no other program lines', () => {
    expect(programDataOf(logs, VAULT)).toEqual({ payloads: ['AQID', 'BAUG', 'Bwg='], truncated: false, inconsistent: false })
    expect(programDataOf(logs, SPOOF).payloads).toEqual(['c3Bvb2Y=', 'c3Bvb2Yy'])
  })

  it('flags logs whose frames do not nest', () => {
    expect(programDataOf([`Program ${VAULT} invoke [2]`, `Program ${VAULT} success`], VAULT).inconsistent).toBe(true)
  })
})
