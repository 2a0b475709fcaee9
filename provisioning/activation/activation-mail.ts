import { isLanyardError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import type { Db } from '../../core/db/database.ts';
import type { User } from '../../core/db/schema.ts';
import type { Config } from '../../core/config.ts';
import { openMailer } from '../../core/mail/mailer.ts';
import { issueActivationLink, type ActivationLink } from './activation-links.ts';

/** Where each new activation link went: to the person by e-mail, or back to the admin to pass on. */
export interface ActivationDelivery {
  readonly emailed: readonly { readonly upn: string; readonly to: string }[];
  /** Links the admin must pass on: no SMTP configured, or sending failed (with the reason). */
  readonly shown: readonly (ActivationLink & { readonly reason: string })[];
}

/**
 * Issues a fresh activation link for each pending account and, when LANYARD_SMTP_URL is set, sends
 * it to the person's mail address (else UPN). A link that cannot be sent is returned to the admin
 * with the reason instead of being lost; e-mails are audited.
 *
 * @example
 *   const { emailed, shown } = await deliverActivationLinks({ db, config, logger }, pendingUsers, 'cli');
 */
export async function deliverActivationLinks(
  deps: { db: Db; config: Pick<Config, 'publicUrl' | 'smtp'>; logger: Logger },
  users: readonly User[],
  actor: string,
): Promise<ActivationDelivery> {
  const emailed: { upn: string; to: string }[] = [];
  const shown: (ActivationLink & { reason: string })[] = [];
  const mailer = openMailer(deps.config.smtp);
  try {
    for (const user of users) {
      const link = await issueActivationLink(deps.db, deps.config.publicUrl, user, actor);
      if (!mailer) {
        shown.push({ ...link, reason: 'no SMTP server configured (LANYARD_SMTP_URL)' });
        continue;
      }
      const to = user.mail ?? user.upn;
      try {
        await mailer.send({ to, subject: 'Activate your account', text: activationMailText(user, link) });
        emailed.push({ upn: user.upn, to });
        await recordAuditEvent(deps.db, { actor, action: 'user.activation-mail', target: user.upn, outcome: 'success', details: { to } });
      } catch (error) {
        const reason = `sending to ${to} failed: ${isLanyardError(error) ? error.message : (error as Error).message}`;
        deps.logger.warn('activation e-mail failed', { upn: user.upn, error: reason });
        await recordAuditEvent(deps.db, { actor, action: 'user.activation-mail', target: user.upn, outcome: 'failure', reason: 'SMTP_SEND_FAILED', details: { to } });
        shown.push({ ...link, reason });
      }
    }
  } finally {
    mailer?.close();
  }
  return { emailed, shown };
}

function activationMailText(user: User, link: ActivationLink): string {
  return [
    `Hello ${user.displayName ?? user.upn},`,
    '',
    `An account was set up for you: ${user.upn}.`,
    'Open this link to choose your password and set up your authenticator app:',
    '',
    link.url,
    '',
    `The link works once and until ${link.expiresAt.slice(0, 10)}. If you did not expect this message, ignore it.`,
  ].join('\n');
}
