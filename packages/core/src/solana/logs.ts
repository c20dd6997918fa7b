/**
 * Walks a transaction's log messages and returns the `Program data:` payloads written while a given
 * program was the one executing.
 *
 * Any program can call `sol_log_data` and print a line that looks exactly like a Fare Vault event, so a
 * line is attributed by the invoke stack, never by its content: `Program <id> invoke [n]` pushes a frame,
 * `Program <id> success` and `Program <id> failed: …` pop it. The runtime writes those lines itself and
 * prefixes everything a program prints (`Program log:`, `Program data:`), so a program cannot forge them.
 */

/** What {@link programDataOf} found. */
export interface ProgramDataScan {
  /** Base64 payloads, in log order (a line may carry several, space-separated). */
  payloads: string[]
  /**
   * The log hit the runtime's size cap (`Log truncated`): events after that point are lost and the
   * stack can no longer be trusted, so nothing after it is returned.
   */
  truncated: boolean
  /** The log's invoke/success lines did not nest (a malformed or unknown log shape). */
  inconsistent: boolean
}

const DATA = 'Program data: '
const PROGRAM = 'Program '
const INVOKE = ' invoke ['
const SUCCESS = ' success'
const FAILED = ' failed: '

/** Returns the `Program data:` payloads emitted by `programId` itself (at any depth) in `logs`. */
export function programDataOf(logs: readonly string[], programId: string): ProgramDataScan {
  const scan: ProgramDataScan = { payloads: [], truncated: false, inconsistent: false }
  const stack: string[] = []
  // Parsed by hand, by character codes before any string compare: this runs on every log line of every
  // transaction, and most lines are settled by their ninth character.
  for (let n = 0; n < logs.length; n++) {
    const line = logs[n]!
    // Every line that matters starts with 'Program ' ('P' at 0, a space at 7), but 'Log truncated'.
    if (line.charCodeAt(0) !== 80 || line.charCodeAt(7) !== 32 || !line.startsWith(PROGRAM)) {
      if (line === 'Log truncated') {
        scan.truncated = true
        break
      }
      continue
    }
    const next = line.charCodeAt(PROGRAM.length)
    if (next === 100 && line.startsWith(DATA)) { // 'd'
      if (stack.length > 0 && stack[stack.length - 1] === programId) pushPayloads(scan.payloads, line.slice(DATA.length))
      continue
    }
    if ((next === 108 && line.startsWith('Program log: ')) || (next === 114 && line.startsWith('Program return: '))) continue // 'l', 'r'
    // `Program <id> invoke [n]`, `Program <id> success`, `Program <id> failed: …`; <id> is everything up to
    // the next space.
    const space = line.indexOf(' ', PROGRAM.length)
    if (space <= PROGRAM.length) continue
    if (line.charCodeAt(line.length - 1) === 93 && line.startsWith(INVOKE, space)) { // ']'
      const depth = digits(line, space + INVOKE.length, line.length - 1)
      if (depth < 0 || hasWhitespace(line, PROGRAM.length, space)) continue
      if (depth !== stack.length + 1) scan.inconsistent = true
      stack.push(line.slice(PROGRAM.length, space))
      continue
    }
    if ((line.length === space + SUCCESS.length && line.endsWith(SUCCESS)) || line.startsWith(FAILED, space)) {
      const top = stack[stack.length - 1]
      // The frame's own id was checked when it was pushed.
      if (top === undefined || top.length !== space - PROGRAM.length || !line.startsWith(top, PROGRAM.length)) {
        if (hasWhitespace(line, PROGRAM.length, space)) continue
        scan.inconsistent = true
      }
      stack.pop()
    }
  }
  return scan
}

/** The space-separated payloads of a `Program data:` line (usually one). */
function pushPayloads(payloads: string[], rest: string): void {
  if (rest.indexOf(' ') < 0) {
    if (rest) payloads.push(rest)
    return
  }
  for (const payload of rest.split(' ')) if (payload) payloads.push(payload)
}

/** The decimal number in `line[from, to)`, or -1 when that is empty or not all digits. */
function digits(line: string, from: number, to: number): number {
  if (to <= from) return -1
  let n = 0
  for (let i = from; i < to; i++) {
    const d = line.charCodeAt(i) - 48
    if (d < 0 || d > 9) return -1
    n = n * 10 + d
  }
  return n
}

/** Whether `line[from, to)` holds what `\S+` excludes besides the space already split on (tabs, newlines, other Unicode spaces). */
function hasWhitespace(line: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = line.charCodeAt(i)
    if (c <= 32 || c >= 127) return /\s/.test(line.slice(from, to))
  }
  return false
}
