import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents } from '../../core/db/audit-events.ts';
import { tokenRenewalJob } from '../../csp/jobs/token-renewal-job.ts';
import { changePartner } from '../../csp/partners/partner-change.ts';
import { refreshPartnerToken } from '../../csp/tokens/partner-tokens.ts';
import { createManualClock } from '../harness/manual-clock.ts';
import { startCspWorld, type CspWorld } from './csp-harness.ts';

interface Received {
  readonly from: string;
  readonly to: string[];
  readonly body: string;
}

/**
 * Token notices through a real SMTP server (the `smtp-server` library, as the activation-mail
 * test): when the renewal job finds a partner's token revoked, or unused long enough to be
 * `expiring`, the partner's admins get one e-mail and an audit event, and no more on the next runs
 * until the state changes again.
 */
describe('CSP token notices by e-mail', () => {
  let world: CspWorld;
  let smtp: SMTPServer;
  const received: Received[] = [];
  const admins = ['ops@northwind.example', 'cto@northwind.example'];

  beforeAll(async () => {
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((rcpt) => rcpt.address), body: Buffer.concat(chunks).toString().replace(/=\r?\n/g, '') });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    const smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
    world = await startCspWorld('sqlite', { env: { LANYARD_SMTP_URL: smtpUrl, LANYARD_SMTP_FROM: 'Lanyard <idp@northwind.example>' } });
    await changePartner(world.lanyard.context, world.partnerSlug, { adminEmails: admins.join(',') }, 'cli:test');
  });
  afterAll(async () => {
    await world?.stop();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  const runJob = async (at: Date, renewalDays = 30) => {
    const context = world.lanyard.context;
    const job = tokenRenewalJob({ db: context.db, secretBox: context.secretBox, clock: createManualClock(at), renewalDays, config: context.config });
    return (await job.run(undefined, { id: 'j', attempt: 1, signal: new AbortController().signal })) as { renewed: string[]; failed: unknown[]; notices: { partner: string; state: string; mailedTo: string[]; mailError: string | null }[] };
  };
  const notices = async () => (await listAuditEvents(world.lanyard.context.db)).filter((event) => event.action === 'csp.partner.token-notice');

  it('tells the admins once when a token is unused long enough to be expiring', async () => {
    const lastUsed = new Date((await world.partner()).refreshTokenLastUsedAt!);
    // Renewal only after 89 days: at day 61 nothing is renewed, and the token is expiring.
    const day61 = new Date(lastUsed.getTime() + 61 * 86_400_000);
    const first = await runJob(day61, 89);
    expect(first.renewed).toEqual([]);
    expect(first.notices).toEqual([{ partner: world.partnerSlug, state: 'expiring', mailedTo: admins, mailError: null }]);
    expect(received).toHaveLength(1);
    expect(received[0]!.to.sort()).toEqual([...admins].sort());
    expect(received[0]!.from).toBe('idp@northwind.example');
    expect(received[0]!.body).toContain("State: expiring");
    expect(received[0]!.body).toMatch(/^Subject: Lanyard: the Partner Center connection of northwindcsp/m);
    expect(received[0]!.body).toContain(`lanyard csp partner refresh ${world.partnerSlug}`);

    const second = await runJob(new Date(day61.getTime() + 3_600_000), 89);
    expect(second.notices).toEqual([]);
    expect(received).toHaveLength(1);
    expect((await notices()).map((event) => [event.target, event.outcome, event.reason])).toEqual([[world.partnerSlug, 'success', 'expiring']]);
  });

  it('tells them once when the token is revoked, naming the AADSTS code and what to do, and again after a new failure', async () => {
    // A refresh makes it valid again (the told state is cleared).
    await refreshPartnerToken(world.lanyard.context, world.partnerSlug, 'cli:test');
    const agent = world.partnerTenant.users.byPrincipalName(world.agentUpn)!;
    expect((await world.control(`/tenants/${world.partnerTenant.id}/users/${agent.id}/revoke-sign-in-sessions`, 'POST')).ok).toBe(true);
    const lastUsed = new Date((await world.partner()).refreshTokenLastUsedAt!);
    const due = new Date(lastUsed.getTime() + 31 * 86_400_000);
    const run = await runJob(due);
    expect(run.failed).toEqual([{ partner: world.partnerSlug, code: 'AADSTS50173' }]);
    expect(run.notices).toEqual([{ partner: world.partnerSlug, state: 'revoked', mailedTo: admins, mailError: null }]);
    expect(received).toHaveLength(2);
    const mail = received[1]!.body;
    expect(mail).toContain('State: revoked (AADSTS50173)');
    expect(mail).toMatch(/consent/);
    expect(mail).not.toMatch(/eyJ|refresh_token=/);
    // The next runs: the token is gone, nothing is renewed, nobody is mailed again.
    expect((await runJob(new Date(due.getTime() + 3_600_000))).notices).toEqual([]);
    expect((await runJob(new Date(due.getTime() + 7_200_000))).notices).toEqual([]);
    expect(received).toHaveLength(2);
    expect((await notices()).map((event) => event.reason)).toEqual(expect.arrayContaining(['expiring', 'AADSTS50173']));
  });
});
