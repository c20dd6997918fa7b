import { defineBuildConfig } from 'unbuild'

export default defineBuildConfig({
  entries: ['src/sqlite/index', 'src/sqlite/writer-thread', 'src/postgres/index', 'src/redis/index'],
  declaration: 'node16',
  clean: true,
  externals: ['@fare-casino/core', 'better-sqlite3', 'postgres', 'ioredis', /^drizzle-orm/],
})
