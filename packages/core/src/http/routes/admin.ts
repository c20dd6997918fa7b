import type { H3 } from 'h3'
import * as v from 'valibot'
import type { CasinoContext } from '../../casino'
import { toSystemEventJSON } from '../../serialize'
import { requireOwner } from '../middleware/auth'
import { queryInt, validQuery } from '../validate'

const eventsQuery = v.object({ limit: queryInt(1, 500, 100) })

/** Owner-only operations: every route here needs the owner wallet's JWT. */
export function registerAdminRoutes(app: H3, ctx: CasinoContext): void {
  app.get('/api/admin/system-events', async (event) => {
    await requireOwner(event, ctx.tokens, ctx.config.ownerWallet)
    const { limit } = await validQuery(event, eventsQuery)
    const events = await ctx.store.listSystemEvents({ limit })
    return { events: events.map(toSystemEventJSON) }
  })
}
