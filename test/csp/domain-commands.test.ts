import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../core/secret-box.ts';
import { insertCustomer } from '../../csp/data/customers.ts';
import { insertPartner } from '../../csp/data/partners.ts';
import type { RunningEmulator } from '../../emulator/start.ts';
import { createOrganization } from '../../idp/accounts/organizations.ts';
import { saveTenantConnection } from '../../provisioning/data/tenant-connections.ts';
import { tenantSecretContext } from '../../provisioning/tenant/graph-client.ts';
import { cliEnvironment, runCli } from '../harness/cli.ts';
import { createTestDatabase, type TestDatabase } from '../harness/databases.ts';
import { startPowerDns, type PowerDnsServer } from '../harness/powerdns.ts';
import { fetchAccessToken, graphRequest, seedTenant, startTrustedEmulator } from '../emulator/harness.ts';
import { ensurePeriodicJob } from '../../core/jobs/job-store.ts';
import { findCustomerDomain, insertCustomerDomain } from '../../csp/data/customer-domains.ts';
import { claimDnsZone } from '../../csp/data/dns-zone-owners.ts';
import { domainSetupJobKind } from '../../csp/jobs/domain-setup-job.ts';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';
import { federationAppRoles } from '../e2e/federation-stack.ts';
import { testPartner } from './partner-fixture.ts';

/**
 * `lanyard csp domain …` as CLI processes against the emulator and a real PowerDNS. The customer's
 * tenant is reached through the Lanyard organization it is linked to (a tenant connection of an app
 * registered in the emulated tenant); the partner's delegated access is another part of issue 12.
 */
const rfc2136Key = { name: 'lanyard-cli', algorithm: 'hmac-sha512', secret: Buffer.from('lanyard-cli-rfc2136-secret-0123456789').toString('base64') } as const;

describe('csp domain commands', () => {
  let pdns: PowerDnsServer;
  let emulator: RunningEmulator;
  let database: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  const customerRef = 'litware.onmicrosoft.com';
  beforeAll(async () => {
    // Updates allowed too, so one test can run the commands with LANYARD_DNS_PROVIDER=rfc2136.
    pdns = await startPowerDns({ dnsUpdate: rfc2136Key });
    emulator = await startTrustedEmulator({ dnsServer: pdns.dnsServer });
    database = await createTestDatabase('sqlite');
    dataDir = mkdtempSync(path.join(tmpdir(), 'lanyard-domain-cli-'));
    env = cliEnvironment(database.url, dataDir, {
      LANYARD_MICROSOFT_LOGIN_URL: emulator.baseUrl,
      LANYARD_GRAPH_URL: emulator.baseUrl,
      NODE_EXTRA_CA_CERTS: emulator.caCertPath,
      LANYARD_DNS_PROVIDER: 'powerdns',
      LANYARD_POWERDNS_URL: pdns.apiUrl,
      LANYARD_POWERDNS_API_KEY: pdns.apiKey,
      LANYARD_DNS_RESOLVERS: pdns.dnsServer,
    });
    // The app may also federate (as `lanyard federate` needs); a Global Administrator keeps a cloud sign-in.
    const seeded = seedTenant(emulator, 'litware', ['Domain.ReadWrite.All', ...federationAppRoles], {
      users: [{ userPrincipalName: 'admin@litware.onmicrosoft.com', directoryRoles: ['Global Administrator'] }],
    });
    const organization = await createOrganization(database.db, { slug: 'litware', name: 'Litware' }, 'test');
    await saveTenantConnection(database.db, {
      organizationId: organization.id,
      tenantId: seeded.tenant.id,
      clientId: seeded.clientId,
      clientSecretEncrypted: createSecretBox(Buffer.from(env.LANYARD_MASTER_KEY!, 'base64')).seal(seeded.clientSecret, tenantSecretContext(organization.id)),
    });
    const partner = await insertPartner(database.db, testPartner('northwind', { isDefault: true, endpoints: emulator.baseUrl }));
    await insertCustomer(database.db, { partnerId: partner!.id, tenantId: seeded.tenant.id, domain: customerRef, companyName: 'Litware', country: 'DE', email: null, resellerId: null, organizationId: organization.id, source: 'created' });
    await insertCustomer(database.db, { partnerId: partner!.id, tenantId: '44444444-4444-4444-4444-444444444444', domain: 'unlinked.onmicrosoft.com', companyName: 'Unlinked', country: 'DE', email: null, resellerId: null, organizationId: null, source: 'created' });
    await pdns.createZone('litware.test');
  });
  afterAll(async () => {
    await database?.drop();
    await emulator?.close();
    await pdns?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('adds a domain in a hosted zone and verifies it in one go; a second `records --setup` writes nothing', async () => {
    const added = await runCli(['csp', 'domain', 'add', customerRef, 'litware.test', '--json'], env);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.json()).toMatchObject({ domain: 'litware.test', state: 'verified', hostedZone: 'litware.test' });
    expect(added.json().written.length).toBeGreaterThan(2);
    expect(emulator.state.findDomain('litware.test')!.domain.isVerified).toBe(true);

    const records = await runCli(['csp', 'domain', 'records', 'litware.test', '--setup'], env);
    expect(records.code).toBe(0);
    expect(records.stdout).toContain('verified; the service records (zone litware.test hosted by Lanyard\'s DNS provider, 0 rrset(s) written)');
    expect(records.stdout).toContain('MX  @  litware-test.mail.protection.outlook.com  priority 0  TTL 3600');
    expect(records.stdout).toContain('is in place');
    expect(records.stdout).not.toContain('missing');
  });

  it('with LANYARD_DNS_PROVIDER=rfc2136, writes the records by TSIG-signed dynamic update and verifies; a wrong secret is refused', async () => {
    await pdns.createZone('rfc2136-litware.test');
    const { LANYARD_POWERDNS_URL: _url, LANYARD_POWERDNS_API_KEY: _key, ...common } = env;
    const rfc2136 = { ...common, LANYARD_DNS_PROVIDER: 'rfc2136', LANYARD_RFC2136_SERVER: pdns.dnsServer, LANYARD_RFC2136_TSIG_KEY_NAME: rfc2136Key.name, LANYARD_RFC2136_TSIG_ALGORITHM: rfc2136Key.algorithm, LANYARD_RFC2136_TSIG_SECRET: rfc2136Key.secret };
    const added = await runCli(['csp', 'domain', 'add', customerRef, 'rfc2136-litware.test', '--json'], rfc2136);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.json()).toMatchObject({ domain: 'rfc2136-litware.test', state: 'verified', hostedZone: 'rfc2136-litware.test' });
    expect(added.json().written.length).toBeGreaterThan(2);
    const records = await runCli(['csp', 'domain', 'records', 'rfc2136-litware.test', '--setup'], rfc2136);
    expect(records.stdout).toContain('0 rrset(s) written');
    await pdns.createZone('rfc2136-wrong-key.test');
    const wrongKey = await runCli(['csp', 'domain', 'add', customerRef, 'rfc2136-wrong-key.test', '--json'], { ...rfc2136, LANYARD_RFC2136_TSIG_SECRET: Buffer.alloc(32, 3).toString('base64') });
    expect(wrongKey.code).toBe(1);
    expect(JSON.parse(wrongKey.stderr).error).toMatchObject({ code: 'DNS_PROVIDER_REFUSED', message: expect.stringContaining('answered REFUSED to writing TXT rfc2136-wrong-key.test') });
  });

  it('for a zone it does not host, prints the record to add; verify fails naming what the resolver saw, then succeeds once it is there', async () => {
    const added = await runCli(['csp', 'domain', 'add', customerRef, 'fabrikam-shop.test'], env);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('fabrikam-shop.test: unverified');
    expect(added.stdout).toContain('add this record at the domain’s DNS host, then run `lanyard csp domain verify fabrikam-shop.test`:');
    const value = /TXT {2}@ {2}(MS=ms\d{8}) {2}TTL 3600/.exec(added.stdout)?.[1];
    expect(value).toBeDefined();

    const failed = await runCli(['csp', 'domain', 'verify', 'fabrikam-shop.test', '--json'], env);
    expect(failed.code).toBe(1);
    const error = JSON.parse(failed.stderr).error;
    expect(error.code).toBe('CSP_DOMAIN_VERIFICATION_FAILED');
    expect(error.message).toContain(`TXT fabrikam-shop.test "${value}" is missing: ${pdns.dnsServer} answered no TXT record (the server refused the query)`);
    expect(error.details.resolverSaw).toEqual([{ record: 'TXT fabrikam-shop.test', status: 'missing', seen: [] }]);

    const listed = await runCli(['csp', 'domain', 'list', customerRef, '--json'], env);
    expect(listed.json().find((row: { domain: string }) => row.domain === 'fabrikam-shop.test')).toMatchObject({ state: 'unverified', attempts: 2, lastErrorCode: 'CSP_DOMAIN_VERIFICATION_FAILED' });

    // The customer's own DNS host gets the record (here a zone on the same PowerDNS, added by hand).
    await pdns.createZone('fabrikam-shop.test', [{ name: 'fabrikam-shop.test.', type: 'TXT', ttl: 3600, records: [{ content: `"${value}"` }] }]);
    const verified = await runCli(['csp', 'domain', 'verify', 'fabrikam-shop.test'], env);
    expect(verified.stderr).toBe('');
    expect(verified.code).toBe(0);
    // Now hosted by the same PowerDNS, Lanyard writes the service records itself.
    expect(verified.stdout).toContain('fabrikam-shop.test: verified (zone fabrikam-shop.test hosted');
  });

  it('with --federate, federates the domain once verified, through the same pre-flight as `lanyard federate`', async () => {
    await pdns.createZone('sso-litware.test');
    const added = await runCli(['csp', 'domain', 'add', customerRef, 'sso-litware.test', '--federate', '--json'], env);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const result = added.json();
    expect(result).toMatchObject({ domain: 'sso-litware.test', state: 'verified', federation: { domain: 'sso-litware.test', dryRun: false, result: { authenticationType: 'Federated' } } });
    expect(result.federation.checks.every((check: { ok: boolean }) => check.ok)).toBe(true);
    const tenantDomain = emulator.state.findDomain('sso-litware.test')!.domain;
    expect(tenantDomain.authenticationType).toBe('Federated');
    expect(tenantDomain.federationConfiguration?.issuerUri).toContain('sso-litware.test');

    // Not verified yet: nothing is federated, and the text says what to run later.
    const waiting = await runCli(['csp', 'domain', 'add', customerRef, 'later-litware.test', '--federate'], env);
    expect(waiting.code).toBe(0);
    expect(waiting.stdout).toContain('not federated yet: later-litware.test is not verified; run `lanyard csp domain verify later-litware.test --federate`');
    expect(emulator.state.findDomain('later-litware.test')!.domain.authenticationType).toBe('Managed');
  });

  it('refuses unknown customers and domains, unlinked customers and bad names with their codes', async () => {
    const code = async (args: string[]) => JSON.parse((await runCli([...args, '--json'], env)).stderr).error.code;
    expect(await code(['csp', 'domain', 'add', 'nobody.onmicrosoft.com', 'x.test'])).toBe('CSP_CUSTOMER_NOT_FOUND');
    expect(await code(['csp', 'domain', 'add', 'unlinked.onmicrosoft.com', 'x.test'])).toBe('CSP_CUSTOMER_NOT_LINKED');
    expect(await code(['csp', 'domain', 'add', customerRef, 'bad_name'])).toBe('DOMAIN_NAME_INVALID');
    expect(await code(['csp', 'domain', 'verify', 'never-added.test'])).toBe('CSP_DOMAIN_NOT_FOUND');
    expect(emulator.state.findDomain('x.test')).toBeUndefined();
  });
});

/** The job as `lanyard serve` registers it: the csp module's definition, run by the server's job runner. */
describe('the verify-and-set-up job in the server', () => {
  let pdns: PowerDnsServer;
  let emulator: RunningEmulator;
  let lanyard: RunningLanyard;
  beforeAll(async () => {
    pdns = await startPowerDns();
    emulator = await startTrustedEmulator({ dnsServer: pdns.dnsServer });
    lanyard = await startLanyard('sqlite', {
      LANYARD_MICROSOFT_LOGIN_URL: emulator.baseUrl,
      LANYARD_GRAPH_URL: emulator.baseUrl,
      LANYARD_DNS_PROVIDER: 'powerdns',
      LANYARD_POWERDNS_URL: pdns.apiUrl,
      LANYARD_POWERDNS_API_KEY: pdns.apiKey,
      LANYARD_DNS_RESOLVERS: pdns.dnsServer,
    });
  });
  afterAll(async () => {
    await lanyard?.stop();
    await emulator?.close();
    await pdns?.stop();
  });

  it('verifies and sets up a linked customer’s domain, records an unlinked customer’s as failing, and leaves a customer without an active subscription alone', async () => {
    const db = lanyard.context.db;
    const seeded = seedTenant(emulator, 'adatum', ['Domain.ReadWrite.All']);
    const organization = await createOrganization(db, { slug: 'adatum', name: 'Adatum' }, 'test');
    await saveTenantConnection(db, { organizationId: organization.id, tenantId: seeded.tenant.id, clientId: seeded.clientId, clientSecretEncrypted: createSecretBox(lanyard.context.masterKey).seal(seeded.clientSecret, tenantSecretContext(organization.id)) });
    const partner = await insertPartner(db, { slug: 'northwind', partnerTenantId: '11111111-1111-1111-1111-111111111111', clientId: '22222222-2222-2222-2222-222222222222', clientSecretSealed: 'sealed', accountId: null, loginUrl: emulator.baseUrl, partnerCenterUrl: emulator.baseUrl, graphUrl: emulator.baseUrl, resellerIds: '[]', includeSubResellers: 0, isDefault: true });
    const linked = await insertCustomer(db, { partnerId: partner!.id, tenantId: seeded.tenant.id, domain: 'adatum.onmicrosoft.com', companyName: 'Adatum', country: 'DE', email: null, resellerId: null, organizationId: organization.id, source: 'created' });
    const unlinked = await insertCustomer(db, { partnerId: partner!.id, tenantId: '55555555-5555-5555-5555-555555555555', domain: 'solo.onmicrosoft.com', companyName: 'Solo', country: 'DE', email: null, resellerId: null, organizationId: null, source: 'created' });
    // A customer who bought nothing is not set up: its domain stays untouched.
    const idle = await insertCustomer(db, { partnerId: partner!.id, tenantId: '66666666-6666-6666-6666-666666666666', domain: 'idle.onmicrosoft.com', companyName: 'Idle', country: 'DE', email: null, resellerId: null, organizationId: null, source: 'created' });
    await pdns.createZone('adatum.test');
    expect((await graphRequest(emulator, await fetchAccessToken(emulator, seeded), 'POST', '/domains', { id: 'adatum.test' })).status).toBe(201);
    const before = new Date(Date.now() - 60_000);
    await insertCustomerDomain(db, { customerId: linked!.id, domain: 'adatum.test' }, before);
    // The job writes only into a zone its customer owns (it never claims one): the operator claimed it.
    await claimDnsZone(db, { zone: 'adatum.test', customerId: linked!.id, claimedBy: 'cli' }, before);
    await insertCustomerDomain(db, { customerId: unlinked!.id, domain: 'solo.test' }, before);
    await insertCustomerDomain(db, { customerId: idle!.id, domain: 'idle.test' }, before);
    for (const [index, customer] of [linked!, unlinked!].entries()) {
      const at = before.toISOString();
      await db
        .insertInto('cspSubscriptions')
        .values({
          id: `sub-${index}`, partnerId: partner!.id, customerId: customer.id, partnerCenterId: `pc-sub-${index}`, orderId: null, offerId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', offerName: 'Microsoft 365 Business Basic',
          isNewCommerce: 1, licenceSkuId: null, minimumQuantity: 1, maximumQuantity: 300, billingCycle: 'monthly', termDuration: 'P1M', name: 'Business Basic', quantity: 1, status: 'active',
          termStartDate: at, commitmentEndDate: null, customTermEndDate: null, cancellationAllowedUntil: null, scheduledQuantity: null, etag: null, lockedByChange: null, deleteAfter: null, createdAt: at, updatedAt: at,
        })
        .execute();
    }

    await ensurePeriodicJob(db, domainSetupJobKind, new Date());
    expect(await lanyard.server.jobs.runDue()).toBeGreaterThanOrEqual(1);
    const job = await db.selectFrom('jobs').selectAll().where('kind', '=', domainSetupJobKind).executeTakeFirstOrThrow();
    expect(JSON.parse(job.result ?? 'null')).toMatchObject({ processed: 2, verified: ['adatum.test'], failed: [{ domain: 'solo.test', code: 'CSP_CUSTOMER_NOT_LINKED' }] });
    expect(await findCustomerDomain(db, 'adatum.test')).toMatchObject({ state: 'verified', zone: 'adatum.test' });
    expect(emulator.state.findDomain('adatum.test')!.domain.isVerified).toBe(true);
    expect(await findCustomerDomain(db, 'solo.test')).toMatchObject({ state: 'unverified', attempts: 1, lastErrorCode: 'CSP_CUSTOMER_NOT_LINKED' });
    expect(await findCustomerDomain(db, 'idle.test')).toMatchObject({ state: 'unverified', attempts: 0, lastErrorCode: null });
  });
});
