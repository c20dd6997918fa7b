/**
 * Postgres array literals (`{"a","b",NULL}`) built by hand for `unnest($1::text[])` parameters.
 *
 * postgres.js serialises a JS array element by element through two regex replaces; for the ~20
 * arrays of a thousand elements a batch sends, that was the largest client CPU cost of `applyBatch`.
 * One string per array, quoted, escaped only when an element holds `"` or `\`, is several times cheaper.
 * The string goes as an untyped parameter, so the `::text[]` (or `::int8[]`, ...) cast parses it.
 *
 * The common case (no NULL, nothing to escape: base58 keys, numbers) is one native `join`: building the
 * literal with `+=` made a rope of thousands of pieces per array that the socket write then flattened,
 * and was a large share of the client's garbage.
 */

const needsEscape = (s: string): boolean => s.includes('"') || s.includes('\\')

/** How many `"` `s` holds. */
function quotes(s: string): number {
  let n = 0
  for (let i = s.indexOf('"'); i !== -1; i = s.indexOf('"', i + 1)) n++
  return n
}

/** A text[] literal of strings (NULL for null). */
export function textArray(xs: readonly (string | null)[]): string {
  if (xs.length === 0) return '{}'
  if (!xs.includes(null) && !xs.includes(undefined as never)) {
    // The separators hold exactly 2 (n - 1) quotes: any more, or a backslash, is an element to escape.
    const body = xs.join('","')
    if (!body.includes('\\') && quotes(body) === 2 * (xs.length - 1)) return `{"${body}"}`
  }
  let out = '{'
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!
    if (i) out += ','
    if (x === null) out += 'NULL'
    else out += needsEscape(x) ? `"${x.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : `"${x}"`
  }
  return `${out}}`
}

/** A numeric array literal (int, int8, float8, numeric) of numbers and bigints (NULL for null). */
export function numArray(xs: readonly (number | bigint | null)[]): string {
  // join() turns null into '' (and bigints and numbers into what String() gives): only without NULLs.
  if (!xs.includes(null) && !xs.includes(undefined as never)) return `{${xs.join(',')}}`
  let out = '{'
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]
    if (i) out += ','
    out += x === null || x === undefined ? 'NULL' : String(x)
  }
  return `${out}}`
}

/** A boolean array literal (NULL for null). */
export function boolArray(xs: readonly (boolean | null)[]): string {
  let out = '{'
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]
    if (i) out += ','
    out += x === null || x === undefined ? 'NULL' : x ? 't' : 'f'
  }
  return `${out}}`
}
