import { isLanyardError } from '../../core/errors.ts';
import { decoyPasswordHash, verifyPassword } from '../../core/password-hash.ts';
import type { Db } from '../../core/db/database.ts';
import type { Domain, User } from '../../core/db/schema.ts';
import { findUserByUpn } from '../../core/db/users.ts';
import { findDomainForUpnSuffix } from '../accounts/domains.ts';
import type { IdpDeps } from './deps.ts';

/**
 * The password step's checks, kept apart from the route so their cost and answers can be tested on
 * their own. Until a password is proven, an unknown name, a name of another organization, a local
 * account and a directory account look the same: same work (one scrypt), same answer.
 */
export type PasswordCheck = 'valid' | 'invalid' | 'directory-unavailable';

/** Checks a password against a stored hash; `verifyPassword` in production, a counting one in tests. */
export type HashVerifier = (password: string, storedHash: string) => Promise<boolean>;

/**
 * The account `username` may sign in as on the page of `pageDomain`: only one whose own organization
 * is the page's, and whose UPN domain (after the last @) is that organization's too. Anyone else is
 * treated as unknown, so a page never hands a password to another organization's directory agent.
 */
export async function findCandidate(db: Db, username: string, pageDomain: Domain | undefined): Promise<User | undefined> {
  if (!pageDomain) return undefined;
  const user = await findUserByUpn(db, username);
  if (!user || user.organizationId !== pageDomain.organizationId) return undefined;
  const upnDomain = await findDomainForUpnSuffix(db, user.upn.slice(user.upn.lastIndexOf('@') + 1));
  return upnDomain?.organizationId === pageDomain.organizationId ? user : undefined;
}

/**
 * Whether `password` is the candidate's. Every path verifies one scrypt hash (the account's own, or
 * the decoy), so unknown, local and directory names cost the same; a directory account is then asked
 * of its organization's agent. With no agent to ask the answer is `directory-unavailable`, which the
 * route shows exactly like a wrong password: nothing has proven who is typing yet.
 */
export async function checkPassword(deps: IdpDeps, candidate: User | undefined, password: string, verify: HashVerifier = verifyPassword): Promise<PasswordCheck> {
  const ownHash = candidate?.source === 'directory' ? null : (candidate?.passwordHash ?? null);
  const hashMatches = await verify(password, ownHash ?? (await decoyPasswordHash(deps.config.passwordHashCost)));
  if (candidate?.source !== 'directory') return hashMatches && ownHash !== null ? 'valid' : 'invalid';
  if (!deps.directoryPasswords) return 'directory-unavailable';
  try {
    return (await deps.directoryPasswords.verify(candidate, password)) ? 'valid' : 'invalid';
  } catch (error) {
    if (isLanyardError(error, 'AGENT_UNAVAILABLE')) return 'directory-unavailable';
    throw error;
  }
}

/**
 * The message for any failed password on this page. It depends on the page's organization only (does
 * it use a directory agent, and is none connected right now), never on the name typed, so it tells
 * the person that their directory is away without telling anyone which names are directory accounts.
 */
export async function passwordFailureMessage(deps: Pick<IdpDeps, 'directoryPasswords'>, pageDomain: Domain | undefined): Promise<string> {
  const incorrect = 'The user name or password is incorrect.';
  if (!pageDomain || !deps.directoryPasswords) return incorrect;
  if ((await deps.directoryPasswords.availability(pageDomain.organizationId)) !== 'away') return incorrect;
  return `${incorrect} If your account comes from your organization's directory: it cannot be reached right now, so try again in a few minutes.`;
}
