import type { Db } from './database.ts';
import type { SsoSession } from './schema.ts';

export async function insertSession(db: Db, session: SsoSession): Promise<void> {
  await db.insertInto('ssoSessions').values(session).execute();
}

/** A session that has not ended or expired, or undefined. */
export async function findLiveSession(db: Db, id: string, now: Date = new Date()): Promise<SsoSession | undefined> {
  return db
    .selectFrom('ssoSessions')
    .selectAll()
    .where('id', '=', id)
    .where('endedAt', 'is', null)
    .where('expiresAt', '>', now.toISOString())
    .executeTakeFirst();
}

export async function touchSession(db: Db, id: string, changes: Partial<Pick<SsoSession, 'mfaAt' | 'lastSeenAt'>>): Promise<void> {
  await db.updateTable('ssoSessions').set(changes).where('id', '=', id).execute();
}

export async function endSession(db: Db, id: string, now: Date = new Date()): Promise<void> {
  await db.updateTable('ssoSessions').set({ endedAt: now.toISOString() }).where('id', '=', id).where('endedAt', 'is', null).execute();
}

/** Ends every live session of a user (disable, password change). Returns how many ended. */
export async function endUserSessions(db: Db, userId: string, now: Date = new Date()): Promise<number> {
  const result = await db
    .updateTable('ssoSessions')
    .set({ endedAt: now.toISOString() })
    .where('userId', '=', userId)
    .where('endedAt', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
