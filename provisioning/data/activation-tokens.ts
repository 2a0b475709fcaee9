import type { Db } from '../../core/db/database.ts';

/**
 * Activation links of pending accounts. Only SHA-256 hashes are stored; a token is usable once and
 * until it expires, and a new link for the same account replaces the earlier ones.
 *
 * @example
 *   await replaceActivationToken(db, user.id, tokenHash, expiresAt);
 */
export async function replaceActivationToken(db: Db, userId: string, tokenHash: string, expiresAt: Date, now: Date = new Date()): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('activationTokens').where('userId', '=', userId).execute();
    await trx.insertInto('activationTokens').values({ tokenHash, userId, createdAt: now.toISOString(), expiresAt: expiresAt.toISOString(), usedAt: null }).execute();
  });
}

/** The user id of a live (unused, unexpired) token. */
export async function findLiveActivationToken(db: Db, tokenHash: string, now: Date = new Date()): Promise<{ userId: string } | undefined> {
  return db
    .selectFrom('activationTokens')
    .select('userId')
    .where('tokenHash', '=', tokenHash)
    .where('usedAt', 'is', null)
    .where('expiresAt', '>', now.toISOString())
    .executeTakeFirst();
}

/** Marks a token used; false when it was already used (two tabs, a replay). */
export async function consumeActivationToken(db: Db, tokenHash: string, now: Date = new Date()): Promise<boolean> {
  const result = await db
    .updateTable('activationTokens')
    .set({ usedAt: now.toISOString() })
    .where('tokenHash', '=', tokenHash)
    .where('usedAt', 'is', null)
    .where('expiresAt', '>', now.toISOString())
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
