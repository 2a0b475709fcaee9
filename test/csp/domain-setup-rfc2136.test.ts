import type { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCustomerDomain } from '../../csp/data/customer-domains.ts';
import { insertCustomer } from '../../csp/data/customers.ts';
import { insertPartner } from '../../csp/data/partners.ts';
import type { CspCustomer } from '../../csp/data/tables.ts';
import { decodeMessage, opcode } from '../../csp/dns/dns-message.ts';
import { exchangeTcp } from '../../csp/dns/dns-tcp.ts';
import { rfc2136Provider, type Rfc2136Options } from '../../csp/dns/rfc2136.ts';
import { cliDnsWriter as operator } from '../../csp/domains/hosted-zone-access.ts';
import { addCustomerDomain, domainRecords, setUpDomain, type DomainSetupDeps } from '../../csp/domains/domain-setup.ts';
import { createDomainResolver } from '../../csp/domains/record-check.ts';
import type { RunningEmulator } from '../../emulator/start.ts';
import { createGraphClient } from '../../provisioning/tenant/graph-client.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { createManualClock } from '../harness/manual-clock.ts';
import { startPowerDns, type PowerDnsServer } from '../harness/powerdns.ts';
import { seedTenant, startTrustedEmulator, type SeededTenant } from '../emulator/harness.ts';
import { testPartner } from './partner-fixture.ts';

/**
 * The domain set-up of domain-setup.test.ts with the RFC 2136 provider in place of PowerDNS's API:
 * the same service, the emulator verifying through the same real pdns_server, which here takes the
 * records as TSIG-signed dynamic updates.
 */
describe.each(dialects)('CSP customer domains through RFC 2136 dynamic updates on %s', (dialect) => {
  const secret = Buffer.from('lanyard-domain-setup-rfc2136-secret-0123');
  let pdns: PowerDnsServer;
  let emulator: RunningEmulator;
  let database: TestDatabase;
  const clock = createManualClock(new Date('2030-01-01T00:00:00.000Z'));
  const tenants = new Map<string, SeededTenant>();
  const customers: CspCustomer[] = [];
  let options: Rfc2136Options;
  let hosted: DomainSetupDeps;
  let updates = 0;

  const graphFor = (customer: CspCustomer): Client => {
    const seeded = tenants.get(customer.tenantId)!;
    return createGraphClient({ microsoftLoginUrl: emulator.baseUrl, graphUrl: emulator.baseUrl }, { tenantId: seeded.tenant.id, clientId: seeded.clientId, clientSecret: seeded.clientSecret });
  };

  beforeAll(async () => {
    pdns = await startPowerDns({ dnsUpdate: { name: 'lanyard', algorithm: 'hmac-sha256', secret: secret.toString('base64') } });
    emulator = await startTrustedEmulator({ dnsServer: pdns.dnsServer });
    database = await createTestDatabase(dialect);
    const partner = await insertPartner(database.db, testPartner('northwind', { isDefault: true, endpoints: emulator.baseUrl }));
    for (const name of ['fabrikam', 'tailspin']) {
      const seeded = seedTenant(emulator, `${name}${dialect}`, ['Domain.ReadWrite.All']);
      tenants.set(seeded.tenant.id, seeded);
      customers.push((await insertCustomer(database.db, { partnerId: partner!.id, tenantId: seeded.tenant.id, domain: `${name}${dialect}.onmicrosoft.com`, companyName: name, country: 'DE', email: null, resellerId: null, organizationId: null, source: 'created' }))!);
    }
    options = {
      server: { host: '127.0.0.1', port: pdns.dnsPort },
      zones: [],
      key: { name: 'lanyard', algorithm: 'hmac-sha256', secret },
      now: () => new Date(),
      exchange: async (server, wire, timeoutMs) => {
        if (decodeMessage(wire).opcode === opcode.UPDATE) updates++;
        return exchangeTcp(server, wire, timeoutMs);
      },
    };
    hosted = { db: database.db, clock, dns: rfc2136Provider(options), resolver: createDomainResolver([pdns.dnsServer]) };
  });
  afterAll(async () => {
    await database?.drop();
    await emulator?.close();
    await pdns?.stop();
  });

  it('adds a domain in a zone found by SOA, writes the TXT by UPDATE, verifies through DNS, writes the service records keeping the zone’s own; a re-run sends no UPDATE', async () => {
    const domain = `rfc2136-${dialect}.test`;
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
    expect((await resolver.resolveMx(domain)).map((mx) => mx.exchange).sort()).toEqual([`mx.old.${domain}`, `${domain.replaceAll('.', '-')}.mail.protection.outlook.com`].sort());
    expect(await resolver.resolveCname(`autodiscover.${domain}`)).toEqual(['autodiscover.outlook.com']);
    expect(await resolver.resolveSrv(`_sipfederationtls._tcp.${domain}`)).toEqual([{ name: 'sipfed.online.lync.com', port: 5061, priority: 100, weight: 1 }]);
    expect(await findCustomerDomain(database.db, domain)).toMatchObject({ state: 'verified', zone: domain, attempts: 0, lastError: null });

    updates = 0;
    const row = (await findCustomerDomain(database.db, domain))!;
    expect((await setUpDomain(hosted, graphFor(customers[0]!), row, operator)).written).toEqual([]);
    const view = await domainRecords(hosted, graphFor(customers[0]!), row, operator, { setup: true });
    expect(view.written).toEqual([]);
    expect(view.checks.every((check) => check.status === 'present')).toBe(true);
    expect(updates).toBe(0);
  });

  it('a wrong TSIG secret leaves the domain unverified with the provider’s error and what to check, and nothing written', async () => {
    const domain = `wrong-key-${dialect}.test`;
    await pdns.createZone(domain);
    const wrongKey: DomainSetupDeps = { ...hosted, dns: rfc2136Provider({ ...options, key: { ...options.key, secret: Buffer.alloc(32, 9) } }) };
    const outcome = await addCustomerDomain(wrongKey, graphFor(customers[1]!), customers[1]!, domain, operator);
    expect(outcome.state).toBe('unverified');
    expect(outcome.error).toMatchObject({ code: 'DNS_PROVIDER_REFUSED' });
    expect(outcome.error!.message).toContain('answered REFUSED');
    expect(outcome.error!.message).toContain('LANYARD_RFC2136_TSIG_KEY_NAME');
    expect(await findCustomerDomain(database.db, domain)).toMatchObject({ state: 'unverified', attempts: 1, lastErrorCode: 'DNS_PROVIDER_REFUSED' });
    expect(emulator.state.findDomain(domain)!.domain.isVerified).toBe(false);
    expect((await pdns.zoneRrsets(domain)).some((rrset) => rrset.type === 'TXT')).toBe(false);
  });
});
