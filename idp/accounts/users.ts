import { randomBytes, randomUUID } from 'node:crypto';
import { LanyardError } from '../../core/errors.ts';
import { hashPassword } from '../../core/password-hash.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { isUniqueViolation, type Db } from '../../core/db/database.ts';
import type { User, UserStatus } from '../../core/db/schema.ts';
import { endUserSessions } from '../../core/db/sso-sessions.ts';
import { deleteUser, findUserByUpn, insertUser, listUsers, updateUser } from '../../core/db/users.ts';
import { enrolTotp, type TotpEnrolment } from '../mfa/totp.ts';
import { findDomainForUpnSuffix } from './domains.ts';
import { parseUsageLocation } from '../../core/usage-location.ts';
import { normalizeUpn } from '../../core/upn.ts';
import { validateDisplayName, validateImmutableId, validateNewPassword } from './validation.ts';
import { requireOrganization } from './organizations.ts';

/**
 * A new immutable ID in Entra Connect's shape: base64 of 16 random bytes (like an objectGUID).
 * Random, so it never depends on the name and never needs to change when the UPN does.
 */
export function generateImmutableId(): string {
  return randomBytes(16).toString('base64');
}

export interface AddUserInput {
  upn: string;
  displayName?: string;
  immutableId?: string;
  password?: string;
  /** Two-letter country code; absent: the organization's default applies. */
  usageLocation?: string;
}

/**
 * Adds a local user. The organization is the one owning the UPN's domain (or its nearest parent).
 *
 * @example
 *   await addUser(db, { upn: 'alice@contoso.com', displayName: 'Alice', password }, { actor: 'cli', passwordHashCost: 17 });
 */
export async function addUser(db: Db, input: AddUserInput, options: { actor: string; passwordHashCost: number }): Promise<User> {
  const { upn, domain: suffix } = normalizeUpn(input.upn);
  const domain = await findDomainForUpnSuffix(db, suffix);
  if (!domain) throw new LanyardError('DOMAIN_NOT_FOUND', `no registered domain for "${upn}"; add the domain first`);
  const immutableId = input.immutableId === undefined ? generateImmutableId() : validateImmutableId(input.immutableId);
  const displayName = validateDisplayName(input.displayName);
  const passwordHash = input.password === undefined ? null : await hashPassword(validateNewPassword(input.password), options.passwordHashCost);
  const now = new Date().toISOString();
  const user: User = {
    id: randomUUID(),
    organizationId: domain.organizationId,
    upn,
    immutableId,
    displayName,
    givenName: null,
    surname: null,
    mail: upn,
    source: 'local',
    externalId: null,
    status: 'active',
    passwordHash,
    microsoftObjectId: null,
    usageLocation: input.usageLocation === undefined ? null : parseUsageLocation(input.usageLocation),
    createdAt: now,
    updatedAt: now,
  };
  try {
    await insertUser(db, user);
  } catch (error) {
    if (isUniqueViolation(error)) {
      const taken = await findUserByUpn(db, upn);
      throw taken
        ? new LanyardError('USER_EXISTS', `user "${upn}" already exists`)
        : new LanyardError('IMMUTABLE_ID_TAKEN', 'that immutable ID belongs to another user');
    }
    throw error;
  }
  await recordAuditEvent(db, { actor: options.actor, action: 'user.create', target: upn, outcome: 'success', details: { hasPassword: passwordHash !== null } });
  return user;
}

export async function requireUser(db: Db, upnInput: string): Promise<User> {
  const { upn } = normalizeUpn(upnInput);
  const user = await findUserByUpn(db, upn);
  if (!user) throw new LanyardError('USER_NOT_FOUND', `no user "${upn}"`);
  return user;
}

/** Sets a local user's password and ends their sessions (a reset must sign out a possible intruder). */
export async function setUserPassword(db: Db, upn: string, password: string, options: { actor: string; passwordHashCost: number }): Promise<User> {
  const user = await requireUser(db, upn);
  if (user.source === 'directory') {
    throw new LanyardError('USER_DIRECTORY_MANAGED', 'this user signs in with the directory password; change it in the directory');
  }
  const passwordHash = await hashPassword(validateNewPassword(password), options.passwordHashCost);
  await db.transaction().execute(async (trx) => {
    await updateUser(trx, user.id, { passwordHash, status: user.status === 'pending' ? 'active' : user.status });
    await endUserSessions(trx, user.id);
  });
  await recordAuditEvent(db, { actor: options.actor, action: 'user.set-password', target: user.upn, outcome: 'success' });
  return user;
}

/** Enables or disables a user; disabling ends every live session at once. */
export async function setUserEnabled(db: Db, upn: string, enabled: boolean, actor: string): Promise<User> {
  const user = await requireUser(db, upn);
  const status: UserStatus = enabled ? 'active' : 'disabled';
  await db.transaction().execute(async (trx) => {
    await updateUser(trx, user.id, { status });
    if (!enabled) await endUserSessions(trx, user.id);
  });
  await recordAuditEvent(db, { actor, action: enabled ? 'user.enable' : 'user.disable', target: user.upn, outcome: 'success' });
  return { ...user, status };
}

export async function removeUser(db: Db, upn: string, actor: string): Promise<User> {
  const user = await requireUser(db, upn);
  await deleteUser(db, user.id);
  await recordAuditEvent(db, { actor, action: 'user.remove', target: user.upn, outcome: 'success' });
  return user;
}

/** Every user of an organization, in UPN order (paged internally to bound memory per query). */
export async function listOrganizationUsers(db: Db, organizationSlug: string): Promise<User[]> {
  const organization = await requireOrganization(db, organizationSlug);
  const users: User[] = [];
  for (let page = await listUsers(db, organization.id); page.length > 0; page = await listUsers(db, organization.id, { after: page.at(-1)!.upn })) {
    users.push(...page);
  }
  return users;
}

/** Admin-side TOTP enrolment: returns the secret and otpauth URI to hand to the user. */
export async function enrolUserTotp(db: Db, secretBox: SecretBox, upn: string, actor: string): Promise<TotpEnrolment> {
  const user = await requireUser(db, upn);
  const enrolment = await enrolTotp(db, secretBox, user, { issuer: 'Lanyard', confirmed: true });
  await recordAuditEvent(db, { actor, action: 'user.mfa-enroll', target: user.upn, outcome: 'success' });
  return enrolment;
}
