import nodemailer from 'nodemailer';
import type { Config } from '../config.ts';

export interface MailMessage {
  readonly to: string | readonly string[];
  readonly subject: string;
  readonly text: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/**
 * Lanyard's one way to send e-mail: SMTP as configured by LANYARD_SMTP_URL / LANYARD_SMTP_FROM
 * (activation links, CSP token notices). Undefined when no SMTP server is configured, so each
 * caller decides what to do instead (show the link, record that nobody was told).
 *
 * @example
 *   const mailer = openMailer(config.smtp);
 *   try { await mailer?.send({ to, subject, text }); } finally { mailer?.close(); }
 */
export function openMailer(smtp: Config['smtp']): Mailer | undefined {
  if (!smtp) return undefined;
  const transport = nodemailer.createTransport(smtp.url);
  return {
    async send(message) {
      await transport.sendMail({ from: smtp.from, to: typeof message.to === 'string' ? message.to : [...message.to], subject: message.subject, text: message.text });
    },
    close: () => transport.close(),
  };
}
