import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { findOrganizationBySlug } from '../../core/db/organizations.ts';
import { findCustomerDomain } from '../../csp/data/customer-domains.ts';
import { insertCustomer } from '../../csp/data/customers.ts';
import { delegatedGraphPermissions } from '../../csp/customers/consent-app.ts';
import type { Tenant } from '../../emulator/state/model.ts';
import { customerTenant } from '../csp/customer-tenants.ts';
import { startPowerDns, type PowerDnsServer } from '../harness/powerdns.ts';
import { seedOrganization } from '../harness/seed.ts';
import { portalBrowserSuite } from './portal-browser-kit.ts';
import { cspPeople, resellers, startPortalCspWorld } from './portal-csp-world.ts';

/**
 * A CSP customer's Domains page in Chromium, against the emulator and a real PowerDNS that the
 * emulator verifies through: the partner-admin adds a domain whose zone Lanyard hosts (written,
 * verified, set up), one it does not host (the TXT record to add, what the resolver saw, backoff),
 * shows and sets up the records, and federates the verified one after the pre-flight checklist.
 * A reseller may add and verify but not federate; another reseller and an org-admin see nothing.
 */
describe('portal CSP customer domains in Chromium', () => {
  let pdns: PowerDnsServer;
  let tenant: Tenant;
  const tenants: Record<string, string> = {};
  const base = (name: string) => `${portal.world.url}/admin/csp/${portal.world.csp.partnerSlug}/customers/${tenants[name]}/domains`;
  const api = (name: string) => base(name).replace('/admin/csp/', '/admin/api/csp/');
  const csrfOf = async (page: Page) => (await page.getAttribute('form[action="/admin/signout"] input[name=csrf]', 'value'))!;
  const json = { accept: 'application/json' };

  const portal = portalBrowserSuite(async () => {
    pdns = await startPowerDns();
    const world = await startPortalCspWorld('sqlite', {
      tls: true,
      env: { LANYARD_DNS_PROVIDER: 'powerdns', LANYARD_POWERDNS_URL: pdns.apiUrl, LANYARD_POWERDNS_API_KEY: pdns.apiKey, LANYARD_DNS_RESOLVERS: pdns.dnsServer },
    });
    expect((await world.csp.control('/dns-server', 'PUT', { server: pdns.dnsServer })).status).toBe(200);
    await pdns.createZone('fabrikamdns.test');
    const context = world.lanyard.context;
    const partner = await world.csp.partner();
    tenant = customerTenant(world.csp, 'fabrikamdns', { scopes: delegatedGraphPermissions.map((permission) => `https://graph.microsoft.com/${permission}`), domains: [] });
    await seedOrganization(context, { slug: 'fabrikam', domain: 'fabrikam-org.example' });
    const organization = (await findOrganizationBySlug(context.db, 'fabrikam'))!;
    tenants.fabrikam = tenant.id;
    await insertCustomer(context.db, { partnerId: partner.id, tenantId: tenant.id, domain: 'fabrikamdns.onmicrosoft.com', companyName: 'Fabrikam Inc', country: 'US', email: null, resellerId: resellers.mine, organizationId: organization.id, source: 'imported' });
    const tailspin = world.csp.seedCustomer('tailspindns');
    tenants.tailspin = tailspin.id;
    await insertCustomer(context.db, { partnerId: partner.id, tenantId: tailspin.id, domain: 'tailspindns.onmicrosoft.com', companyName: 'Tailspin Toys', country: 'US', email: null, resellerId: resellers.other, organizationId: null, source: 'imported' });
    return world;
  }, { timeout: 120_000, afterStop: async () => { await pdns?.stop(); } });
  const { signedInPage, screenshots, checkPage, cspViolations } = portal;

  it('partner-admin: adds a hosted domain (written, verified, set up) and shows its records', async () => {
    const page = await signedInPage(cspPeople.partnerAdmin);
    await page.goto(`${portal.world.url}/admin/csp/${portal.world.csp.partnerSlug}/customers/${tenants.fabrikam}`);
    await page.click('nav a:has-text("Domains")');
    expect(page.url()).toBe(base('fabrikam'));
    await checkPage(page);
    await screenshots(page, 'csp-domains-empty');
    await page.fill('#domain-name', 'FabrikamDNS.test');
    await Promise.all([page.waitForURL(/added=fabrikamdns\.test/), page.click('button:has-text("Add domain")')]);
    expect(await page.textContent('#notice')).toContain('fabrikamdns.test is verified');
    expect(await page.textContent('#domain-fabrikamdns\\.test')).toContain('verified');
    expect(await page.textContent('#domain-fabrikamdns\\.test')).toContain('zone fabrikamdns.test');
    expect(tenant.domains.get('fabrikamdns.test')!.isVerified).toBe(true);
    const rrsets = await pdns.zoneRrsets('fabrikamdns.test');
    expect(rrsets.some((rrset) => rrset.type === 'MX')).toBe(true);
    const added = await portal.world.lanyard.context.db.selectFrom('auditEvents').select(['actor', 'outcome']).where('action', '=', 'csp.domain.add').where('target', '=', 'fabrikamdns.test').execute();
    expect(added).toEqual([{ actor: `user:${cspPeople.partnerAdmin}`, outcome: 'success' }]);
    await checkPage(page);
    await screenshots(page, 'csp-domains-verified');

    await Promise.all([page.waitForURL(/fabrikamdns\.test\/records/), page.click('a[aria-label="DNS records of fabrikamdns.test"]')]);
    expect(await page.textContent('#records-intro')).toContain('hosts the zone fabrikamdns.test');
    const types = await page.locator('#records tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-type')));
    expect(types).toEqual(expect.arrayContaining(['MX', 'CNAME', 'TXT']));
    expect(await page.locator('#records tbody tr:has-text("present")').count()).toBe(types.length);
    await checkPage(page);
    await screenshots(page, 'csp-domain-records-hosted');
    // Set up again: idempotent, nothing written.
    await page.click('button:has-text("Set up the records")');
    expect(await page.textContent('#notice')).toContain('0 record set(s) written');
    const answer = (await (await page.request.get(`${api('fabrikam')}/fabrikamdns.test/records`)).json()) as { verified: boolean; hostedZone: string };
    expect(answer).toMatchObject({ verified: true, hostedZone: 'fabrikamdns.test' });
    await page.close();
  }, 120_000);

  it('partner-admin: a zone Lanyard does not host: the TXT record to add, what the resolver saw, the backoff', async () => {
    const page = await signedInPage(cspPeople.partnerAdmin);
    await page.goto(base('fabrikam'));
    await page.fill('#domain-name', 'fabrikam-elsewhere.test');
    await Promise.all([page.waitForURL(/added=fabrikam-elsewhere\.test/), page.click('button:has-text("Add domain")')]);
    const problem = (await page.textContent('#domain-problem'))!;
    expect(problem).toContain('CSP_DOMAIN_VERIFICATION_FAILED');
    expect(problem).toMatch(/TXT fabrikam-elsewhere\.test "MS=ms\d+" is missing/);
    expect(problem).toContain(pdns.dnsServer);
    const row = (await page.textContent('#domain-fabrikam-elsewhere\\.test'))!;
    expect(row).toContain('unverified');
    expect(row).toContain('1 attempt');
    await page.click('button[aria-label="Verify now: fabrikam-elsewhere.test"]');
    await page.waitForURL(/verified=fabrikam-elsewhere\.test/);
    expect(await page.textContent('#domain-fabrikam-elsewhere\\.test')).toContain('2 attempts');
    const stored = (await findCustomerDomain(portal.world.lanyard.context.db, 'fabrikam-elsewhere.test'))!;
    expect(await page.textContent('#domain-fabrikam-elsewhere\\.test time')).toBe(`${stored.nextAttemptAt!.slice(0, 16).replace('T', ' ')} UTC`);
    await checkPage(page);
    await screenshots(page, 'csp-domains-failing');

    await page.click('a[aria-label="DNS records of fabrikam-elsewhere.test"]');
    expect(await page.textContent('#records-intro')).toContain('Lanyard does not host this zone');
    const txt = page.locator('#records tbody tr[data-type="TXT"]');
    expect(await txt.textContent()).toMatch(/@\s*MS=ms\d+/);
    expect(await txt.textContent()).toContain('missing');
    expect(await page.locator('#setup-records').count()).toBe(0);
    await checkPage(page);
    await screenshots(page, 'csp-domain-records-not-hosted');
    const listed = (await (await page.request.get(api('fabrikam'))).json()) as { domains: { domain: string; state: string; attempts: number }[] };
    expect(listed.domains.map((domain) => [domain.domain, domain.state, domain.attempts])).toEqual([['fabrikam-elsewhere.test', 'unverified', 2], ['fabrikamdns.test', 'verified', 0]]);
    await page.close();
  }, 120_000);

  it('reseller: adds and verifies, but may not federate (page, JSON, post with its own CSRF token); another reseller and an org-admin see nothing', async () => {
    const page = await signedInPage(cspPeople.reseller);
    await page.goto(base('fabrikam'));
    expect(await page.locator('#add-domain').count()).toBe(1);
    expect(await page.locator('a:has-text("Federate")').count()).toBe(0);
    await checkPage(page);
    await screenshots(page, 'csp-domains-reseller');
    expect((await page.goto(`${base('fabrikam')}/fabrikamdns.test/federate`))?.status()).toBe(403);
    expect(await page.textContent('#error-code')).toBe('ADMIN_FORBIDDEN');
    expect((await page.request.get(`${api('fabrikam')}/fabrikamdns.test/federation-preflight`)).status()).toBe(403);
    await page.goto(base('fabrikam'));
    const csrf = await csrfOf(page);
    for (const url of [`${base('fabrikam')}/fabrikamdns.test/federate`, `${api('fabrikam')}/fabrikamdns.test/federate`]) {
      const refused = await page.request.post(url, { form: { csrf }, headers: json });
      expect(refused.status(), url).toBe(403);
    }
    expect(tenant.domains.get('fabrikamdns.test')!.authenticationType).toBe('Managed');
    // Its own customer's domain actions are allowed: verify answers the outcome as JSON.
    const verified = await page.request.post(`${api('fabrikam')}/fabrikam-elsewhere.test/verify`, { form: { csrf }, headers: json });
    expect(verified.status()).toBe(200);
    expect(((await verified.json()) as { error: { code: string } }).error.code).toBe('CSP_DOMAIN_VERIFICATION_FAILED');
    await page.close();

    const ron = await signedInPage(cspPeople.otherReseller);
    expect((await ron.goto(base('fabrikam')))?.status()).toBe(403);
    expect((await ron.request.get(api('fabrikam'))).status()).toBe(403);
    await ron.goto(base('tailspin'));
    const ronCsrf = await csrfOf(ron);
    const forged = await ron.request.post(base('fabrikam'), { form: { csrf: ronCsrf, name: 'ron.test' }, headers: json });
    expect(forged.status()).toBe(403);
    expect(await findCustomerDomain(portal.world.lanyard.context.db, 'ron.test')).toBeUndefined();
    await ron.close();

    const alice = await signedInPage(cspPeople.orgAdmin);
    expect((await alice.goto(base('fabrikam')))?.status()).toBe(403);
    expect((await alice.request.get(api('fabrikam'))).status()).toBe(403);
    await alice.close();
  }, 120_000);

  it('partner-admin: federates the verified domain after the pre-flight checklist and the Graph body', async () => {
    const page = await signedInPage(cspPeople.partnerAdmin);
    await page.goto(base('fabrikam'));
    await Promise.all([page.waitForURL(/fabrikamdns\.test\/federate/), page.click('a[aria-label="Federate fabrikamdns.test"]')]);
    const checks = await page.locator('#preflight > li').evaluateAll((items) => items.map((item) => `${item.getAttribute('data-check')}:${item.getAttribute('class')}`));
    expect(checks).toEqual(expect.arrayContaining(['domain-in-tenant:ok', 'domain-verified:ok', 'cloud-global-admin:ok']));
    expect(checks.every((check) => check.endsWith(':ok')), checks.join(' ')).toBe(true);
    const body = JSON.parse((await page.textContent('#graph-body'))!) as Record<string, unknown>;
    expect(body.issuerUri).toContain('fabrikamdns.test');
    // The pre-flight wrote nothing: not in Lanyard's organization yet, not federated at Microsoft.
    expect(await portal.world.lanyard.context.db.selectFrom('domains').select('id').where('name', '=', 'fabrikamdns.test').executeTakeFirst()).toBeUndefined();
    expect(tenant.domains.get('fabrikamdns.test')!.authenticationType).toBe('Managed');
    const preflight = (await (await page.request.get(`${api('fabrikam')}/fabrikamdns.test/federation-preflight`)).json()) as { ready: boolean };
    expect(preflight.ready).toBe(true);
    await checkPage(page);
    await screenshots(page, 'csp-federate-preflight');
    expect(await page.locator('#federate-code').count()).toBe(0);
    await Promise.all([page.waitForURL(/federated=fabrikamdns\.test/), page.click('button:has-text("Federate fabrikamdns.test")')]);
    expect(await page.textContent('#notice')).toContain('fabrikamdns.test is federated');
    expect(await page.textContent('#domain-fabrikamdns\\.test')).toContain('federated');
    expect(tenant.domains.get('fabrikamdns.test')!.authenticationType).toBe('Federated');
    const events = await portal.world.lanyard.context.db.selectFrom('auditEvents').select(['actor', 'outcome']).where('action', '=', 'federation.federate').execute();
    expect(events).toEqual([{ actor: `user:${cspPeople.partnerAdmin}`, outcome: 'success' }]);
    await checkPage(page);
    await screenshots(page, 'csp-domains-federated');
    expect(cspViolations).toEqual([]);
    await page.close();
  }, 120_000);
});
