import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents } from '../../core/db/audit-events.ts';
import { updateUser } from '../../core/db/users.ts';
import { addUser } from '../../idp/accounts/users.ts';
import { runCli } from '../harness/cli.ts';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';
import { seedOrganization } from '../harness/seed.ts';

/**
 * Activation links by e-mail through a real SMTP server (the `smtp-server` library, not ours):
 * with LANYARD_SMTP_URL set the link goes to the person and is not printed; when the server
 * refuses the recipient the link is shown to the admin with the reason, so nothing is lost.
 */
describe('activation e-mail over SMTP', () => {
  let lanyard: RunningLanyard;
  let smtp: SMTPServer;
  let smtpUrl: string;
  const received: { from: string; to: string[]; body: string }[] = [];

  beforeAll(async () => {
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo(address, _session, callback) {
        if (address.address.startsWith('bounce@')) return callback(new Error('550 mailbox unavailable'));
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((rcpt) => rcpt.address), body: Buffer.concat(chunks).toString() });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
    lanyard = await startLanyard('sqlite');
    await seedOrganization(lanyard.context, { slug: 'northwind' });
    for (const upn of ['cleo@northwind.com', 'bounce@northwind.com']) {
      const user = await addUser(lanyard.context.db, { upn }, { actor: 'test', passwordHashCost: 10 });
      await updateUser(lanyard.context.db, user.id, { status: 'pending' });
    }
  });
  afterAll(async () => {
    await lanyard?.stop();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  const withSmtp = () => ({ ...lanyard.env, LANYARD_SMTP_URL: smtpUrl, LANYARD_SMTP_FROM: 'Lanyard <idp@northwind.com>' });

  it('sends the link to the person, prints no link, and the link opens the activation page', async () => {
    const result = await runCli(['user', 'activation-link', 'cleo@northwind.com', '--json'], withSmtp());
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toEqual({ upn: 'cleo@northwind.com', emailedTo: 'cleo@northwind.com' });
    const mail = received.find((message) => message.to.includes('cleo@northwind.com'))!;
    expect(mail.from).toBe('idp@northwind.com');
    const link = /(http:\/\/127\.0\.0\.1:\d+\/activate\/[A-Za-z0-9_-]{43})/.exec(mail.body.replace(/=\r?\n/g, ''))![1]!;
    expect(result.stdout).not.toContain(link);
    expect((await fetch(link)).status).toBe(200);
    expect((await listAuditEvents(lanyard.context.db)).some((event) => event.action === 'user.activation-mail' && event.outcome === 'success')).toBe(true);
  });

  it('shows the link with the reason when the SMTP server refuses the recipient', async () => {
    const result = await runCli(['user', 'activation-link', 'bounce@northwind.com', '--json'], withSmtp());
    expect(result.code, result.stderr).toBe(0);
    const shown = result.json<{ url: string; reason: string }>();
    expect(shown.url).toMatch(/\/activate\//);
    expect(shown.reason).toMatch(/sending to bounce@northwind\.com failed/);
  });

  it('without SMTP the link is shown, saying why; LANYARD_SMTP_URL without a sender is a config error', async () => {
    const plain = await runCli(['user', 'activation-link', 'cleo@northwind.com', '--json'], lanyard.env);
    expect(plain.json<{ reason: string }>().reason).toMatch(/no SMTP server configured/);
    const broken = await runCli(['user', 'activation-link', 'cleo@northwind.com'], { ...lanyard.env, LANYARD_SMTP_URL: smtpUrl });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('LANYARD_SMTP_FROM');
  });
});
