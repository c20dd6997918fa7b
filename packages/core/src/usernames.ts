/**
 * Names no player may take. A casino's chat and leaderboards show usernames beside each other, and a
 * player called `Support` or `Admin` is how crypto-casino users get phished ("DM me your seed phrase").
 */

/**
 * The names reserved by default: the casino's staff and systems, and the protocol's. The casino's own
 * slug is reserved with them (see {@link reservedUsernamesOf}).
 */
export const DEFAULT_RESERVED_USERNAMES: readonly string[] = Object.freeze([
  'admin', 'administrator', 'moderator', 'mod', 'mods', 'staff', 'team', 'support', 'help', 'helpdesk',
  'official', 'owner', 'root', 'system', 'security', 'cashier', 'payments', 'deposit', 'withdraw',
  'fare', 'fareplay', 'fare_casino', 'fare_protocol', 'casino', 'house', 'dealer', 'solana',
])

/**
 * The form two names are compared in: lower case, without underscores or digits. `Admin_1` and
 * `_ADMIN_` are both `admin`; `adm1n` is `admn`, another name, which an operator who cares reserves too.
 */
export function usernameKey(name: string): string {
  return name.toLowerCase().replace(/[_\d]+/g, '')
}

/**
 * The reserved names as keys ({@link usernameKey}): `list` when the config gives one (`[]` reserves
 * none), else {@link DEFAULT_RESERVED_USERNAMES} and the casino's slug. A name with nothing left once
 * underscores and digits are gone (a slug of digits) reserves nothing.
 */
export function reservedUsernamesOf(list: readonly string[] | undefined, slug: string): ReadonlySet<string> {
  const names = list ?? [...DEFAULT_RESERVED_USERNAMES, slug.replaceAll('-', '_')]
  return new Set(names.map(usernameKey).filter(key => key.length > 0))
}

/**
 * True when a player may not take `name` now. One who holds it already keeps it (it was theirs before
 * the list changed), and may write it again in another case.
 */
export function isReservedUsername(reserved: ReadonlySet<string>, name: string, current: string | null): boolean {
  if (current !== null && current.toLowerCase() === name.toLowerCase()) return false
  return reserved.has(usernameKey(name))
}
