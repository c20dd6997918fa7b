/** What the failover test tells each instance process (as JSON in argv). */
export interface InstanceSpec {
  id: string
  backend: 'postgres' | 'redis'
  /** postgres:// or redis:// URL of the shared store and leader. */
  url: string
  /** Postgres schema, or Redis key prefix, fresh for each test run. */
  namespace: string
  rpcUrl: string
  wsUrl: string
  programId: string
  owner: string
  /** Where a store without a cursor starts: the first transaction of the test chain. */
  genesis: string
  games: { id: string, name: string, extraDataHash: string }[]
}

/** One status line of an instance process. */
export interface InstanceReport {
  id: string
  pid: number
  role: 'single' | 'leader' | 'follower'
  fencingToken: number | null
  transactions: number
  /** Unix ms, by the instance's clock. */
  at: number
}
