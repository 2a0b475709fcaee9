import type { Config } from '../../core/config.ts';
import { openMailer } from '../../core/mail/mailer.ts';
import { LanyardError } from '../../core/errors.ts';

/**
 * Mails a customer tenant's admin the consent link, over the SMTP server of the activation links
 * (LANYARD_SMTP_URL / LANYARD_SMTP_FROM). CSP_MAIL_NOT_CONFIGURED without one (checked before a link
 * is made); a failed send throws SMTP's error.
 */
export function requireSmtp(smtp: Config['smtp']): NonNullable<Config['smtp']> {
  if (smtp) return smtp;
  throw new LanyardError('CSP_MAIL_NOT_CONFIGURED', 'no SMTP server is configured (LANYARD_SMTP_URL, LANYARD_SMTP_FROM), so the invitation cannot be mailed; give the admin the link of `csp customer access <customer> consent-link` instead', {});
}

export async function mailConsentInvitation(smtp: Config['smtp'], message: { to: string; company: string; partner: string; url: string; expiresAt: string; permissions: readonly { scope: string; why: string }[] }): Promise<void> {
  // requireSmtp has made sure a server is configured, so openMailer gives a mailer.
  const mailer = openMailer(requireSmtp(smtp))!;
  try {
    await mailer.send({
      to: message.to,
      subject: `${message.partner} asks for access to the Microsoft 365 tenant of ${message.company}`,
      text: [
        'Hello,',
        '',
        `${message.partner} manages users and licences of ${message.company}'s Microsoft 365 tenant for you.`,
        'An administrator of that tenant (Global Administrator, or Cloud Application Administrator) needs to consent once, signing in with multi-factor authentication.',
        'This page explains what is asked and why, then takes you to Microsoft:',
        '',
        `  ${message.url}`,
        '',
        `The link works until ${message.expiresAt} and is spent once the consent is recorded. The permissions asked for:`,
        ...message.permissions.map((permission) => `  - ${permission.scope.replace('https://graph.microsoft.com/', '')}: ${permission.why}`),
      ].join('\n'),
    });
  } finally {
    mailer.close();
  }
}
