import type { Db } from './database.ts';

/**
 * The client addresses each account has completed a sign-in from (smart lockout's "familiar
 * locations"), in the database so every node shares them. The list per account is bounded: only the
 * `keep` most recently seen addresses stay, so an account's list cannot grow without limit.
 *
 * @example
 *   await recordFamiliarAddress(db, user.id, '203.0.113.7', 20);
 *   await isFamiliarAddress(db, user.id, '203.0.113.7'); // → true
 */
export async function recordFamiliarAddress(db: Db, userId: string, address: string, keep: number, now: Date = new Date()): Promise<void> {
  const seenAt = now.toISOString();
  await db
    .insertInto('familiarAddresses')
    .values({ userId, address, firstSeenAt: seenAt, lastSeenAt: seenAt })
    .onConflict((conflict) => conflict.columns(['userId', 'address']).doUpdateSet({ lastSeenAt: seenAt }))
    .execute();
  await db
    .deleteFrom('familiarAddresses')
    .where('userId', '=', userId)
    .where('address', 'not in', (eb) =>
      eb.selectFrom('familiarAddresses').select('address').where('userId', '=', userId).orderBy('lastSeenAt', 'desc').orderBy('address').limit(keep),
    )
    .execute();
}

/**
 * Whether `address` is familiar for the account. Asked for unknown names too (with no user id), so
 * a name that matches no account costs the same query as one that does.
 */
export async function isFamiliarAddress(db: Db, userId: string | undefined, address: string): Promise<boolean> {
  const row = await db
    .selectFrom('familiarAddresses')
    .select('address')
    .where('userId', '=', userId ?? '')
    .where('address', '=', address)
    .executeTakeFirst();
  return row !== undefined;
}
