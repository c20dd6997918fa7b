import { consola, type ConsolaInstance } from 'consola'

/** The logger every part of a casino writes to: consola, tagged `fare`. */
export type CasinoLogger = ConsolaInstance

/**
 * Tags the user's consola instance (or the global one) `fare`. Subsystems take a child with
 * {@link childLogger} so a line reads `[fare:http] request failed { … }`: a fixed phrase first,
 * identifiers in a trailing object, never a token, signature or whole body.
 */
export function createLogger(base: ConsolaInstance = consola): CasinoLogger {
  return base.withTag('fare')
}

/** A child logger for one subsystem, e.g. `childLogger(logger, 'http')` logs as `fare:http`. */
export function childLogger(logger: CasinoLogger, subsystem: string): CasinoLogger {
  return logger.withTag(subsystem)
}
