import type { AppContext } from '../core/context.ts';
import { recordAuditEvent } from '../core/db/audit-events.ts';
import { findUserByUpn } from '../core/db/users.ts';
import { LanyardError } from '../core/errors.ts';
import { normalizeUpn } from '../core/upn.ts';
import { issueActivationLink } from '../provisioning/activation/activation-links.ts';
import { grantRole } from './admins.ts';
import { countOperators, grantsOfUser } from './data/admin-roles.ts';
import { shellOperator } from './policy.ts';

export interface SetupLink {
  readonly portalUrl: string;
  readonly upn: string;
  /** One-time link (password and authenticator app), when the account has no password yet. */
  readonly setupUrl: string | null;
  readonly expiresAt: string | null;
  readonly grantedOperator: boolean;
}

/**
 * The first operator's way in: makes the account the operator when there is none yet, and, for an
 * account without a password, issues the one-time activation link (password and TOTP in one page,
 * the provisioning module's). An account that already has a password signs in at the portal and
 * enrols its authenticator there if it has none. After the first operator, operators grant roles
 * (`lanyard admin grant`); this command then only serves accounts that already are operators.
 */
export async function issueSetupLink(context: AppContext, upnInput: string, now: Date): Promise<SetupLink> {
  const { db, config } = context;
  const user = await findUserByUpn(db, normalizeUpn(upnInput).upn);
  if (!user) throw new LanyardError('USER_NOT_FOUND', `no user ${upnInput}: add it first (lanyard org add, domain add, user add)`);
  const isOperator = (await grantsOfUser(db, user.id)).some((grant) => grant.role === 'operator');
  let grantedOperator = false;
  if (!isOperator) {
    if ((await countOperators(db)) > 0) throw new LanyardError('ADMIN_SETUP_DONE', 'This Lanyard has an operator already: an operator grants roles with `lanyard admin grant`.');
    await grantRole(db, shellOperator, { upn: user.upn, role: 'operator' }, now);
    grantedOperator = true;
  }
  let link: { url: string; expiresAt: string } | null = null;
  if (!user.passwordHash && user.source !== 'directory') {
    // Pending again only while it still has no password (compare-and-set), so no live account is reset.
    const updated = await db.updateTable('users').set({ status: 'pending', updatedAt: now.toISOString() }).where('id', '=', user.id).where('passwordHash', 'is', null).executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 1) link = await issueActivationLink(db, config.publicUrl, { ...user, status: 'pending' }, 'cli', now);
  }
  await recordAuditEvent(db, { actor: 'cli', action: 'admin.setup-link', target: user.upn, outcome: 'success', details: { grantedOperator, link: link !== null } }, now);
  return { portalUrl: `${config.publicUrl}/admin`, upn: user.upn, setupUrl: link?.url ?? null, expiresAt: link?.expiresAt ?? null, grantedOperator };
}
