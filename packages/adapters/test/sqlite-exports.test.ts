import { expect, it } from 'vitest'
import * as sqlite from '@fare-casino/adapters/sqlite'

it('exports a deliberate list of names from @fare-casino/adapters/sqlite', () => {
  expect(Object.keys(sqlite).sort()).toEqual(['bulkLoad', 'migrate', 'sqliteMigrationsFolder', 'sqliteSchema', 'sqliteStore', 'warmLeaderboards'])
  expect(Object.keys(sqlite.sqliteSchema).sort()).toEqual([
    'bets', 'casinoTotals', 'chatMessages', 'cursor', 'hourly', 'jackpots', 'leaderboardWindows', 'money',
    'orphanResolves', 'playerGames', 'playerHourly', 'playerWindows', 'players', 'systemEvents', 'transactionEvents', 'usedNonces',
  ])
})
