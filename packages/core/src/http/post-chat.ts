import { chatMessageText } from '../chat-text'
import { CasinoError } from '../errors'
import type { CasinoEvents } from '../events'
import type { ChatMessage, CasinoStore } from '../store/types'

/**
 * Posts a chat message for `wallet`, the same way over REST (`POST /api/chat`) and over the socket
 * (`chat.send`): the wallet first becomes a player if it is not one yet (emitting `player.joined`), so that
 * a wallet that only ever chats still counts and is announced; then the message is stored and emitted
 * (the realtime publisher gives it an offset and every instance delivers it). The text is checked here
 * too ({@link chatMessageText}), for a host that posts through this function directly: what no store
 * could keep as sent is refused with `VALIDATION_FAILED`, never stored.
 */
export async function postChatMessage(
  ctx: { store: CasinoStore, events: CasinoEvents },
  wallet: string,
  text: string,
  now = Date.now(),
): Promise<ChatMessage> {
  const checked = chatMessageText(text)
  if ('problem' in checked) throw new CasinoError('VALIDATION_FAILED', `message: ${checked.problem}`, { data: { field: 'message' } })
  const message = checked.message
  const { player, created } = await ctx.store.ensurePlayer(wallet, now)
  if (created) ctx.events.emit('player.joined', player)
  const stored = await ctx.store.addChatMessage({ wallet, message, createdAt: now })
  ctx.events.emit('chat.message', stored)
  return stored
}
