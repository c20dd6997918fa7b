import { CasinoError } from '../errors'

/**
 * Runs a kv operation; its failure (a Redis outage) becomes `NOT_READY` (503). What needs the kv (an
 * issued sign-in message, a revocation) can then be neither done nor refused, and it is no fault of
 * the request: an unexplained 500 before.
 */
export async function whileKvReachable<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  }
  catch (error) {
    throw new CasinoError('NOT_READY', 'the session store cannot be reached', { cause: error })
  }
}
