import { sql } from 'kysely';
import type { Db } from '../../core/db/database.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import type { Organization, User } from '../../core/db/schema.ts';
import { findUserById } from '../../core/db/users.ts';
import { LanyardError } from '../../core/errors.ts';
import { setUserEnabled } from '../../idp/accounts/users.ts';
import { endPortalSessionsOfUser } from '../data/portal-sessions.ts';
import { requireCan, organizationTarget } from '../admins.ts';
import type { Admin } from '../policy.ts';

export const usersPageSize = 25;

export interface UserRow {
  readonly id: string;
  readonly upn: string;
  readonly displayName: string | null;
  readonly source: string;
  readonly status: string;
  readonly mfaEnrolled: boolean;
}

/** One page of an organization's users, by UPN, optionally only those whose UPN or name contains `search`. */
export async function searchUsers(db: Db, organization: Organization, options: { search?: string; after?: string; limit?: number }): Promise<{ users: UserRow[]; next: string | null }> {
  const limit = options.limit ?? usersPageSize;
  let query = db
    .selectFrom('users')
    .leftJoin('mfaCredentials', 'mfaCredentials.userId', 'users.id')
    .select(['users.id', 'users.upn', 'users.displayName', 'users.source', 'users.status', 'mfaCredentials.confirmedAt'])
    .where('users.organizationId', '=', organization.id)
    .orderBy('users.upn')
    .limit(limit + 1);
  const search = options.search?.trim().toLowerCase();
  if (search) {
    // LIKE with the wildcards of the search itself escaped, so '%' and '_' are only characters.
    const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) => eb.or([sql<boolean>`${eb.ref('users.upn')} like ${pattern} escape '\\'`, sql<boolean>`lower(${eb.ref('users.displayName')}) like ${pattern} escape '\\'`]));
  }
  if (options.after) query = query.where('users.upn', '>', options.after);
  const rows = await query.execute();
  const page = rows.slice(0, limit);
  return {
    users: page.map((row) => ({ id: row.id, upn: row.upn, displayName: row.displayName, source: row.source, status: row.status, mfaEnrolled: Boolean(row.confirmedAt) })),
    next: rows.length > limit ? page.at(-1)!.upn : null,
  };
}

/** A user of this organization by id; another organization's user is simply not found. */
export async function requireUserOf(db: Db, organization: Organization, userId: string): Promise<User> {
  const user = await findUserById(db, userId);
  if (!user || user.organizationId !== organization.id) throw new LanyardError('USER_NOT_FOUND', 'No such user in this organization.');
  return user;
}

/** Disable (ending their SSO and portal sessions) or enable an account, as `admin`. */
export async function changeUserStatus(db: Db, admin: Admin, organization: Organization, userId: string, enabled: boolean, now: Date): Promise<User> {
  requireCan(admin, 'users.change', await organizationTarget(db, organization));
  const user = await requireUserOf(db, organization, userId);
  const changed = await setUserEnabled(db, user.upn, enabled, admin.actor);
  if (!enabled) await endPortalSessionsOfUser(db, user.id, now);
  return changed;
}

/**
 * Removes the account's authenticator: at its next sign-in the person enrols a new one (the sign-in
 * flow asks for enrolment when there is no credential). The caller has checked re-authentication.
 */
export async function resetUserMfa(db: Db, admin: Admin, organization: Organization, userId: string, now: Date): Promise<User> {
  requireCan(admin, 'users.reset-mfa', await organizationTarget(db, organization));
  const user = await requireUserOf(db, organization, userId);
  const removed = await db.deleteFrom('mfaCredentials').where('userId', '=', user.id).executeTakeFirst();
  await recordAuditEvent(db, { actor: admin.actor, action: 'user.mfa-reset', target: user.upn, outcome: 'success', details: { hadCredential: Number(removed.numDeletedRows) > 0 } }, now);
  return user;
}
