import type { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.ts';
import { createJobRunner } from '../../core/jobs/job-runner.ts';
import { ensurePeriodicJob } from '../../core/jobs/job-store.ts';
import { findCustomerDomain, insertCustomerDomain, listCustomerDomains, type CustomerSelection } from '../../csp/data/customer-domains.ts';
import { insertCustomer } from '../../csp/data/customers.ts';
import { insertPartner } from '../../csp/data/partners.ts';
import type { CspCustomer } from '../../csp/data/tables.ts';
import { claimDnsZone } from '../../csp/data/dns-zone-owners.ts';
import { powerDnsProvider } from '../../csp/dns/powerdns.ts';
import { addCustomerDomain, domainRecords, setUpDomain, type DomainSetupDeps } from '../../csp/domains/domain-setup.ts';
import { cliDnsWriter as operator } from '../../csp/domains/hosted-zone-access.ts';
import { createDomainResolver } from '../../csp/domains/record-check.ts';
import { domainSetupJob, domainSetupJobKind } from '../../csp/jobs/domain-setup-job.ts';
import type { RunningEmulator } from '../../emulator/start.ts';
import { createGraphClient } from '../../provisioning/tenant/graph-client.ts';
import { countingFetch } from '../harness/counting-fetch.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { createManualClock } from '../harness/manual-clock.ts';
import { startPowerDns, type PowerDnsServer } from '../harness/powerdns.ts';
import { seedTenant, startTrustedEmulator, type SeededTenant } from '../emulator/harness.ts';
import { testPartner } from './partner-fixture.ts';

/**
 * Customer domains end to end: the emulator's Graph for the customer tenants (an app registered in
 * each, standing in for the partner's delegated access), a real PowerDNS as Lanyard's DNS provider
 * and as the DNS the emulator verifies through, and the resolver pointed at it.
 */
describe.each(dialects)('CSP customer domains through PowerDNS on %s', (dialect) => {
  let pdns: PowerDnsServer;
  let emulator: RunningEmulator;
  let database: TestDatabase;
  const clock = createManualClock(new Date('2030-01-01T00:00:00.000Z'));
  const counter = countingFetch();
  const tenants = new Map<string, SeededTenant>();
  const customers: CspCustomer[] = [];
  let hosted: DomainSetupDeps;
  let unhosted: DomainSetupDeps;

  const graphFor = (customer: CspCustomer): Client => {
    const seeded = tenants.get(customer.tenantId)!;
    return createGraphClient({ microsoftLoginUrl: emulator.baseUrl, graphUrl: emulator.baseUrl }, { tenantId: seeded.tenant.id, clientId: seeded.clientId, clientSecret: seeded.clientSecret });
  };

  beforeAll(async () => {
    pdns = await startPowerDns();
    emulator = await startTrustedEmulator({ dnsServer: pdns.dnsServer });
    database = await createTestDatabase(dialect);
    const partner = await insertPartner(database.db, testPartner('northwind', { isDefault: true, endpoints: emulator.baseUrl }));
    for (const name of ['fabrikam', 'tailspin', 'wingtip', 'dormant']) {
      const seeded = seedTenant(emulator, `${name}${dialect}`, ['Domain.ReadWrite.All']);
      tenants.set(seeded.tenant.id, seeded);
      customers.push((await insertCustomer(database.db, { partnerId: partner!.id, tenantId: seeded.tenant.id, domain: `${name}${dialect}.onmicrosoft.com`, companyName: name, country: 'DE', email: null, resellerId: null, organizationId: null, source: 'created' }))!);
    }
    const resolver = createDomainResolver([pdns.dnsServer]);
    hosted = { db: database.db, clock, dns: powerDnsProvider({ url: pdns.apiUrl, apiKey: pdns.apiKey, serverId: pdns.serverId, fetch: counter.fetch }), resolver };
    unhosted = { db: database.db, clock, dns: undefined, resolver };
  });
  afterAll(async () => {
    await database?.drop();
    await emulator?.close();
    await pdns?.stop();
  });

  it('adds a domain in a hosted zone, writes the TXT, verifies through DNS, then writes the service records, keeping the zone’s own', async () => {
    const domain = `hosted-${dialect}.test`;
    await pdns.createZone(domain, [
      { name: `${domain}.`, type: 'TXT', ttl: 300, records: [{ content: '"keep=this"' }] },
      { name: `${domain}.`, type: 'MX', ttl: 300, records: [{ content: `10 mx.old.${domain}.` }] },
    ]);
    const outcome = await addCustomerDomain(hosted, graphFor(customers[0]!), customers[0]!, domain.toUpperCase(), operator);
    expect(outcome).toMatchObject({ domain, state: 'verified', hostedZone: domain, toAdd: [], conflicts: [] });
    expect(outcome.error).toBeUndefined();
    expect(emulator.state.findDomain(domain)!.domain.isVerified).toBe(true);

    const { resolver } = hosted.resolver;
    const txt = (await resolver.resolveTxt(domain)).map((strings) => strings.join(''));
    expect(txt).toEqual(expect.arrayContaining(['keep=this', 'v=spf1 include:spf.protection.outlook.com -all']));
    expect(txt.some((value) => /^MS=ms\d{8}$/.test(value))).toBe(true);
    expect((await resolver.resolveMx(domain)).map((mx) => mx.exchange).sort()).toEqual([`${domain.replaceAll('.', '-')}.mail.protection.outlook.com`, `mx.old.${domain}`]);
    expect(await resolver.resolveCname(`autodiscover.${domain}`)).toEqual(['autodiscover.outlook.com']);
    expect(await resolver.resolveSrv(`_sipfederationtls._tcp.${domain}`)).toEqual([{ name: 'sipfed.online.lync.com', port: 5061, priority: 100, weight: 1 }]);
    expect(await findCustomerDomain(database.db, domain)).toMatchObject({ state: 'verified', zone: domain, attempts: 0, lastError: null });

    // Adding it again for another customer is refused before anything is written.
    await expect(addCustomerDomain(hosted, graphFor(customers[1]!), customers[1]!, domain, operator)).rejects.toMatchObject({ code: 'CSP_DOMAIN_EXISTS' });
    await expect(addCustomerDomain(hosted, graphFor(customers[0]!), customers[0]!, 'not_a_domain', operator)).rejects.toMatchObject({ code: 'DOMAIN_NAME_INVALID' });

    // Everything is in place: running set-up and `records --setup` again writes nothing.
    counter.counts.clear();
    const row = (await findCustomerDomain(database.db, domain))!;
    expect((await setUpDomain(hosted, graphFor(customers[0]!), row, operator)).written).toEqual([]);
    const view = await domainRecords(hosted, graphFor(customers[0]!), row, operator, { setup: true });
    expect(view.written).toEqual([]);
    expect(view.checks.every((check) => check.status === 'present')).toBe(true);
    expect(counter.counts.get('PATCH') ?? 0).toBe(0);
  });

  it('for a zone Lanyard does not host, says which record to add in DNS-panel form and what the resolver saw, then verifies once it is there', async () => {
    const zone = `manual-${dialect}.test`;
    const domain = `shop.${zone}`;
    // The customer's own DNS host has the zone, with an old verification value at the name.
    await pdns.createZone(zone, [{ name: `${domain}.`, type: 'TXT', ttl: 300, records: [{ content: '"MS=ms00000000"' }] }]);
    const outcome = await addCustomerDomain(unhosted, graphFor(customers[1]!), customers[1]!, domain, operator);
    expect(outcome.state).toBe('unverified');
    expect(outcome.hostedZone).toBeNull();
    expect(outcome.error!.code).toBe('CSP_DOMAIN_VERIFICATION_FAILED');
    const [entry] = outcome.toAdd;
    expect(entry).toMatchObject({ type: 'TXT', host: 'shop', ttl: 3600, purpose: 'verification' });
    expect(entry!.value).toMatch(/^MS=ms\d{8}$/);
    expect(entry!.line).toBe(`TXT  shop  ${entry!.value}  TTL 3600`);
    expect(outcome.checks[0]).toMatchObject({ status: 'wrong', seen: ['MS=ms00000000'] });
    expect(outcome.error!.message).toContain(`TXT ${domain} "${entry!.value}" is wrong: ${pdns.dnsServer} answered "MS=ms00000000"`);
    expect(outcome.error!.message).toContain('Domain verification failed with the following error');
    const failed = (await findCustomerDomain(database.db, domain))!;
    expect(failed).toMatchObject({ state: 'unverified', attempts: 1, lastErrorCode: 'CSP_DOMAIN_VERIFICATION_FAILED', nextAttemptAt: new Date(clock.now().getTime() + 300_000).toISOString() });
    expect(failed.lastError).toContain('is wrong');

    // The person types the entry into their DNS panel (here: the zone's own PowerDNS).
    await pdns.api('PATCH', `/api/v1/servers/localhost/zones/${zone}.`, { rrsets: [{ name: `${domain}.`, type: 'TXT', ttl: entry!.ttl, changetype: 'REPLACE', records: [{ content: `"${entry!.value}"`, disabled: false }] }] });
    const retried = await setUpDomain(unhosted, graphFor(customers[1]!), failed, operator);
    expect(retried.state).toBe('verified');
    // Verified: now the service records, relative to the zone found by its SOA.
    expect(retried.toAdd).toContainEqual(expect.objectContaining({ type: 'MX', host: 'shop', value: `${domain.replaceAll('.', '-')}.mail.protection.outlook.com`, priority: 0, ttl: 3600 }));
    expect(retried.toAdd).toContainEqual(expect.objectContaining({ type: 'CNAME', host: 'autodiscover.shop', value: 'autodiscover.outlook.com' }));
    expect(retried.toAdd).toContainEqual(expect.objectContaining({ type: 'SRV', host: '_sip._tls.shop', value: 'sipdir.online.lync.com', priority: 100, weight: 1, port: 443 }));
    expect(retried.written).toEqual([]);

    const view = await domainRecords(unhosted, graphFor(customers[1]!), (await findCustomerDomain(database.db, domain))!, operator);
    expect(view.verified).toBe(true);
    const mx = view.checks.find((check) => check.record.type === 'MX')!;
    expect(mx).toMatchObject({ status: 'missing', lookupError: 'ENODATA' });
    expect(mx.explanation).toContain(`${pdns.dnsServer} answered no MX record (the name exists without such records)`);
  });

  it('runs "verify and set up" over 120 domains in batches of 50, oldest first, of the selected customers only; failing domains back off with their last error', async () => {
    const [a, b, c, dormant] = customers.slice(0, 4) as [CspCustomer, CspCustomer, CspCustomer, CspCustomer];
    const names: string[] = [];
    for (let index = 0; index < 120; index++) {
      const customer = [a, b, c][index % 3]!;
      const domain = `d${String(index).padStart(3, '0')}-${dialect}.test`;
      await pdns.createZone(domain);
      await graphFor(customer).api('/domains').post({ id: domain });
      await insertCustomerDomain(database.db, { customerId: customer.id, domain }, clock.now());
      // The job writes only into zones its customer owns (it never claims one): the operator claimed these.
      await claimDnsZone(database.db, { zone: domain, customerId: customer.id, claimedBy: 'cli' }, clock.now());
      names.push(domain);
      await clock.advance(1000);
    }
    // A domain whose zone nobody hosts: it keeps failing.
    const broken = `broken-${dialect}.test`;
    await graphFor(a).api('/domains').post({ id: broken });
    await insertCustomerDomain(database.db, { customerId: a.id, domain: broken }, clock.now());
    // Domains of a customer the selection leaves out (no active subscription).
    for (let index = 0; index < 3; index++) {
      const domain = `idle${index}-${dialect}.test`;
      await pdns.createZone(domain);
      await graphFor(dormant).api('/domains').post({ id: domain });
      await insertCustomerDomain(database.db, { customerId: dormant.id, domain }, clock.now());
    }
    const selection: CustomerSelection = (eb) => eb('customerId', '!=', dormant.id);
    const runs: Array<{ processed: number; verified: string[]; failed: { domain: string; code: string }[] }> = [];
    const job = domainSetupJob({ ...hosted, openCustomerGraph: async (customer) => graphFor(customer), selection, everySeconds: 300 });
    const runner = createJobRunner({
      db: database.db,
      dialect,
      logger: createLogger('silent'),
      clock,
      definitions: [{ ...job, run: async (payload, running) => { const result = await job.run(payload, running); runs.push(result as (typeof runs)[number]); return result; } }],
    });
    await ensurePeriodicJob(database.db, domainSetupJobKind, clock.now());
    // Domains from the earlier tests are verified already (or not due): the 120 are what is due, then `broken`.
    for (let run = 0; run < 3; run++) {
      expect(await runner.runDue()).toBe(1);
      await clock.advance(300_000);
    }
    expect(runs.map((run) => run.processed)).toEqual([50, 50, 21]);
    expect(runs[0]!.verified).toEqual(names.slice(0, 50));
    expect(runs[1]!.verified).toEqual(names.slice(50, 100));
    expect(runs[2]!.verified).toEqual(names.slice(100));
    expect(runs[2]!.failed).toEqual([{ domain: broken, code: 'CSP_DOMAIN_VERIFICATION_FAILED' }]);
    for (const domain of names) expect(emulator.state.findDomain(domain)!.domain.isVerified).toBe(true);
    const txt = (await hosted.resolver.resolver.resolveTxt(names[119]!)).map((strings) => strings.join(''));
    expect(txt.some((value) => value.startsWith('MS=ms'))).toBe(true);
    for (const customer of [a, b, c]) {
      const rows = await listCustomerDomains(database.db, customer.id);
      expect(rows.filter((row) => names.includes(row.domain)).every((row) => row.state === 'verified')).toBe(true);
    }
    for (const row of await listCustomerDomains(database.db, dormant.id)) expect(row).toMatchObject({ state: 'unverified', attempts: 0 });

    // The broken domain: tried once, due again 5 minutes later, then 10.
    expect(await findCustomerDomain(database.db, broken)).toMatchObject({ attempts: 1, lastErrorCode: 'CSP_DOMAIN_VERIFICATION_FAILED' });
    expect(await runner.runDue()).toBe(1);
    expect(runs[3]).toMatchObject({ processed: 1, failed: [{ domain: broken }] });
    const backedOff = (await findCustomerDomain(database.db, broken))!;
    expect(backedOff.attempts).toBe(2);
    expect(new Date(backedOff.nextAttemptAt!).getTime()).toBe(clock.now().getTime() + 600_000);
    expect(backedOff.lastError).toContain(`TXT ${broken}`);
    expect(backedOff.lastError).toContain('is missing');
    await clock.advance(300_000);
    expect(await runner.runDue()).toBe(1);
    expect(runs[4]!.processed).toBe(0);

    // Idempotent: writing every domain's records again sends no PATCH.
    counter.counts.clear();
    for (const domain of names) {
      const row = (await findCustomerDomain(database.db, domain))!;
      const customer = customers.find((candidate) => candidate.id === row.customerId)!;
      const view = await domainRecords(hosted, graphFor(customer), row, operator, { setup: true });
      expect(view.written).toEqual([]);
    }
    expect(counter.counts.get('PATCH') ?? 0).toBe(0);
    await runner.stop();
  }, 120_000);
});
