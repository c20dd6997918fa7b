/**
 * A leadership term, as both leaders (Postgres advisory lock, Redis lease) keep it: the fencing token
 * while leading, the one timer that keeps checking or renewing the term, and the callbacks told once
 * when a held term is lost.
 */
export function createTerm() {
  const listeners = new Set<() => void>()
  let token: number | null = null
  let timer: ReturnType<typeof setInterval> | undefined

  const end = (): void => {
    if (timer) clearInterval(timer)
    timer = undefined
    token = null
  }

  return {
    /** The fencing token of the term held, or null. */
    get token(): number | null {
      return token
    },
    /** Holds a term with `fencingToken`. */
    begin(fencingToken: number): void {
      token = fencingToken
    },
    /** Runs `check` every `ms` while the term lasts: one timer, never what keeps a process alive. */
    watch(check: () => void, ms: number): void {
      if (timer) return
      timer = setInterval(check, ms)
      timer.unref?.()
    },
    /** Ends the term quietly (released, or never won). */
    end,
    /** Ends a held term and tells every listener (their errors are theirs); nothing when none is held. */
    lose(): void {
      if (token === null) return
      end()
      for (const cb of [...listeners]) {
        try {
          cb()
        }
        catch {}
      }
    },
    /** Adds a listener of {@link lose}; returns its removal. */
    onLost(cb: () => void): () => void {
      listeners.add(cb)
      return () => {
        listeners.delete(cb)
      }
    },
  }
}

/**
 * Until when a leader may act on what it last confirmed (a lease renewed, a lock seen held), on both
 * clocks: the monotonic one, because a wall clock set back (NTP) must not stretch it past what the server
 * keeps while another process may already lead; and the wall one, because the monotonic clock stands
 * still while a machine sleeps or a VM is paused, and the server's clock does not. A confirmation that
 * never answers (a client queueing commands while it reconnects, a connection gone silent) cannot extend
 * it: past it, leadership is lost, whatever is pending.
 */
export function createValidity() {
  let until = 0
  let untilWall = 0
  return {
    /** A confirmation started at `started` (call {@link now} before asking) holds for `ms`. */
    grant(started: { mono: number, wall: number }, ms: number): void {
      until = started.mono + ms
      untilWall = started.wall + ms
    },
    /** True while the last grant holds. */
    held(): boolean {
      return performance.now() < until && Date.now() < untilWall
    },
    /** Forgets the grant (released). */
    reset(): void {
      until = 0
      untilWall = 0
    },
    /** Both clocks now: taken before a confirmation is asked for, so its grant never outlasts it. */
    now(): { mono: number, wall: number } {
      return { mono: performance.now(), wall: Date.now() }
    },
  }
}
