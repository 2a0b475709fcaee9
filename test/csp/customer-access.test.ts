import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { isLanyardError } from '../../core/errors.ts';
import { inviteCustomerAdmin } from '../../csp/access/customer-access-admin.ts';
import { startTenantConsent } from '../../csp/access/tenant-consent.ts';
import { importCustomers } from '../../csp/customers/import-customers.ts';
import { findCustomerAccess } from '../../csp/data/customer-access.ts';
import { findCustomerByRef } from '../../csp/data/customers.ts';
import type { Tenant } from '../../emulator/state/model.ts';
import { runCli } from '../harness/cli.ts';
import { startCspWorld, type CspWorld } from './csp-harness.ts';
import { customerTenant } from './customer-tenants.ts';

/**
 * Customer access against the emulator: the admin-consent endpoint's refusals (redirect URI not
 * registered, a non-admin, a declined consent recorded as denied), the invitation mailed over a real
 * SMTP server, and `csp customer access … status|validate|refresh` as CLI processes.
 */
describe('CSP customer access', () => {
  let world: CspWorld;
  let contoso: Tenant;
  let smtp: SMTPServer;
  let smtpUrl: string;
  const received: { to: string[]; body: string }[] = [];
  const deps = (smtpConfig?: { url: string; from: string }) => ({ db: world.lanyard.context.db, secretBox: world.lanyard.context.secretBox, clock: systemClock, config: { publicUrl: world.lanyard.context.config.publicUrl, smtp: smtpConfig } });
  const post = (tenant: Tenant, step: string, form: Record<string, string>) =>
    fetch(`${world.emulator.baseUrl}/${tenant.id}/v2.0/adminconsent/${step}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });

  beforeAll(async () => {
    world = await startCspWorld('sqlite');
    contoso = customerTenant(world, 'contosoacc', { scopes: [], users: [{ userPrincipalName: 'worker@contosoacc.example', password: 'Worker-Passw0rd!' }] });
    customerTenant(world, 'okacc');
    await importCustomers({ ...deps(), config: world.lanyard.context.config }, world.partnerSlug, { dryRun: false }, 'test');
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), body: Buffer.concat(chunks).toString() });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await world?.stop();
  });

  it('Entra refuses a redirect URI the app does not list (AADSTS50011) and a non-admin (AADSTS90094)', async () => {
    const link = await startTenantConsent(deps(), 'contosoacc.onmicrosoft.com', 'test');
    const unregistered = await fetch(link.url);
    expect(unregistered.status).toBe(400);
    expect(await unregistered.text()).toContain('AADSTS50011');

    (world.partnerTenant.apps[0]!.redirectUris as string[]).push(`${world.lanyard.url}/csp/tenant-consent/callback`);
    const again = await startTenantConsent(deps(), 'contosoacc.onmicrosoft.com', 'test');
    const request = /name="request" value="([^"]*)"/.exec(await (await fetch(again.url)).text())?.[1] ?? '';
    const refused = await post(contoso, 'credentials', { request, login: 'worker@contosoacc.example', password: 'Worker-Passw0rd!' });
    expect(await refused.text()).toContain('AADSTS90094');
    expect(world.emulator.state.delegatedAccess.consents.hasServicePrincipal(contoso.id, world.partnerTenant.apps[0]!.clientId)).toBe(false);
  });

  it('a declined consent comes back as access_denied and is recorded as denied (CSP_CONSENT_DENIED page)', async () => {
    const link = await startTenantConsent(deps(), 'contosoacc.onmicrosoft.com', 'test');
    const request = /name="request" value="([^"]*)"/.exec(await (await fetch(link.url)).text())?.[1] ?? '';
    await post(contoso, 'credentials', { request, login: 'admin@contosoacc.onmicrosoft.com', password: 'Admin-Passw0rd!' });
    const back = await post(contoso, 'consent', { request, decision: 'cancel' });
    const location = back.headers.get('location')!;
    expect(location).toContain('error=access_denied');
    const page = await fetch(location, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('CSP_CONSENT_DENIED');
    const customer = (await findCustomerByRef(world.lanyard.context.db, 'contosoacc.onmicrosoft.com'))!;
    expect(await findCustomerAccess(world.lanyard.context.db, customer.id)).toMatchObject({ consentState: 'denied', consentError: expect.stringContaining('AADSTS65004') });
    // A made-up state is CSP_CONSENT_INVALID.
    const invalid = await fetch(`${world.lanyard.url}/csp/tenant-consent/callback?admin_consent=True&tenant=${contoso.id}&state=made-up`, { headers: { accept: 'text/html' } });
    expect(await invalid.text()).toContain('CSP_CONSENT_INVALID');
  });

  it('invite mails the consent link over SMTP; without SMTP it is CSP_MAIL_NOT_CONFIGURED and no link is made', async () => {
    const sent = await inviteCustomerAdmin(deps({ url: smtpUrl, from: 'csp@northwind.example' }), 'contosoacc.onmicrosoft.com', 'it@contosoacc.example', 'test');
    expect(sent.mailedTo).toBe('it@contosoacc.example');
    const mail = received.at(-1)!;
    expect(mail.to).toEqual(['it@contosoacc.example']);
    expect(mail.body.replace(/=\r?\n/g, '')).toContain(`${world.lanyard.url}/csp/customer-consent/wizard/`);
    const before = await world.lanyard.context.db.selectFrom('cspCustomerConsents').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirst();
    try {
      await inviteCustomerAdmin(deps(), 'contosoacc.onmicrosoft.com', 'it@contosoacc.example', 'test');
      throw new Error('expected a refusal');
    } catch (error) {
      expect(isLanyardError(error, 'CSP_MAIL_NOT_CONFIGURED')).toBe(true);
    }
    const after = await world.lanyard.context.db.selectFrom('cspCustomerConsents').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirst();
    expect(Number(after?.count)).toBe(Number(before?.count));
  });

  it('access status, validate and refresh as CLI processes', async () => {
    const env = { ...world.lanyard.env, NODE_EXTRA_CA_CERTS: world.emulator.caCertPath };
    const ok = await runCli(['csp', 'customer', 'access', 'okacc.onmicrosoft.com', 'validate', '--json'], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json()).toMatchObject({ ok: true, step: 'graph' });
    const refused = await runCli(['csp', 'customer', 'access', 'contosoacc.onmicrosoft.com', 'refresh', '--json'], env);
    expect(refused.code, refused.stderr).toBe(0);
    expect(refused.json()).toMatchObject({ ok: false, step: 'token', code: 'AADSTS7000229', remediation: expect.stringContaining('consent-link') });
    const status = await runCli(['csp', 'customer', 'access', 'contosoacc.onmicrosoft.com', 'status', '--json'], env);
    expect(status.json()).toMatchObject({ consent: { state: 'denied' }, requiredRoles: expect.arrayContaining([expect.objectContaining({ name: 'User Administrator' })]) });
    const usage = await runCli(['csp', 'customer', 'access', 'contosoacc.onmicrosoft.com', 'fly'], env);
    expect(usage.code).toBe(2);
  });
});
