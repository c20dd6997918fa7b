import type { QKPair } from '../store/types'

/** A game the casino offers: how the indexer recognises its trials and how the API lists it. */
export interface GameDefinition {
  /** Stable id stored on bets, e.g. `coinFlip`. */
  id: string
  /** Display name. */
  name: string
  /** The Fare Vault `extra_data_hash` its trials carry; trials with an unknown hash get game `unknown`. */
  extraDataHash?: string
  /** The outcome table, when the game has a fixed one. */
  qk?: QKPair[]
  description?: string
}

/** Only helps type inference: `defineGame({ id: 'coinFlip', name: 'Coin flip', extraDataHash: '…' })`. */
export function defineGame<const T extends GameDefinition>(game: T): T {
  return game
}

/** Games by id and by extra_data_hash. */
export interface GameRegistry {
  readonly list: readonly GameDefinition[]
  byId(id: string): GameDefinition | undefined
  /** The game whose trials carry this hash, or undefined (the indexer then records `unknown`). */
  byHash(extraDataHash: string): GameDefinition | undefined
}

/** Indexes a list of games; ids and hashes must be unique (checked by `resolveConfig`). */
export function createGameRegistry(games: readonly GameDefinition[]): GameRegistry {
  const ids = new Map(games.map(g => [g.id, g]))
  const hashes = new Map(games.flatMap(g => (g.extraDataHash ? [[g.extraDataHash, g] as const] : [])))
  return {
    list: games,
    byId: id => ids.get(id),
    byHash: hash => hashes.get(hash),
  }
}
