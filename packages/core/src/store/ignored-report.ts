import type { IgnoredEvent, SystemEvent } from './types'

/** How many of a commit's ignored events its report lists (it counts them all). */
const LISTED = 20

/**
 * The one SystemEvent (`indexer.event_ignored`, warn) that reports a batch's ignored events
 * (`BatchResult.ignored`): their count and the first 20. One per batch whatever the count, so that a
 * burst cannot flood the table. Null when there are none. A store that says `recordsIgnoredEvents`
 * writes it in the batch's own atomic write (see `BatchPlan.report`); the indexer records it otherwise.
 */
export function ignoredEventsReport(ignored: readonly IgnoredEvent[], createdAt: number): Omit<SystemEvent, 'id'> | null {
  if (ignored.length === 0) return null
  return {
    type: 'indexer.event_ignored',
    severity: 'warn',
    message: `${ignored.length} Fare Vault event(s) changed nothing`,
    metadata: { count: ignored.length, events: ignored.slice(0, LISTED) },
    createdAt,
  }
}
