import { afterAll, describe, expect, it } from 'vitest'
import postgres from 'postgres'
import { boolArray, numArray, textArray } from '../src/postgres/_arrays'
import { postgresAvailable, postgresUrl } from './_services'

const up = await postgresAvailable()

describe.skipIf(!up)('hand-built Postgres array literals', () => {
  // Results come back as JSON: postgres.js reads an unquoted NULL inside a text[] result as the string "NULL".
  const sql = postgres(postgresUrl, { max: 1, onnotice: () => {} })
  afterAll(() => sql.end({ timeout: 5 }))

  it('round-trips awkward text exactly: quotes, backslashes, commas, braces, spaces, "NULL", unicode, empty', async () => {
    const values = ['plain', 'a"b', 'back\\slash', 'x,y', '{z}', ' spaced ', 'NULL', 'null', 'é🎲', '', null, '\\"', 'tab\there']
    const [row] = await sql<{ v: (string | null)[] }[]>`SELECT to_json(${textArray(values)}::text[]) AS v`
    expect(row!.v).toEqual(values)
  })

  it('keeps numbers, u64 and money above 2^53 exact, and NULLs', async () => {
    const big = 2n ** 64n - 1n
    const [row] = await sql<{ n: string[], i: string[], f: number[], b: (boolean | null)[] }[]>`SELECT
      to_json(${numArray([big, 2n ** 53n + 1n, null, 0n])}::numeric[]::text[]) AS n,
      to_json(${numArray([1, -2, null])}::int8[]::text[]) AS i,
      to_json(${numArray([1.98, 0.5, 1e21])}::float8[]) AS f,
      to_json(${boolArray([true, false, null])}::bool[]) AS b`
    expect(row!.n).toEqual([String(big), String(2n ** 53n + 1n), null, '0'])
    expect(row!.i).toEqual(['1', '-2', null])
    expect(row!.f).toEqual([1.98, 0.5, 1e21])
    expect(row!.b).toEqual([true, false, null])
  })

  it('an empty array is empty', async () => {
    const [row] = await sql<{ n: number }[]>`SELECT cardinality(${textArray([])}::text[]) AS n`
    expect(row!.n).toBe(0)
  })
})
