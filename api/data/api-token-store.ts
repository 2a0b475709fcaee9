import type { Db } from '../../core/db/database.ts';
import type { ApiToken } from './tables.ts';

/** Admin API tokens of organizations (hashes only). */
export async function insertApiToken(db: Db, token: ApiToken): Promise<void> {
  await db.insertInto('apiTokens').values(token).execute();
}

export async function findApiToken(db: Db, id: string): Promise<ApiToken | undefined> {
  return db.selectFrom('apiTokens').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listApiTokens(db: Db, organizationId: string): Promise<ApiToken[]> {
  return db.selectFrom('apiTokens').selectAll().where('organizationId', '=', organizationId).orderBy('createdAt').orderBy('id').execute();
}

/** True when the token was active and is now revoked. */
export async function markApiTokenRevoked(db: Db, id: string, now: Date): Promise<boolean> {
  const result = await db.updateTable('apiTokens').set({ revokedAt: now.toISOString() }).where('id', '=', id).where('revokedAt', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function touchApiToken(db: Db, id: string, now: Date): Promise<void> {
  await db.updateTable('apiTokens').set({ lastUsedAt: now.toISOString() }).where('id', '=', id).execute();
}
