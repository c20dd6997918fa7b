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
 * The form two names are compared in: its letters, lower case. `Admin_1` and `_ADMIN_` are both
 * `admin`; `adm1n` is `admn`, another name, which an operator who cares reserves too. A configured
 * entry written with dashes or spaces (`lucky-star`, `Lucky Star`) reads as `luckystar` like the rest.
 */
export function usernameKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z]+/g, '')
}

/**
 * The reserved names as keys ({@link usernameKey}): `list` when the config gives one, else
 * {@link DEFAULT_RESERVED_USERNAMES}; and with either the casino's slug, unless the list is `[]`
 * (which reserves none). A name with no letter (a slug of digits) reserves nothing.
 */
export function reservedUsernamesOf(list: readonly string[] | undefined, slug: string): ReadonlySet<string> {
  if (list?.length === 0) return new Set()
  const names = [...(list ?? DEFAULT_RESERVED_USERNAMES), slug]
  return new Set(names.map(usernameKey).filter(key => key.length > 0))
}

/**
 * True when a player may not take `name` now. One who holds it already keeps it (it was theirs before
 * the list changed), and may write it again in another case. The casino's owner takes any: the names
 * are reserved for the staff.
 */
export function isReservedUsername(reserved: ReadonlySet<string>, name: string, player: { wallet: string, username: string | null }, ownerWallet: string): boolean {
  if (player.wallet === ownerWallet) return false
  if (player.username !== null && player.username.toLowerCase() === name.toLowerCase()) return false
  return reserved.has(usernameKey(name))
}
