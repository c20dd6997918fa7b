import type { Bet, CasinoStats, ChatMessage, Jackpot, Player } from './store/types'

/** Every event the casino publishes, by type, with its payload. */
export interface CasinoEventMap {
  /** A bet registered on chain and committed to the store (it may already be settled). */
  'bet.placed': Bet
  /** A bet resolved on chain and committed to the store. */
  'bet.settled': Bet
  /** A pool's accumulated amount was released to a player. */
  'jackpot.won': Jackpot
  /** A player row was created: a wallet's first bet, sign-in, chat message or authenticated `/api/player` request. */
  'player.joined': Player
  /** Casino statistics changed (debounced). */
  'stats.updated': CasinoStats & { onlinePlayers?: number }
  /** A chat message was stored. */
  'chat.message': ChatMessage
  /** The owner deleted a chat message: clients that show it take it down. */
  'chat.deleted': ChatDeletion
}

/** The payload of `chat.deleted`. */
export interface ChatDeletion {
  /** The id of the deleted message (its `chat.message` id). */
  id: string
  /** Unix ms. */
  deletedAt: number
}

/** One of the event types. */
export type CasinoEventType = keyof CasinoEventMap

/** The list of event types, in a stable order. */
export const casinoEventTypes: readonly CasinoEventType[] = [
  'bet.placed', 'bet.settled', 'jackpot.won', 'player.joined', 'stats.updated', 'chat.message', 'chat.deleted',
]

type Listener<T extends CasinoEventType> = (payload: CasinoEventMap[T]) => void

/** A typed in-process event bus: `casino.events.on('bet.settled', bet => …)`. */
export interface CasinoEvents {
  /** Subscribes; returns the function that unsubscribes. */
  on<T extends CasinoEventType>(type: T, listener: Listener<T>): () => void
  /** Subscribes to every event type. */
  onAny(listener: <T extends CasinoEventType>(type: T, payload: CasinoEventMap[T]) => void): () => void
  off<T extends CasinoEventType>(type: T, listener: Listener<T>): void
  /** Calls every listener synchronously; a listener that throws is reported and never stops the others. */
  emit<T extends CasinoEventType>(type: T, payload: CasinoEventMap[T]): void
}

/** Creates an event bus. `onError` receives what a listener threw. */
export function createCasinoEvents(onError: (error: unknown, type: CasinoEventType) => void = () => {}): CasinoEvents {
  const listeners = new Map<CasinoEventType, Set<Listener<any>>>()
  const anyListeners = new Set<(type: CasinoEventType, payload: unknown) => void>()
  return {
    on(type, listener) {
      let set = listeners.get(type)
      if (!set) listeners.set(type, set = new Set())
      set.add(listener)
      return () => set.delete(listener)
    },
    onAny(listener) {
      const l = listener as (type: CasinoEventType, payload: unknown) => void
      anyListeners.add(l)
      return () => anyListeners.delete(l)
    },
    off(type, listener) {
      listeners.get(type)?.delete(listener)
    },
    emit(type, payload) {
      for (const listener of listeners.get(type) ?? []) {
        try {
          listener(payload)
        }
        catch (error) {
          onError(error, type)
        }
      }
      for (const listener of anyListeners) {
        try {
          listener(type, payload)
        }
        catch (error) {
          onError(error, type)
        }
      }
    },
  }
}
