/**
 * The longest chat message after trimming, in Unicode code points, not the UTF-16 units of JavaScript's
 * `length`: most emoji are one (a flag two, a family up to eight). Not graphemes: one grapheme may hold
 * any number of combining marks, and the limit bounds what is stored.
 */
export const CHAT_MESSAGE_MAX_LENGTH = 500

/**
 * Control characters but tab and line breaks: C0, DEL and C1. U+0000 cannot be stored by Postgres at
 * all (its text type refuses it, which answered a 500 there while SQLite and Redis kept it); the others
 * only hide text from readers or move their cursor (U+009B is a terminal's CSI).
 */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/

/**
 * A UTF-16 surrogate without its pair. It has no UTF-8 form: SQLite, Postgres and Redis would each
 * write U+FFFD in its place, storing a message other than the one the response echoes.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * A chat message as it is stored (trimmed), or why it is refused: one rule for `POST /api/chat` and the
 * socket's `chat.send`, so that both refuse the same text whatever the store.
 *
 * @example
 * chatMessageText('  gm ') // { message: 'gm' }
 * chatMessageText('a\u0000b') // { problem: 'must not contain control characters (tab and line breaks are allowed)' }
 */
export function chatMessageText(raw: string): { message: string } | { problem: string } {
  // Typed as a string, but a host in plain JavaScript may pass anything.
  if (typeof raw !== 'string') return { problem: 'must be a string' }
  const message = raw.trim()
  if (message.length === 0) return { problem: 'must not be empty' }
  // Code points: counted only when the UTF-16 length could be over the limit.
  if (message.length > CHAT_MESSAGE_MAX_LENGTH && [...message].length > CHAT_MESSAGE_MAX_LENGTH) {
    return { problem: `must be at most ${CHAT_MESSAGE_MAX_LENGTH} characters` }
  }
  if (CONTROL.test(message)) return { problem: 'must not contain control characters (tab and line breaks are allowed)' }
  if (LONE_SURROGATE.test(message)) return { problem: 'must be valid Unicode (a UTF-16 surrogate without its pair)' }
  return { message }
}
