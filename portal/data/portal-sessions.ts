import type { Db } from '../../core/db/database.ts';
import type { PortalSession } from './tables.ts';

/** Adds a session; false when its sign-in already made one (a ticket is good once). */
export async function insertPortalSession(db: Db, session: PortalSession): Promise<boolean> {
  const inserted = await db.insertInto('portalSessions').values(session).onConflict((conflict) => conflict.column('signInRef').doNothing()).executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** The session behind a cookie hash while it is open and within both deadlines. */
export async function findLivePortalSession(db: Db, id: string, now: Date, idleMinutes: number): Promise<PortalSession | undefined> {
  return db
    .selectFrom('portalSessions')
    .selectAll()
    .where('id', '=', id)
    .where('endedAt', 'is', null)
    .where('expiresAt', '>', now.toISOString())
    .where('lastSeenAt', '>', new Date(now.getTime() - idleMinutes * 60_000).toISOString())
    .executeTakeFirst();
}

/** Records activity (sliding the idle deadline) on an open session only. */
export async function touchPortalSession(db: Db, id: string, now: Date): Promise<void> {
  await db.updateTable('portalSessions').set({ lastSeenAt: now.toISOString() }).where('id', '=', id).where('endedAt', 'is', null).execute();
}

/** A fresh second factor proven in this session (re-authentication). */
export async function recordPortalReauth(db: Db, id: string, now: Date): Promise<boolean> {
  const updated = await db.updateTable('portalSessions').set({ reauthAt: now.toISOString(), lastSeenAt: now.toISOString() }).where('id', '=', id).where('endedAt', 'is', null).executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0;
}

export async function endPortalSession(db: Db, id: string, now: Date): Promise<void> {
  await db.updateTable('portalSessions').set({ endedAt: now.toISOString() }).where('id', '=', id).where('endedAt', 'is', null).execute();
}

/** Ends every open portal session of a user (role revoked, account disabled); returns how many. */
export async function endPortalSessionsOfUser(db: Db, userId: string, now: Date): Promise<number> {
  const updated = await db.updateTable('portalSessions').set({ endedAt: now.toISOString() }).where('userId', '=', userId).where('endedAt', 'is', null).executeTakeFirst();
  return Number(updated.numUpdatedRows);
}
