import type { Config } from '../../core/config.ts';
import { openMailer } from '../../core/mail/mailer.ts';

/**
 * Sends a new customer's generated admin password, once, over the SMTP server Lanyard sends
 * activation links with (LANYARD_SMTP_URL / LANYARD_SMTP_FROM). Returns the reason when it could
 * not be sent, so the caller shows the password instead of losing it (it is stored nowhere).
 *
 * @example
 *   const mailed = await mailAdminPassword(config.smtp, { to: 'it@fabrikam.example', company: 'Fabrikam', userPrincipalName, password });
 */
export async function mailAdminPassword(
  smtp: Config['smtp'],
  message: { to: string; company: string; userPrincipalName: string; password: string },
): Promise<{ sent: true } | { sent: false; reason: string }> {
  const mailer = openMailer(smtp);
  if (!mailer) return { sent: false, reason: 'no SMTP server configured (LANYARD_SMTP_URL)' };
  try {
    await mailer.send({
      to: message.to,
      subject: `Your Microsoft 365 administrator account for ${message.company}`,
      text: [
        'Hello,',
        '',
        `The Microsoft 365 tenant of ${message.company} is ready. Its administrator account:`,
        '',
        `  user name: ${message.userPrincipalName}`,
        `  password:  ${message.password}`,
        '',
        'Sign in at https://portal.office.com and change the password; this message is the only copy of it.',
      ].join('\n'),
    });
    return { sent: true };
  } catch (error) {
    return { sent: false, reason: `sending to ${message.to} failed: ${(error as Error).message}` };
  } finally {
    mailer.close();
  }
}
