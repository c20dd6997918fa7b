import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { programDataOf } from '../../src/solana/logs'

// ../shared beside the repository, wherever it is checked out.
const fixtures = new URL('../../../../../shared/solana-rpc/', import.meta.url)
const load = (name: string): string[] => JSON.parse(readFileSync(new URL(name, fixtures), 'utf8'))
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

describe('programDataOf on lines that only look like frames', () => {
  it('ignores frame lines whose id holds whitespace, and lines that are not the runtime\'s', () => {
    const logs = [
      `Program ${VAULT} invoke [1]`,
      'Program a\tb invoke [2]', // not an id: no frame pushed
      'Program data: AQID',
      'Program a\tb success', // nor popped
      'Program return: AAAA',
      'Program  invoke [2]', // no id
      `Program ${VAULT} invoke [x]`, // no depth
      'Programdata: ZmFrZQ==',
      'Program data:  Bwg=  CQo= ', // several payloads, extra spaces
      `Program ${VAULT} success`,
      'Program data: c3Bvb2Y=', // nobody executing
    ]
    expect(programDataOf(logs, VAULT)).toEqual({ payloads: ['AQID', 'Bwg=', 'CQo='], truncated: false, inconsistent: false })
  })

  it('flags a frame closed by another program, and one closed with nothing open', () => {
    expect(programDataOf([`Program ${VAULT} invoke [1]`, `Program ${SPOOF} success`], VAULT).inconsistent).toBe(true)
    expect(programDataOf([`Program ${VAULT} success`], VAULT).inconsistent).toBe(true)
    expect(programDataOf([`Program ${VAULT} invoke [1]`, `Program ${VAULT} failed: custom program error: 0x1`], VAULT).inconsistent).toBe(false)
  })
})
