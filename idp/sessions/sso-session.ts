import { hash, randomBytes } from 'node:crypto';
import type { Db } from '../../core/db/database.ts';
import type { SsoSession } from '../../core/db/schema.ts';
import { findLiveSessionWithUser, insertSession, touchSession } from '../../core/db/sso-sessions.ts';
import type { User } from '../../core/db/schema.ts';

export const sessionCookieName = 'lanyard_session';

/** The database keeps only a hash of the cookie value. */
export function sessionIdFromCookie(cookieValue: string): string {
  return hash('sha256', cookieValue, 'hex');
}

/**
 * Starts a new SSO session after a password check. Always a new id (never an upgraded old one),
 * so a session id planted before sign-in is worthless afterwards (session fixation).
 */
export async function startSession(
  db: Db,
  input: { userId: string; passwordAt: string; mfaAt: string | null; ttlMinutes: number; clientAddress: string },
  now: Date = new Date(),
): Promise<{ cookieValue: string; session: SsoSession }> {
  const cookieValue = randomBytes(32).toString('base64url');
  const session: SsoSession = {
    id: sessionIdFromCookie(cookieValue),
    userId: input.userId,
    createdAt: now.toISOString(),
    passwordAt: input.passwordAt,
    mfaAt: input.mfaAt,
    lastSeenAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + input.ttlMinutes * 60_000).toISOString(),
    endedAt: null,
    clientAddress: input.clientAddress,
  };
  await insertSession(db, session);
  return { cookieValue, session };
}

/** The live session behind a cookie with its user, only when that user is still active. */
export async function resumeSession(db: Db, cookieValue: string | undefined, now: Date = new Date()): Promise<{ session: SsoSession; user: User } | undefined> {
  if (!cookieValue || cookieValue.length > 128) return undefined;
  const found = await findLiveSessionWithUser(db, sessionIdFromCookie(cookieValue), now);
  return found?.user.status === 'active' ? found : undefined;
}

export async function recordSessionMfa(db: Db, sessionId: string, mfaAt: string): Promise<void> {
  await touchSession(db, sessionId, { mfaAt, lastSeenAt: mfaAt });
}
