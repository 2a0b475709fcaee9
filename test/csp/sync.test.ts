import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { ensurePeriodicJob } from '../../core/jobs/job-store.ts';
import { customerAccessStatus, checkCustomerAccess } from '../../csp/access/customer-access-admin.ts';
import { startTenantConsent } from '../../csp/access/tenant-consent.ts';
import { listCustomerUsers } from '../../csp/data/customer-users.ts';
import { findCustomerByRef } from '../../csp/data/customers.ts';
import { listSyncErrors } from '../../csp/data/sync-errors.ts';
import { defaultSyncSettings, writeSyncSettings } from '../../csp/data/sync-settings.ts';
import { noPremiumRemediation } from '../../csp/graph/graph-remediation.ts';
import { syncPartner } from '../../csp/sync/sync-partner.ts';
import type { AppRegistration, Tenant } from '../../emulator/state/model.ts';
import { runCli } from '../harness/cli.ts';
import { startCspWorld, type CspWorld } from './csp-harness.ts';
import { customerTenant, e3SkuId, graphScopes, premiumPlan } from './customer-tenants.ts';

const userAdministrator = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
const licenseAdministrator = '4d6ac14f-3453-41d0-bef9-a3e0c569773a';

/**
 * The recurring import against the emulator: customers from Partner Center, DAP or GDAP from
 * Graph's delegatedAdminRelationships in the partner tenant, then per customer licences and users;
 * the GDAP customer's admin consent through Entra's adminconsent endpoint and Lanyard's callback;
 * user matching and service users; and each error path of the issue recorded with its remediation
 * while the other customers still sync.
 */
describe('CSP recurring import (csp sync)', () => {
  let world: CspWorld;
  let dap: Tenant;
  let gdap: Tenant;
  let app: AppRegistration;
  const deps = () => ({ db: world.lanyard.context.db, secretBox: world.lanyard.context.secretBox, clock: systemClock, config: world.lanyard.context.config });
  const sync = () => syncPartner(deps(), world.partnerSlug, 'test');
  const errorsOf = async (domain: string) => (await listSyncErrors(world.lanyard.context.db, (await world.partner()).id)).filter((error) => error.customerDomain === domain);
  const usersOf = async (domain: string) => listCustomerUsers(world.lanyard.context.db, (await findCustomerByRef(world.lanyard.context.db, domain))!.id);

  beforeAll(async () => {
    world = await startCspWorld('sqlite');
    app = world.partnerTenant.apps[0]!;
    // The partner app may read the partner's GDAP relationships in its own tenant.
    const consented = await world.control(`/tenants/${world.partnerTenant.id}/consents`, 'POST', { clientId: app.clientId, scopes: ['https://graph.microsoft.com/DelegatedAdminRelationship.Read.All'] });
    expect(consented.status).toBe(201);
    dap = customerTenant(world, 'dapsync', {
      users: [
        { userPrincipalName: 'ann@dapsync.example', displayName: 'Ann', usageLocation: 'DE' },
        { userPrincipalName: 'scanner@dapsync.example', displayName: 'Scanner' },
        { userPrincipalName: 'old@dapsync.example', displayName: 'Old', accountEnabled: false, usageLocation: 'DE' },
      ],
      skus: [{ skuId: e3SkuId, skuPartNumber: 'ENTERPRISEPACK', prepaidUnits: 10 }],
    });
    for (const upn of ['ann@dapsync.example', 'old@dapsync.example']) dap.users.byPrincipalName(upn)!.assignedLicenses = [{ skuId: e3SkuId, disabledPlans: [] }];
    // GDAP, and the partner app not consented in the tenant yet.
    gdap = customerTenant(world, 'gdapsync', { scopes: [] });
    const relationship = await world.control(`/tenants/${gdap.id}/partners/${world.partnerTenant.id}`, 'PUT', { gdap: { displayName: 'Lanyard', status: 'active', roleDefinitionIds: [userAdministrator, licenseAdministrator] } });
    expect(relationship.status).toBe(200);
    // Consented once, then withdrawn: the service principal stays, the grant is gone (AADSTS65001).
    const withdrawn = customerTenant(world, 'withdrawnsync');
    expect((await world.control(`/tenants/${withdrawn.id}/consents/${app.clientId}`, 'DELETE')).status).toBe(204);
    // Consented for domains only: Graph answers 403 Authorization_RequestDenied.
    customerTenant(world, 'lowprivsync', { scopes: ['https://graph.microsoft.com/Domain.Read.All'] });
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('imports customers, finds DAP and GDAP, syncs the reachable ones and records each failure with its remediation', async () => {
    const report = await sync();
    expect(report).toMatchObject({ customersImported: true, relationshipsRead: true });
    const byDomain = Object.fromEntries(report.customers.map((customer) => [customer.customer, customer]));
    expect(byDomain['dapsync.onmicrosoft.com']).toMatchObject({ ok: true, relationship: 'dap', licences: 1, users: { total: 4, created: 4, serviceUsers: 1, billable: 3 } });
    expect(byDomain['gdapsync.onmicrosoft.com']).toMatchObject({ ok: false, relationship: 'gdap', errors: [{ step: 'licences', code: 'AADSTS7000229' }] });
    expect(byDomain['withdrawnsync.onmicrosoft.com']).toMatchObject({ ok: false, relationship: 'dap', errors: [{ step: 'licences', code: 'AADSTS65001' }] });
    expect(byDomain['lowprivsync.onmicrosoft.com']).toMatchObject({ ok: false, errors: [{ step: 'licences', code: 'Authorization_RequestDenied' }, { step: 'users', code: 'Authorization_RequestDenied' }] });

    const [missingPrincipal] = await errorsOf('gdapsync.onmicrosoft.com');
    expect(missingPrincipal).toMatchObject({ step: 'licences', code: 'AADSTS7000229', count: 1 });
    expect(missingPrincipal!.remediation).toContain('consent-link');
    const [noConsent] = await errorsOf('withdrawnsync.onmicrosoft.com');
    expect(noConsent!.remediation).toContain('not consented');
    const denied = await errorsOf('lowprivsync.onmicrosoft.com');
    expect(denied.map((error) => error.remediation)).toEqual([expect.stringContaining('User Administrator'), expect.stringContaining('User Administrator')]);

    // Disabled accounts are not billed by default; the admin and Scanner are.
    const users = await usersOf('dapsync.onmicrosoft.com');
    expect(users.map((user) => [user.upn, user.serviceUser, user.serviceReason])).toEqual([
      ['admin@dapsync.onmicrosoft.com', 0, null],
      ['ann@dapsync.example', 0, null],
      ['old@dapsync.example', 1, 'account disabled'],
      ['scanner@dapsync.example', 0, null],
    ]);
  });

  it('a GDAP customer shows the roles it lacks and needs its admin consent; the link, Entra and the callback record it, and the next sync works', async () => {
    const status = await customerAccessStatus(deps(), 'gdapsync.onmicrosoft.com');
    expect(status).toMatchObject({ relationship: 'gdap', gdap: { status: 'active', missingRoles: ['Directory Readers', 'Domain Name Administrator'] }, consent: { state: 'needed' } });

    (app.redirectUris as string[]).push(`${world.lanyard.url}/csp/tenant-consent/callback`);
    const link = await startTenantConsent(deps(), 'gdapsync.onmicrosoft.com', 'cli:tester');
    expect(link.url).toContain(`/${gdap.id}/v2.0/adminconsent?client_id=${app.clientId}`);
    const first = await fetch(link.url);
    const request = /name="request" value="([^"]*)"/.exec(await first.text())?.[1] ?? '';
    const post = (step: string, form: Record<string, string>) =>
      fetch(`${world.emulator.baseUrl}/${gdap.id}/v2.0/adminconsent/${step}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    const consentPage = await post('credentials', { request, login: 'admin@gdapsync.onmicrosoft.com', password: 'Admin-Passw0rd!' });
    expect(await consentPage.text()).toContain('id="accept"');
    const back = await post('consent', { request, decision: 'accept' });
    expect(back.status).toBe(302);
    const location = back.headers.get('location')!;
    expect(location).toContain('admin_consent=True');
    const callback = await fetch(location, { headers: { accept: 'text/html' } });
    expect(callback.status, await callback.clone().text()).toBe(200);
    expect(await callback.text()).toContain('tenant-consent-done');
    // The link works once.
    expect((await fetch(location, { headers: { accept: 'text/html' } })).status).toBe(400);

    expect((await customerAccessStatus(deps(), 'gdapsync.onmicrosoft.com')).consent.state).toBe('granted');
    const report = await sync();
    expect(report.customers.find((customer) => customer.customer === 'gdapsync.onmicrosoft.com')).toMatchObject({ ok: true, relationship: 'gdap', users: { total: 1 } });
    expect(await errorsOf('gdapsync.onmicrosoft.com')).toEqual([]);
    // The failures seen again are counted on the same rows.
    expect((await errorsOf('withdrawnsync.onmicrosoft.com'))[0]).toMatchObject({ code: 'AADSTS65001', count: 2 });
  });

  it('a GDAP relationship that ended stops access: the token request fails (AADSTS50020) and the sync says to renew it', async () => {
    await world.control(`/tenants/${gdap.id}/partners/${world.partnerTenant.id}`, 'PUT', { gdap: { status: 'expired', roleDefinitionIds: [userAdministrator] } });
    const result = await checkCustomerAccess(deps(), 'gdapsync.onmicrosoft.com', { validate: true }, 'test');
    expect(result).toMatchObject({ ok: false, step: 'token', code: 'AADSTS50020' });
    expect(result.remediation).toContain('GDAP');
    await world.control(`/tenants/${gdap.id}/partners/${world.partnerTenant.id}`, 'PUT', { gdap: { status: 'active', roleDefinitionIds: [userAdministrator, licenseAdministrator] } });
    expect(await checkCustomerAccess(deps(), 'gdapsync.onmicrosoft.com', { validate: true }, 'test')).toMatchObject({ ok: true, step: 'graph' });
  });

  it('matches users by object id, then by UPN: a user deleted and made again keeps its row', async () => {
    const before = (await usersOf('dapsync.onmicrosoft.com')).find((user) => user.upn === 'scanner@dapsync.example')!;
    const old = dap.users.byPrincipalName('scanner@dapsync.example')!;
    dap.users.delete(old.id);
    world.emulator.state.addUser(dap, { userPrincipalName: 'scanner@dapsync.example', displayName: 'Scanner 2' });
    const report = await sync();
    expect(report.customers.find((customer) => customer.customer === 'dapsync.onmicrosoft.com')?.users).toMatchObject({ rematched: 1, created: 0, removed: 0, updated: 1 });
    const after = (await usersOf('dapsync.onmicrosoft.com')).find((user) => user.upn === 'scanner@dapsync.example')!;
    expect(after.id).toBe(before.id);
    expect(after.objectId).not.toBe(before.objectId);
    expect([after.matchedBy, after.displayName]).toEqual(['upn', 'Scanner 2']);
  });

  it('service users by billing licences, accountEnabled ignored when configured (csp sync configure as a CLI process)', async () => {
    const env = { ...world.lanyard.env, NODE_EXTRA_CA_CERTS: world.emulator.caCertPath };
    const configured = await runCli(['csp', 'sync', 'configure', world.partnerSlug, '--billing-licences', e3SkuId, '--ignore-account-enabled', 'on', '--match', 'upn,mail', '--json'], env);
    expect(configured.code, configured.stderr).toBe(0);
    expect(configured.json()).toMatchObject({ matchFields: ['upn', 'mail'], ignoreAccountEnabled: true, billingSkuIds: [e3SkuId] });
    expect((await runCli(['csp', 'sync', 'configure', world.partnerSlug, '--match', 'upn,phone'], env)).stderr).toContain('CSP_MATCH_FIELD_INVALID');
    await sync();
    const users = await usersOf('dapsync.onmicrosoft.com');
    expect(users.map((user) => [user.upn, user.serviceUser, user.serviceReason])).toEqual([
      ['admin@dapsync.onmicrosoft.com', 1, 'none of the billing licences'],
      ['ann@dapsync.example', 0, null],
      ['old@dapsync.example', 0, null],
      ['scanner@dapsync.example', 1, 'none of the billing licences'],
    ]);
    const listed = await runCli(['csp', 'sync', 'users', 'dapsync.onmicrosoft.com', '--json'], env);
    expect(listed.json().billable).toBe(2);
  });

  it('users outside the named billing group are service users; a tenant without that group records CSP_BILLING_GROUP_NOT_FOUND', async () => {
    const group = await world.control(`/tenants/${dap.id}/groups`, 'POST', { displayName: 'Staff', members: ['ann@dapsync.example', 'old@dapsync.example'] });
    expect(group.status).toBe(201);
    const partner = await world.partner();
    await writeSyncSettings(world.lanyard.context.db, partner.id, { ...defaultSyncSettings, billingGroup: 'Staff' }, new Date());
    const report = await sync();
    expect(report.customers.find((customer) => customer.customer === 'dapsync.onmicrosoft.com')).toMatchObject({ ok: true, users: { total: 4, billable: 1 } });
    const users = await usersOf('dapsync.onmicrosoft.com');
    expect(users.map((user) => [user.upn, user.serviceReason])).toEqual([
      ['admin@dapsync.onmicrosoft.com', 'outside the billing group'],
      ['ann@dapsync.example', null],
      ['old@dapsync.example', 'account disabled'],
      ['scanner@dapsync.example', 'outside the billing group'],
    ]);
    expect((await errorsOf('gdapsync.onmicrosoft.com')).map((error) => [error.step, error.code])).toEqual([['users', 'CSP_BILLING_GROUP_NOT_FOUND']]);
  });

  it('sign-in activity without Entra ID P1: the error says so, and the users are synced without it; with P1 it is read', async () => {
    const partner = await world.partner();
    await writeSyncSettings(world.lanyard.context.db, partner.id, { ...defaultSyncSettings, signInActivity: true }, new Date());
    const report = await sync();
    expect(report.customers.find((customer) => customer.customer === 'dapsync.onmicrosoft.com')).toMatchObject({ ok: false, users: { total: 4 }, errors: [{ step: 'users', code: 'Authentication_RequestFromNonPremiumTenantOrB2CTenant' }] });
    expect((await errorsOf('dapsync.onmicrosoft.com'))[0]!.remediation).toBe(noPremiumRemediation);

    world.emulator.state.addSku(dap, { skuId: '078d2b04-f1bd-4111-bbd4-b4b1b354cef4', skuPartNumber: 'AAD_PREMIUM', prepaidUnits: 5, servicePlans: [premiumPlan] });
    const premium = await sync();
    expect(premium.customers.find((customer) => customer.customer === 'dapsync.onmicrosoft.com')).toMatchObject({ ok: true, licences: 2 });
    expect(await errorsOf('dapsync.onmicrosoft.com')).toEqual([]);
    await writeSyncSettings(world.lanyard.context.db, partner.id, defaultSyncSettings, new Date());
  });

  it('the client secret expired (AADSTS7000222) or its id pasted instead of its value (AADSTS7000215): recorded with the fix', async () => {
    // A new customer: its tenant's token is not cached yet, so the secret is used.
    customerTenant(world, 'secretsync');
    app.clientSecretExpiresAt = new Date(Date.now() - 60_000).toISOString();
    await sync();
    const [expired] = await errorsOf('secretsync.onmicrosoft.com');
    expect(expired).toMatchObject({ code: 'AADSTS7000222' });
    expect(expired!.remediation).toContain('expired');
    delete app.clientSecretExpiresAt;

    const realSecret = app.clientSecret;
    (app as { clientSecret: string }).clientSecret = 'another-secret-value';
    await sync();
    const pasted = (await errorsOf('secretsync.onmicrosoft.com')).find((error) => error.code === 'AADSTS7000215');
    expect(pasted?.remediation).toContain('secret ID');
    (app as { clientSecret: string }).clientSecret = realSecret;
    // The partner's own token state is not changed by one customer's refusal.
    expect((await world.partner()).tokenState).toBe('valid');
  });

  it('csp sync errors lists them as a CLI process; the csp.sync job runs under the module registration', async () => {
    const env = { ...world.lanyard.env, NODE_EXTRA_CA_CERTS: world.emulator.caCertPath };
    const listed = await runCli(['csp', 'sync', 'errors', world.partnerSlug, '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    const codes = listed.json().errors.map((error: { customer: string; code: string }) => `${error.customer} ${error.code}`);
    expect(codes).toEqual(expect.arrayContaining(['withdrawnsync.onmicrosoft.com AADSTS65001', 'lowprivsync.onmicrosoft.com Authorization_RequestDenied', 'secretsync.onmicrosoft.com AADSTS7000215']));
    expect(listed.json().errors[0]).toEqual(expect.objectContaining({ step: expect.any(String), message: expect.any(String), firstSeenAt: expect.any(String), lastSeenAt: expect.any(String), count: expect.any(Number) }));

    await ensurePeriodicJob(world.lanyard.context.db, 'csp.sync', new Date());
    expect(await world.lanyard.server.jobs.runDue()).toBeGreaterThanOrEqual(1);
    const row = await world.lanyard.context.db.selectFrom('jobs').selectAll().where('kind', '=', 'csp.sync').executeTakeFirstOrThrow();
    expect(row.state).toBe('queued');
    expect(JSON.parse(row.result ?? 'null')).toMatchObject({ partners: [{ partner: world.partnerSlug, customers: 5 }] });
  });
});
