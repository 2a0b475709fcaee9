import type { Db } from './database.ts';
import { preparedQuery, type QueryParameter } from './prepared-query.ts';
import { userColumns, type SsoSession, type User } from './schema.ts';

export async function insertSession(db: Db, session: SsoSession): Promise<void> {
  await db.insertInto('ssoSessions').values(session).execute();
}

const liveSessionWithUser = preparedQuery((db, param: QueryParameter<{ id: string; now: string }>) =>
  db
    .selectFrom('ssoSessions')
    .innerJoin('users', 'users.id', 'ssoSessions.userId')
    .select(userColumns.map((column) => `users.${column}` as const))
    .select([
      'ssoSessions.createdAt as sessionCreatedAt',
      'ssoSessions.passwordAt as sessionPasswordAt',
      'ssoSessions.mfaAt as sessionMfaAt',
      'ssoSessions.lastSeenAt as sessionLastSeenAt',
      'ssoSessions.expiresAt as sessionExpiresAt',
      'ssoSessions.clientAddress as sessionClientAddress',
    ])
    .where('ssoSessions.id', '=', param('id'))
    .where('ssoSessions.endedAt', 'is', null)
    .where('ssoSessions.expiresAt', '>', param('now')));

/**
 * A live session together with its user, in one round trip: the SSO path reads both for every
 * token it issues.
 */
export async function findLiveSessionWithUser(db: Db, id: string, now: Date = new Date()): Promise<{ session: SsoSession; user: User } | undefined> {
  const [row] = await liveSessionWithUser(db, { id, now: now.toISOString() });
  if (!row) return undefined;
  const { sessionCreatedAt, sessionPasswordAt, sessionMfaAt, sessionLastSeenAt, sessionExpiresAt, sessionClientAddress, ...user } = row;
  const session: SsoSession = {
    id,
    userId: user.id,
    createdAt: sessionCreatedAt,
    passwordAt: sessionPasswordAt,
    mfaAt: sessionMfaAt,
    lastSeenAt: sessionLastSeenAt,
    expiresAt: sessionExpiresAt,
    endedAt: null,
    clientAddress: sessionClientAddress,
  };
  return { session, user };
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
