import type { H3 } from 'h3'
import * as v from 'valibot'
import type { CasinoContext } from '../../casino'
import { CasinoError } from '../../errors'
import { toChatMessageJSON } from '../../serialize'
import { requireAuth, requireOwner } from '../middleware/auth'
import { postChatMessage } from '../post-chat'
import { enforceRateLimit } from '../middleware/rate-limit'
import { queryInt, validBody, validParams, validQuery } from '../validate'

const chatId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a message id'))
const listQuery = v.object({ limit: queryInt(1, 100, 50), before: v.optional(chatId) })
// The text itself is checked by postChatMessage (`chatMessageText`), with the same error a schema gives.
const postBody = v.object({ message: v.string() })
const idParams = v.object({ id: chatId })

/** Chat: public reading, posting with a JWT (rate limited per wallet), deletion by the owner. */
export function registerChatRoutes(app: H3, ctx: CasinoContext): void {
  app.get('/api/chat', async (event) => {
    const { limit, before } = await validQuery(event, listQuery)
    const messages = await ctx.store.listChat({ limit, before })
    return { messages: messages.map(toChatMessageJSON) }
  })

  app.post('/api/chat', async (event) => {
    const claims = await requireAuth(event, ctx.tokens)
    if (ctx.config.rateLimit) await enforceRateLimit(event, ctx.rateLimiter, 'chat', claims.sub, ctx.config.rateLimit.chat, ctx.limiterOutage)
    const { message } = await validBody(event, postBody)
    const stored = await postChatMessage(ctx, claims.sub, message)
    event.res.status = 201
    return { message: toChatMessageJSON(stored) }
  })

  app.delete('/api/chat/:id', async (event) => {
    await requireOwner(event, ctx.tokens, ctx.config.ownerWallet)
    const { id } = await validParams(event, idParams)
    const deletedAt = Date.now()
    if (!(await ctx.store.deleteChatMessage(id, deletedAt))) throw new CasinoError('NOT_FOUND', 'message not found')
    // Sockets showing it, and clients replaying the history past it, take it down.
    ctx.events.emit('chat.deleted', { id, deletedAt })
    return { success: true }
  })
}
