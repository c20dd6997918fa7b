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
  for (const line of logs) {
    if (line.startsWith(DATA)) {
      if (stack[stack.length - 1] === programId) {
        for (const payload of line.slice(DATA.length).split(' ')) if (payload) scan.payloads.push(payload)
      }
      continue
    }
    if (line === 'Log truncated') {
      scan.truncated = true
      break
    }
    if (!line.startsWith(PROGRAM) || line.startsWith('Program log: ') || line.startsWith('Program return: ')) continue
    // `Program <id> invoke [n]`, `Program <id> success`, `Program <id> failed: …`, parsed by hand (this runs
    // on every log line of every transaction); <id> is everything up to the next space.
    const space = line.indexOf(' ', PROGRAM.length)
    if (space <= PROGRAM.length) continue
    const id = line.slice(PROGRAM.length, space)
    if (line.startsWith(INVOKE, space) && line.endsWith(']')) {
      const depth = digits(line, space + INVOKE.length, line.length - 1)
      if (depth < 0 || hasWhitespace(id)) continue
      if (depth !== stack.length + 1) scan.inconsistent = true
      stack.push(id)
      continue
    }
    if (((line.length === space + SUCCESS.length && line.endsWith(SUCCESS)) || line.startsWith(FAILED, space)) && !hasWhitespace(id)) {
      if (stack[stack.length - 1] !== id) scan.inconsistent = true
      stack.pop()
    }
  }
  return scan
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

/** What `\S+` excludes besides the space already split on (tabs, newlines, other Unicode spaces). */
function hasWhitespace(id: string): boolean {
  for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) <= 32 || id.charCodeAt(i) >= 127) return /\s/.test(id)
  return false
}
