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
