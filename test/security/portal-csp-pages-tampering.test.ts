/**
 * Threat: on the CSP Domains, Users & licences and Sync pages, an admin reaches what their role does
 * not cover by editing a URL: a reseller opens or posts to another reseller's customer, names
 * another customer's domain under its own customer's URL (the domain commands find a domain by name
 * alone), or runs and configures the partner's sync.
 * Invariant: every page, JSON call and form post asks the one rule for its own action and the
 * customer in the URL, and a domain is looked up among that customer's only; outside the scope it is
 * refused (403, or 404 for another customer's domain) and nothing changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCustomerDomain, insertCustomerDomain } from '../../csp/data/customer-domains.ts';
import { insertCustomer } from '../../csp/data/customers.ts';
import { readSyncSettings } from '../../csp/data/sync-settings.ts';
import { csrfOf } from '../portal/portal-pages-helpers.ts';
import { cspPeople, resellers, startPortalCspWorld, type PortalCspWorld } from '../portal/portal-csp-world.ts';

describe('portal CSP pages URL tampering', () => {
  let world: PortalCspWorld;
  const tenants: Record<string, string> = {};
  const json = { accept: 'application/json' };
  const customerUrl = (name: string, api = false) => `${world.url}/admin/${api ? 'api/' : ''}csp/${world.csp.partnerSlug}/customers/${tenants[name]}`;
  const codeOf = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

  beforeAll(async () => {
    world = await startPortalCspWorld('sqlite');
    const partner = await world.csp.partner();
    const db = world.lanyard.context.db;
    for (const [name, resellerId, tenantId] of [['fabrikam', resellers.mine, '44444444-4444-4444-8444-444444444441'], ['tailspin', resellers.other, '44444444-4444-4444-8444-444444444442']] as const) {
      tenants[name] = tenantId;
      await insertCustomer(db, { partnerId: partner.id, tenantId, domain: `${name}.onmicrosoft.com`, companyName: name, country: 'DE', email: null, resellerId, organizationId: null, source: 'imported' });
    }
    const tailspin = (await db.selectFrom('cspCustomers').select('id').where('tenantId', '=', tenants.tailspin!).executeTakeFirstOrThrow()).id;
    await insertCustomerDomain(db, { customerId: tailspin, domain: 'tailspin.test' }, world.clock.now());
  });
  afterAll(async () => world?.stop());

  it("a reseller cannot reach another reseller's customer's domains or users: pages, JSON, forged posts", async () => {
    const rita = await world.signIn(cspPeople.reseller);
    const csrf = await csrfOf(rita, world.url);
    for (const path of ['/domains', '/domains/tailspin.test/records', '/domains/tailspin.test/federate', '/users']) {
      expect((await rita.request(`${customerUrl('tailspin')}${path}`)).status, path).toBe(403);
      expect((await rita.request(`${customerUrl('tailspin', true)}${path.replace('/federate', '/federation-preflight')}`, { headers: json })).status, `api ${path}`).toBe(403);
    }
    const posts: [string, Record<string, string>][] = [
      ['/domains', { name: 'rita.test' }],
      ['/domains/tailspin.test/verify', {}],
      ['/domains/tailspin.test/records', {}],
      ['/domains/tailspin.test/federate', {}],
      ['/users', { name: 'Rita', upn: 'rita@tailspin.onmicrosoft.com' }],
      ['/users/someone/licences', { sku: 'ENTERPRISEPACK', action: 'assign' }],
      ['/users/someone/remove', {}],
    ];
    for (const [path, form] of posts) {
      for (const api of [false, true]) {
        const refused = await rita.request(`${customerUrl('tailspin', api)}${path}`, { form: { csrf, ...form }, headers: json });
        expect(refused.status, `${api ? 'api ' : ''}${path}`).toBe(403);
        expect(await codeOf(refused)).toBe('ADMIN_FORBIDDEN');
      }
    }
    expect(await findCustomerDomain(world.lanyard.context.db, 'rita.test')).toBeUndefined();
    expect((await findCustomerDomain(world.lanyard.context.db, 'tailspin.test'))!.attempts).toBe(0);
  });

  it("another customer's domain under one's own customer's URL is not found, for a reseller and the partner-admin alike", async () => {
    for (const upn of [cspPeople.reseller, cspPeople.partnerAdmin]) {
      const admin = await world.signIn(upn);
      const csrf = await csrfOf(admin, world.url);
      const gets = upn === cspPeople.partnerAdmin ? ['/domains/tailspin.test/records', '/domains/tailspin.test/federate'] : ['/domains/tailspin.test/records'];
      for (const path of gets) {
        const page = await admin.request(`${customerUrl('fabrikam')}${path}`, { headers: json });
        expect(page.status, `${upn} ${path}`).toBe(404);
        expect(await codeOf(page)).toBe('CSP_DOMAIN_NOT_FOUND');
      }
      const posts = upn === cspPeople.partnerAdmin ? ['verify', 'records', 'federate'] : ['verify', 'records'];
      for (const action of posts) {
        const refused = await admin.request(`${customerUrl('fabrikam', true)}/domains/tailspin.test/${action}`, { form: { csrf }, headers: json });
        expect(refused.status, `${upn} ${action}`).toBe(404);
        expect(await codeOf(refused)).toBe('CSP_DOMAIN_NOT_FOUND');
      }
    }
    expect((await findCustomerDomain(world.lanyard.context.db, 'tailspin.test'))!.attempts).toBe(0);
  });

  it('a reseller and an org-admin cannot see, run or configure the partner\'s sync', async () => {
    const partner = await world.csp.partner();
    const before = await readSyncSettings(world.lanyard.context.db, partner.id);
    for (const upn of [cspPeople.reseller, cspPeople.orgAdmin]) {
      const admin = await world.signIn(upn);
      const csrf = await csrfOf(admin, world.url);
      const sync = `${world.url}/admin/csp/${world.csp.partnerSlug}/sync`;
      const syncApi = `${world.url}/admin/api/csp/${world.csp.partnerSlug}/sync`;
      expect((await admin.request(sync)).status).toBe(403);
      expect((await admin.request(syncApi, { headers: json })).status).toBe(403);
      for (const url of [`${sync}/run`, `${syncApi}/run`, `${sync}/settings`, `${syncApi}/settings`]) {
        expect((await admin.request(url, { form: { csrf, match: 'login', ignoreAccountEnabled: 'on' }, headers: json })).status, `${upn} ${url}`).toBe(403);
      }
    }
    expect(await readSyncSettings(world.lanyard.context.db, partner.id)).toEqual(before);
    expect(await world.lanyard.context.db.selectFrom('jobs').select('id').where('kind', '=', 'csp.sync-partner').execute()).toEqual([]);
  });
});
