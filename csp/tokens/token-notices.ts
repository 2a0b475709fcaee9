import type { Config } from '../../core/config.ts';
import type { Db } from '../../core/db/database.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { openMailer } from '../../core/mail/mailer.ts';
import { partnerForCustomer } from '../customers/reseller-routing.ts';
import { findCustomerToken, markCustomerNotifiedState } from '../data/customer-tokens.ts';
import { findCustomerById } from '../data/customers.ts';
import { findPartnerById, markNotifiedState } from '../data/partners.ts';
import { customerTokenStatusOf } from './customer-tokens.ts';
import type { CspPartner } from '../data/tables.ts';
import { statusOf, type TokenStatus } from './partner-tokens.ts';

export interface TokenNoticeDeps {
  readonly db: Db;
  readonly config: Pick<Config, 'smtp'>;
}

export interface TokenNotice {
  readonly partner: string;
  /** A customer's own token: which customer. */
  readonly customer?: string;
  readonly state: string;
  /** Who was mailed; empty when nobody could be (no SMTP, no admin e-mails, or sending failed: `mailError`). */
  readonly mailedTo: readonly string[];
  readonly mailError: string | null;
}

/**
 * Tells the partner's admins when its token needs attention: `expiring`, `expired`, `revoked`,
 * `failed`, `mfa-missing`, or `no-consent` after a withdrawn consent. Once per change of state:
 * the state told is recorded by compare-and-set (csp_partners.notified_state), so of every job run
 * and node that sees the same state only one raises the audit event and sends the e-mail; back to
 * `valid` clears it, so the next trouble is told again. Returns the notice sent, or null.
 *
 * @example
 *   await noticeTokenState({ db, config }, partner.id, clock.now());
 */
export async function noticeTokenState(deps: TokenNoticeDeps, partnerId: string, now: Date): Promise<TokenNotice | null> {
  const partner = await findPartnerById(deps.db, partnerId);
  if (!partner) return null;
  const status = statusOf(partner, now);
  const attention = needsAttention(status) ? status.state : null;
  if (attention === partner.notifiedState) return null;
  if (!(await markNotifiedState(deps.db, partner.id, partner.notifiedState, attention, now))) return null;
  if (attention === null) return null;

  const mail = await mailAdmins(deps, partner, { subject: `Lanyard: the Partner Center connection of ${partner.slug} needs attention (${status.state})`, text: noticeText(partner, status) });
  await recordAuditEvent(
    deps.db,
    { actor: 'system:csp.token-notice', action: 'csp.partner.token-notice', target: partner.slug, outcome: mail.mailError === null ? 'success' : 'failure', reason: status.code ?? status.state, details: { state: status.state, code: status.code, ...mail } },
    now,
  );
  return { partner: partner.slug, state: status.state, ...mail };
}

/**
 * The same for a customer's own token (customer-tokens.ts): once per change of state
 * (csp_customer_tokens.notified_state, compare-and-set), mailed to the admins of the partner that
 * serves the customer. Returns the notice sent, or null.
 */
export async function noticeCustomerTokenState(deps: TokenNoticeDeps, customerId: string, now: Date): Promise<TokenNotice | null> {
  const row = await findCustomerToken(deps.db, customerId);
  const customer = row ? await findCustomerById(deps.db, customerId) : undefined;
  if (!row || !customer) return null;
  const status = customerTokenStatusOf(customer, row, now);
  const attention = needsAttention(status) ? status.state : null;
  if (attention === row.notifiedState) return null;
  if (!(await markCustomerNotifiedState(deps.db, customerId, row.notifiedState, attention, now))) return null;
  if (attention === null) return null;
  const partner = await partnerForCustomer(deps.db, customer);
  const text = [
    'Hello,',
    '',
    `The refresh token that the customer ${customer.companyName} (${customer.domain}, tenant ${customer.tenantId}) gave the partner "${partner.slug}" through its admin's consent needs attention.`,
    '',
    `State: ${status.state}${status.code ? ` (${status.code})` : ''}`,
    status.explanation,
    ...(status.remediation ? ['', `What to do: ${status.remediation}`] : []),
    ...(status.expiresAt && status.state === 'expiring' ? ['', `Unless the token is used, Entra revokes it on ${status.expiresAt.slice(0, 10)}.`] : []),
    '',
    `\`lanyard csp customer access ${customer.domain} status\` shows the whole picture. You get this message once for this state.`,
  ].join('\n');
  const mail = await mailAdmins(deps, partner, { subject: `Lanyard: the access to ${customer.domain} (${partner.slug}) needs attention (${status.state})`, text });
  await recordAuditEvent(
    deps.db,
    { actor: 'system:csp.token-notice', action: 'csp.customer.token-notice', target: customer.domain, outcome: mail.mailError === null ? 'success' : 'failure', reason: status.code ?? status.state, details: { partner: partner.slug, state: status.state, code: status.code, ...mail } },
    now,
  );
  return { partner: partner.slug, customer: customer.domain, state: status.state, ...mail };
}

/** Mails the partner's admins (`--admin-emails`) over the activation links' SMTP; says why when nobody could be mailed. */
async function mailAdmins(deps: TokenNoticeDeps, partner: CspPartner, message: { subject: string; text: string }): Promise<{ mailedTo: string[]; mailError: string | null }> {
  const recipients = JSON.parse(partner.adminEmails) as string[];
  const mailer = openMailer(deps.config.smtp);
  if (!mailer) return { mailedTo: [], mailError: 'no SMTP server configured (LANYARD_SMTP_URL)' };
  try {
    if (recipients.length === 0) return { mailedTo: [], mailError: 'the partner has no admin e-mail addresses (`lanyard csp partner change <partner> --admin-emails …`)' };
    await mailer.send({ to: recipients, subject: message.subject, text: message.text });
    return { mailedTo: recipients, mailError: null };
  } catch (error) {
    return { mailedTo: [], mailError: `sending failed: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    mailer.close();
  }
}

function needsAttention(status: Pick<TokenStatus, 'state' | 'code'>): boolean {
  if (status.state === 'valid') return false;
  // A partner nobody consented for yet is not news; a consent withdrawn (AADSTS65001) is.
  if (status.state === 'no-consent') return status.code !== null;
  return true;
}

function noticeText(partner: CspPartner, status: TokenStatus): string {
  return [
    'Hello,',
    '',
    `Lanyard's delegated access to Partner Center for the partner "${partner.slug}" (tenant ${partner.partnerTenantId}) needs attention.`,
    '',
    `State: ${status.state}${status.code ? ` (${status.code})` : ''}`,
    status.explanation,
    ...(status.remediation ? ['', `What to do: ${status.remediation.replaceAll('<partner>', partner.slug)}`] : []),
    ...(status.expiresAt && status.state === 'expiring' ? ['', `Unless the token is used, Entra revokes it on ${status.expiresAt.slice(0, 10)}.`] : []),
    '',
    `\`lanyard csp partner check ${partner.slug}\` shows the whole picture. You get this message once for this state.`,
  ].join('\n');
}
