import type { Db } from '../../core/db/database.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import type { Organization, User } from '../../core/db/schema.ts';
import { endUserSessions } from '../../core/db/sso-sessions.ts';
import { LanyardError } from '../../core/errors.ts';
import { normalizeUpn } from '../../core/upn.ts';
import { findDomainForUpnSuffix } from '../../idp/accounts/domains.ts';
import { addUser, removeUser } from '../../idp/accounts/users.ts';
import { validateDisplayName } from '../../idp/accounts/validation.ts';
import { issueActivationLink, type ActivationLink } from '../../provisioning/activation/activation-links.ts';
import { organizationTarget, requireCan } from '../admins.ts';
import { endPortalSessionsOfUser } from '../data/portal-sessions.ts';
import type { Admin } from '../policy.ts';
import { requireUserOf } from './users.ts';

/**
 * Adding, editing, resetting and deleting accounts from the portal. A person never gets a password
 * from an admin: a new account, and an account whose password is reset, is pending with an
 * activation link (provisioning/activation), where its person chooses a password and sets up an
 * authenticator app.
 */

/** Adds a local account in one of this organization's domains, pending, with its activation link. */
export async function addOrganizationUser(
  db: Db, publicUrl: string, passwordHashCost: number, admin: Admin, organization: Organization, input: { upn: string; displayName?: string }, now: Date,
): Promise<{ user: User; link: ActivationLink }> {
  requireCan(admin, 'users.add', await organizationTarget(db, organization));
  const { upn, domain: suffix } = normalizeUpn(input.upn);
  const domain = await findDomainForUpnSuffix(db, suffix);
  if (!domain || domain.organizationId !== organization.id) throw new LanyardError('DOMAIN_NOT_FOUND', `${suffix} is not a domain of ${organization.name}; add the domain first`);
  const added = await addUser(db, { upn, ...(input.displayName && { displayName: input.displayName }) }, { actor: admin.actor, passwordHashCost });
  // addUser makes an active account without a password (it cannot sign in); pending is what the
  // activation link opens.
  await db.updateTable('users').set({ status: 'pending', updatedAt: now.toISOString() }).where('id', '=', added.id).where('status', '=', 'active').execute();
  const user = { ...added, status: 'pending' as const };
  return { user, link: await issueActivationLink(db, publicUrl, user, admin.actor, now) };
}

/** Changes the display name of a local account (a directory account's name comes from the directory). */
export async function editOrganizationUser(db: Db, admin: Admin, organization: Organization, userId: string, input: { displayName: string }, now: Date): Promise<User> {
  requireCan(admin, 'users.edit', await organizationTarget(db, organization));
  const user = await requireUserOf(db, organization, userId);
  if (user.source === 'directory') throw new LanyardError('USER_DIRECTORY_MANAGED', 'This account comes from the directory: change it there.');
  const displayName = validateDisplayName(input.displayName);
  await db.updateTable('users').set({ displayName, updatedAt: now.toISOString() }).where('id', '=', user.id).execute();
  await recordAuditEvent(db, { actor: admin.actor, action: 'user.edit', target: user.upn, outcome: 'success', details: { displayName } }, now);
  return { ...user, displayName };
}

/**
 * Resets an account: its password and authenticator are removed, every session ends, and it is
 * pending with a new activation link. The first three happen in one transaction, the status by
 * compare-and-set (a concurrent disable wins). Refused for a disabled account and a directory account.
 */
export async function resetOrganizationUserPassword(db: Db, publicUrl: string, admin: Admin, organization: Organization, userId: string, now: Date): Promise<ActivationLink> {
  requireCan(admin, 'users.reset-password', await organizationTarget(db, organization));
  const user = await requireUserOf(db, organization, userId);
  if (user.source === 'directory') throw new LanyardError('USER_DIRECTORY_MANAGED', 'This account signs in with the directory password: reset it in the directory.');
  await db.transaction().execute(async (trx) => {
    const changed = await trx.updateTable('users').set({ status: 'pending', passwordHash: null, updatedAt: now.toISOString() }).where('id', '=', user.id).where('status', 'in', ['active', 'pending']).executeTakeFirst();
    if (Number(changed.numUpdatedRows) !== 1) throw new LanyardError('USER_DISABLED', `${user.upn} is disabled: enable it first.`);
    await trx.deleteFrom('mfaCredentials').where('userId', '=', user.id).execute();
    await endUserSessions(trx, user.id, now);
    await endPortalSessionsOfUser(trx, user.id, now);
  });
  // Its own transaction (it replaces earlier tokens). Should it fail, the account is pending without
  // a link, and resetting again (a pending account may be reset) issues one.
  const link = await issueActivationLink(db, publicUrl, { ...user, status: 'pending' }, admin.actor, now);
  await recordAuditEvent(db, { actor: admin.actor, action: 'user.password-reset', target: user.upn, outcome: 'success' }, now);
  return link;
}

/** Deletes an account of this organization; never the admin's own (they would lock themselves out mid-action). */
export async function deleteOrganizationUser(db: Db, admin: Admin, organization: Organization, userId: string): Promise<User> {
  requireCan(admin, 'users.delete', await organizationTarget(db, organization));
  const user = await requireUserOf(db, organization, userId);
  if (user.id === admin.userId) throw new LanyardError('ADMIN_SELF_DELETE', 'You cannot delete your own account from the portal.');
  return removeUser(db, user.upn, admin.actor);
}
