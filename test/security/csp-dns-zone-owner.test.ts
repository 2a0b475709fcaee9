/**
 * Threat: a reseller (or a partner-admin, by mistake) adds to its CSP customer's tenant a name in a
 * zone Lanyard's DNS provider hosts for another customer (`shop.owned.test`, a sub-zone
 * `eu.owned.test`), or verifies / sets up such a domain, so Lanyard writes Microsoft's TXT and the
 * mail records into the other customer's zone; the scheduled job does the same for such a row.
 * Invariant: Lanyard writes into a hosted zone only for the customer that owns it (csp_dns_zone_owners,
 * one rule in csp/domains/hosted-zone-access.ts). Another customer's zone, or one around or inside
 * it, is CSP_DNS_ZONE_OWNED_ELSEWHERE (409) naming nothing of that customer, and the zone's records
 * stay as they were in PowerDNS. An unowned hosted zone is claimed only by a partner-admin or the
 * operator (CLI); a reseller gets the records to add by hand and a note, and nothing is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePeriodicJob } from '../../core/jobs/job-store.ts';
import { findOrganizationBySlug } from '../../core/db/organizations.ts';
import { findCustomerDomain, insertCustomerDomain } from '../../csp/data/customer-domains.ts';
import { insertCustomer } from '../../csp/data/customers.ts';
import { findDnsZoneOwner } from '../../csp/data/dns-zone-owners.ts';
import type { CspCustomer } from '../../csp/data/tables.ts';
import { delegatedGraphPermissions } from '../../csp/customers/consent-app.ts';
import { domainSetupJobKind } from '../../csp/jobs/domain-setup-job.ts';
import type { Tenant } from '../../emulator/state/model.ts';
import { customerTenant } from '../csp/customer-tenants.ts';
import { runCli } from '../harness/cli.ts';
import { startPowerDns, type PowerDnsServer } from '../harness/powerdns.ts';
import { seedOrganization } from '../harness/seed.ts';
import { csrfOf } from '../portal/portal-pages-helpers.ts';
import { cspPeople, resellers, startPortalCspWorld, type PortalCspWorld } from '../portal/portal-csp-world.ts';

describe('CSP hosted DNS zones are written only for the customer that owns them', () => {
  let pdns: PowerDnsServer;
  let world: PortalCspWorld;
  let fabrikam: CspCustomer;
  let tailspin: CspCustomer;
  let tailspinTenant: Tenant;
  const tenants: Record<string, string> = {};
  const json = { accept: 'application/json' };
  const domainsUrl = (name: string) => `${world.url}/admin/api/csp/${world.csp.partnerSlug}/customers/${tenants[name]}/domains`;
  const zones = ['owned.test', 'eu.owned.test', 'free.test'];
  const snapshot = async () => Object.fromEntries(await Promise.all(zones.map(async (zone) => [zone, await pdns.zoneRrsets(zone)] as const)));

  beforeAll(async () => {
    pdns = await startPowerDns();
    world = await startPortalCspWorld('sqlite', {
      env: { LANYARD_DNS_PROVIDER: 'powerdns', LANYARD_POWERDNS_URL: pdns.apiUrl, LANYARD_POWERDNS_API_KEY: pdns.apiKey, LANYARD_DNS_RESOLVERS: pdns.dnsServer },
    });
    expect((await world.csp.control('/dns-server', 'PUT', { server: pdns.dnsServer })).status).toBe(200);
    for (const zone of zones) await pdns.createZone(zone);
    const context = world.lanyard.context;
    const partner = await world.csp.partner();
    const scopes = delegatedGraphPermissions.map((permission) => `https://graph.microsoft.com/${permission}`);
    // Customer A (fabrikam, reseller r-1) and customer B (tailspin, reseller r-2), both linked, so Lanyard reaches both tenants.
    const fabrikamTenant = customerTenant(world.csp, 'fabrikamzone', { scopes, domains: [] });
    // B's tenant already has a name in A's zone (added before the zone had an owner, or by hand).
    tailspinTenant = customerTenant(world.csp, 'tailspinzone', { scopes, domains: [{ id: 'legacy.owned.test', isVerified: false }] });
    for (const [name, tenant, resellerId] of [['fabrikam', fabrikamTenant, resellers.mine], ['tailspin', tailspinTenant, resellers.other]] as const) {
      await seedOrganization(context, { slug: name, domain: `${name}-org.example` });
      const organization = (await findOrganizationBySlug(context.db, name))!;
      tenants[name] = tenant.id;
      await insertCustomer(context.db, { partnerId: partner.id, tenantId: tenant.id, domain: `${name}zone.onmicrosoft.com`, companyName: name, country: 'US', email: null, resellerId, organizationId: organization.id, source: 'imported' });
    }
    const customerOf = async (tenantId: string) => (await context.db.selectFrom('cspCustomers').selectAll().where('tenantId', '=', tenantId).executeTakeFirstOrThrow());
    fabrikam = await customerOf(tenants.fabrikam!);
    tailspin = await customerOf(tenants.tailspin!);
    await insertCustomerDomain(context.db, { customerId: tailspin.id, domain: 'legacy.owned.test' }, world.clock.now());

    // The partner-admin sets up A's domain: Lanyard writes the zone and claims it for A.
    const pat = await world.signIn(cspPeople.partnerAdmin);
    const added = await pat.request(domainsUrl('fabrikam'), { form: { csrf: await csrfOf(pat, world.url), name: 'owned.test' }, headers: json });
    expect(added.status).toBe(200);
    expect(await added.json()).toMatchObject({ domain: 'owned.test', state: 'verified', hostedZone: 'owned.test' });
  }, 120_000);
  afterAll(async () => {
    await world?.stop();
    await pdns?.stop();
  });

  it("the partner-admin's first write claimed A's zone, audited", async () => {
    const db = world.lanyard.context.db;
    expect(await findDnsZoneOwner(db, 'owned.test')).toMatchObject({ customerId: fabrikam.id, claimedBy: `user:${cspPeople.partnerAdmin}` });
    const claims = await db.selectFrom('auditEvents').select(['actor', 'target']).where('action', '=', 'csp.dns.zone.claim').execute();
    expect(claims).toEqual([{ actor: `user:${cspPeople.partnerAdmin}`, target: 'owned.test' }]);
  });

  it("a reseller of another customer and the partner-admin for a second customer cannot write into A's zone, a name in it or a sub-zone of it (portal)", async () => {
    const before = await snapshot();
    expect(before['owned.test']!.some((rrset) => rrset.type === 'MX')).toBe(true);
    for (const upn of [cspPeople.otherReseller, cspPeople.partnerAdmin]) {
      const admin = await world.signIn(upn);
      const csrf = await csrfOf(admin, world.url);
      for (const name of ['shop.owned.test', 'eu.owned.test']) {
        const refused = await admin.request(domainsUrl('tailspin'), { form: { csrf, name }, headers: json });
        expect(refused.status, `${upn} adds ${name}`).toBe(409);
        const { error } = (await refused.json()) as { error: { code: string; message: string; details: Record<string, unknown> } };
        expect(error.code).toBe('CSP_DNS_ZONE_OWNED_ELSEWHERE');
        // Nothing of the owner: not its name, tenant or id.
        expect(JSON.stringify(error)).not.toMatch(new RegExp(`fabrikam|${tenants.fabrikam}|${fabrikam.id}`));
        expect(await findCustomerDomain(world.lanyard.context.db, name)).toBeUndefined();
        expect(tailspinTenant.domains.has(name)).toBe(false);
      }
      for (const action of ['verify', 'records']) {
        const refused = await admin.request(`${domainsUrl('tailspin')}/legacy.owned.test/${action}`, { form: { csrf }, headers: json });
        expect(refused.status, `${upn} ${action}`).toBe(409);
        expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('CSP_DNS_ZONE_OWNED_ELSEWHERE');
      }
    }
    expect(await snapshot()).toEqual(before);
    expect(await findDnsZoneOwner(world.lanyard.context.db, 'eu.owned.test')).toBeUndefined();
  });

  it("the CLI (the operator) cannot write into A's zone for B either", async () => {
    const before = await snapshot();
    const env = { ...world.lanyard.env, NODE_EXTRA_CA_CERTS: world.csp.emulator.caCertPath };
    for (const args of [['csp', 'domain', 'add', tailspin.domain, 'cli.owned.test'], ['csp', 'domain', 'verify', 'legacy.owned.test'], ['csp', 'domain', 'records', 'legacy.owned.test', '--setup']]) {
      const refused = await runCli(args, env);
      expect(refused.code, args.join(' ')).not.toBe(0);
      expect(refused.stderr, args.join(' ')).toContain('CSP_DNS_ZONE_OWNED_ELSEWHERE');
    }
    expect(await findCustomerDomain(world.lanyard.context.db, 'cli.owned.test')).toBeUndefined();
    expect(await snapshot()).toEqual(before);
  }, 60_000);

  it("the scheduled job does not write into A's zone for B's domain, and records why", async () => {
    const before = await snapshot();
    const db = world.lanyard.context.db;
    const at = world.clock.now().toISOString();
    // The job works on customers with an active subscription.
    await db.insertInto('cspSubscriptions').values({
      id: 'sub-tailspin', partnerId: tailspin.partnerId, customerId: tailspin.id, partnerCenterId: 'pc-sub-tailspin', orderId: null, offerId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', offerName: 'Microsoft 365 Business Basic',
      isNewCommerce: 1, licenceSkuId: null, minimumQuantity: 1, maximumQuantity: 300, billingCycle: 'monthly', termDuration: 'P1M', name: 'Business Basic', quantity: 1, status: 'active',
      termStartDate: at, commitmentEndDate: null, customTermEndDate: null, cancellationAllowedUntil: null, scheduledQuantity: null, etag: null, lockedByChange: null, deleteAfter: null, createdAt: at, updatedAt: at,
    }).execute();
    await ensurePeriodicJob(db, domainSetupJobKind, world.clock.now());
    expect(await world.lanyard.server.jobs.runDue()).toBeGreaterThanOrEqual(1);
    const job = await db.selectFrom('jobs').selectAll().where('kind', '=', domainSetupJobKind).executeTakeFirstOrThrow();
    expect(JSON.parse(job.result ?? 'null')).toMatchObject({ recordsWritten: 0, failed: [{ domain: 'legacy.owned.test', code: 'CSP_DNS_ZONE_OWNED_ELSEWHERE' }] });
    expect(await findCustomerDomain(db, 'legacy.owned.test')).toMatchObject({ state: 'unverified', lastErrorCode: 'CSP_DNS_ZONE_OWNED_ELSEWHERE' });
    expect(tailspinTenant.domains.get('legacy.owned.test')!.isVerified).toBe(false);
    expect(await snapshot()).toEqual(before);
  });

  it('a reseller adding a domain in an unowned hosted zone gets the records to add and a note, never a write; the partner-admin claims it', async () => {
    const before = await snapshot();
    const rita = await world.signIn(cspPeople.reseller);
    const added = await rita.request(domainsUrl('fabrikam'), { form: { csrf: await csrfOf(rita, world.url), name: 'free.test' }, headers: json });
    expect(added.status).toBe(200);
    const outcome = (await added.json()) as { hostedZone: string | null; written: unknown[]; toAdd: { type: string; host: string }[]; note: string; error: { code: string } };
    expect(outcome).toMatchObject({ hostedZone: null, written: [], note: expect.stringContaining('partner admin') });
    expect(outcome.toAdd).toEqual([expect.objectContaining({ type: 'TXT', host: '@' })]);
    expect(outcome.error.code).toBe('CSP_DOMAIN_VERIFICATION_FAILED');
    expect(await findDnsZoneOwner(world.lanyard.context.db, 'free.test')).toBeUndefined();
    const setup = await rita.request(`${domainsUrl('fabrikam')}/free.test/records`, { form: { csrf: await csrfOf(rita, world.url) }, headers: json });
    expect(await setup.json()).toMatchObject({ hostedZone: null, written: [], note: expect.stringContaining('partner admin') });
    expect(await snapshot()).toEqual(before);

    const pat = await world.signIn(cspPeople.partnerAdmin);
    const claimed = await pat.request(`${domainsUrl('fabrikam')}/free.test/verify`, { form: { csrf: await csrfOf(pat, world.url) }, headers: json });
    expect(await claimed.json()).toMatchObject({ state: 'verified', hostedZone: 'free.test' });
    expect(await findDnsZoneOwner(world.lanyard.context.db, 'free.test')).toMatchObject({ customerId: fabrikam.id });
  });

  it('the operator lists the claims and releases one; a release of an unowned zone is refused', async () => {
    const env = { ...world.lanyard.env, NODE_EXTRA_CA_CERTS: world.csp.emulator.caCertPath };
    const listed = await runCli(['csp', 'dns', 'zone', 'list', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.json()).toEqual([
      expect.objectContaining({ zone: 'free.test', customer: fabrikam.domain, claimedBy: `user:${cspPeople.partnerAdmin}` }),
      expect.objectContaining({ zone: 'owned.test', customer: fabrikam.domain, claimedBy: `user:${cspPeople.partnerAdmin}` }),
    ]);
    expect((await runCli(['csp', 'dns', 'zone', 'release', 'FREE.test.'], env)).code).toBe(0);
    expect(await findDnsZoneOwner(world.lanyard.context.db, 'free.test')).toBeUndefined();
    const again = await runCli(['csp', 'dns', 'zone', 'release', 'free.test'], env);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('CSP_DNS_ZONE_NOT_CLAIMED');
    const released = await world.lanyard.context.db.selectFrom('auditEvents').select(['actor', 'target']).where('action', '=', 'csp.dns.zone.release').execute();
    expect(released).toEqual([{ actor: 'cli', target: 'free.test' }]);
  }, 60_000);
});
