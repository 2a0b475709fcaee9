import type { Db } from './database.ts';
import type { SignInRequest } from './schema.ts';

export async function insertSignInRequest(db: Db, request: SignInRequest): Promise<void> {
  await db.insertInto('signInRequests').values(request).execute();
}

/** An open (not completed, not expired) sign-in request, or undefined. */
export async function findOpenSignInRequest(db: Db, id: string, now: Date = new Date()): Promise<SignInRequest | undefined> {
  return db
    .selectFrom('signInRequests')
    .selectAll()
    .where('id', '=', id)
    .where('completedAt', 'is', null)
    .where('expiresAt', '>', now.toISOString())
    .executeTakeFirst();
}

export async function recordPasswordStep(db: Db, id: string, userId: string, passwordAt: string): Promise<void> {
  await db.updateTable('signInRequests').set({ userId, passwordAt, mfaAt: null }).where('id', '=', id).execute();
}

export async function recordMfaStep(db: Db, id: string, mfaAt: string): Promise<void> {
  await db.updateTable('signInRequests').set({ mfaAt }).where('id', '=', id).execute();
}

/**
 * Marks the request completed. Only the first caller wins (conditional UPDATE), so one sign-in
 * request yields at most one token even if the final form is submitted twice or on two nodes.
 */
export async function completeSignInRequest(db: Db, id: string, now: Date = new Date()): Promise<boolean> {
  const result = await db
    .updateTable('signInRequests')
    .set({ completedAt: now.toISOString() })
    .where('id', '=', id)
    .where('completedAt', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Housekeeping: removes requests that expired before `before`. */
export async function deleteExpiredSignInRequests(db: Db, before: Date): Promise<number> {
  const result = await db.deleteFrom('signInRequests').where('expiresAt', '<', before.toISOString()).executeTakeFirst();
  return Number(result.numDeletedRows);
}
