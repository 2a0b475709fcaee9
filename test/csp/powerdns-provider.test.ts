import dns from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.ts';
import { LanyardError } from '../../core/errors.ts';
import { cspConfig } from '../../csp/config.ts';
import type { DnsProvider } from '../../csp/dns/dns-provider.ts';
import { openDnsProvider } from '../../csp/dns/open-dns-provider.ts';
import { powerDnsProvider } from '../../csp/dns/powerdns.ts';
import { countingFetch } from '../harness/counting-fetch.ts';
import { freePort } from '../harness/free-port.ts';
import { startPowerDns, type PowerDnsServer } from '../harness/powerdns.ts';

async function failure(promise: Promise<unknown>): Promise<LanyardError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  if (!(error instanceof LanyardError)) throw new Error(`expected a LanyardError, got ${String(error)}`);
  return error;
}

describe('DNS provider configuration', () => {
  const base = { LANYARD_DATA_DIR: '/tmp/lanyard-dns-config' };
  it('is optional: no provider means no hosted zones', () => {
    expect(loadConfig(base, [cspConfig]).csp.dns).toBeUndefined();
  });
  it('reads PowerDNS with the server id defaulting to localhost, and the resolvers', () => {
    const config = loadConfig({ ...base, LANYARD_DNS_PROVIDER: 'powerdns', LANYARD_POWERDNS_URL: 'http://127.0.0.1:8081/', LANYARD_POWERDNS_API_KEY: 'k', LANYARD_DNS_RESOLVERS: '127.0.0.1:5300, 9.9.9.9' }, [cspConfig]);
    expect(config.csp.dns).toEqual({ provider: 'powerdns', url: 'http://127.0.0.1:8081', apiKey: 'k', serverId: 'localhost' });
    expect(config.csp.dnsResolvers).toEqual(['127.0.0.1:5300', '9.9.9.9']);
  });
  it('names the variable that is missing or wrong', () => {
    const keyOf = (env: Record<string, string>) => {
      try {
        loadConfig({ ...base, ...env }, [cspConfig]);
      } catch (error) {
        expect((error as LanyardError).code).toBe('CONFIG_INVALID');
        return (error as LanyardError).details?.key;
      }
      throw new Error('configuration was accepted');
    };
    expect(keyOf({ LANYARD_DNS_PROVIDER: 'powerdns', LANYARD_POWERDNS_URL: 'http://127.0.0.1:8081' })).toBe('LANYARD_POWERDNS_API_KEY');
    expect(keyOf({ LANYARD_DNS_PROVIDER: 'powerdns', LANYARD_POWERDNS_API_KEY: 'k' })).toBe('LANYARD_POWERDNS_URL');
    expect(keyOf({ LANYARD_DNS_PROVIDER: 'bind' })).toBe('LANYARD_DNS_PROVIDER');
    expect(keyOf({ LANYARD_POWERDNS_URL: 'http://127.0.0.1:8081' })).toBe('LANYARD_DNS_PROVIDER');
    expect(keyOf({ LANYARD_DNS_PROVIDER: 'powerdns', LANYARD_POWERDNS_URL: 'ftp://x', LANYARD_POWERDNS_API_KEY: 'k' })).toBe('LANYARD_POWERDNS_URL');
  });
});

describe('PowerDNS provider against a real pdns_server', () => {
  let pdns: PowerDnsServer;
  let provider: DnsProvider;
  let counter: ReturnType<typeof countingFetch>;
  let resolver: dns.promises.Resolver;
  beforeAll(async () => {
    pdns = await startPowerDns();
    counter = countingFetch();
    provider = openDnsProvider({ dns: { provider: 'powerdns', url: pdns.apiUrl, apiKey: pdns.apiKey, serverId: pdns.serverId } }, { fetch: counter.fetch })!;
    resolver = new dns.promises.Resolver();
    resolver.setServers([pdns.dnsServer]);
    await pdns.createZone('contoso.test', [
      { name: 'contoso.test.', type: 'TXT', ttl: 300, records: [{ content: '"google-site-verification=keep-me"' }] },
      { name: 'contoso.test.', type: 'MX', ttl: 300, records: [{ content: '10 mx.old-provider.test.' }] },
      { name: 'www.contoso.test.', type: 'CNAME', ttl: 300, records: [{ content: 'web.example.test.' }] },
    ]);
    await pdns.createZone('eu.contoso.test');
  });
  afterAll(async () => {
    await pdns?.stop();
  });

  it('finds the most specific hosted zone of a domain, and none for others', async () => {
    expect(await provider.hostsZoneFor('contoso.test')).toBe('contoso.test');
    expect(await provider.hostsZoneFor('Mail.Contoso.Test.')).toBe('contoso.test');
    expect(await provider.hostsZoneFor('shop.eu.contoso.test')).toBe('eu.contoso.test');
    expect(await provider.hostsZoneFor('fabrikam.test')).toBeUndefined();
  });

  it('writes TXT, MX, CNAME and SRV records that resolve, keeping the records already there', async () => {
    counter.counts.clear();
    const result = await provider.ensureRecords('contoso.test', [
      { name: 'contoso.test', type: 'TXT', ttl: 3600, values: ['MS=ms12345678'] },
      { name: 'contoso.test', type: 'MX', ttl: 3600, values: ['0 contoso-test.mail.protection.outlook.com'] },
      { name: 'autodiscover.contoso.test', type: 'CNAME', ttl: 3600, values: ['autodiscover.outlook.com'] },
      { name: '_sip._tls.contoso.test', type: 'SRV', ttl: 3600, values: ['100 1 443 sipdir.online.lync.com'] },
    ]);
    expect(result.conflicts).toEqual([]);
    expect(result.written.map((rrset) => `${rrset.type} ${rrset.name}`).sort()).toEqual(['CNAME autodiscover.contoso.test', 'MX contoso.test', 'SRV _sip._tls.contoso.test', 'TXT contoso.test']);
    expect(counter.counts.get('PATCH')).toBe(1);

    expect((await resolver.resolveTxt('contoso.test')).map((strings) => strings.join('')).sort()).toEqual(['MS=ms12345678', 'google-site-verification=keep-me']);
    expect((await resolver.resolveMx('contoso.test')).sort((a, b) => a.priority - b.priority)).toEqual([
      { exchange: 'contoso-test.mail.protection.outlook.com', priority: 0 },
      { exchange: 'mx.old-provider.test', priority: 10 },
    ]);
    expect(await resolver.resolveCname('autodiscover.contoso.test')).toEqual(['autodiscover.outlook.com']);
    expect(await resolver.resolveSrv('_sip._tls.contoso.test')).toEqual([{ name: 'sipdir.online.lync.com', port: 443, priority: 100, weight: 1 }]);
    // The existing rrsets kept their TTL; the zone and its own records are untouched.
    const rrsets = await pdns.zoneRrsets('contoso.test');
    expect(rrsets.find((rrset) => rrset.type === 'TXT')!.ttl).toBe(300);
    expect(rrsets.some((rrset) => rrset.type === 'SOA')).toBe(true);
    expect(rrsets.find((rrset) => rrset.name === 'www.contoso.test.')!.records).toEqual([{ content: 'web.example.test.', disabled: false }]);
    expect(await provider.readRecords('contoso.test', 'TXT')).toEqual(expect.arrayContaining(['MS=ms12345678', 'google-site-verification=keep-me']));
  });

  it('is idempotent: running again sends no PATCH, also for values spelt differently', async () => {
    counter.counts.clear();
    const again = await provider.ensureRecords('contoso.test', [
      { name: 'CONTOSO.test.', type: 'TXT', ttl: 3600, values: ['MS=ms12345678'] },
      { name: 'contoso.test', type: 'MX', ttl: 3600, values: ['00 Contoso-Test.mail.protection.outlook.com.'] },
      { name: 'autodiscover.contoso.test', type: 'CNAME', ttl: 3600, values: ['autodiscover.outlook.com.'] },
      { name: '_sip._tls.contoso.test', type: 'SRV', ttl: 3600, values: ['100 1 443 sipdir.online.lync.com'] },
    ]);
    expect(again.written).toEqual([]);
    expect(again.unchanged).toHaveLength(4);
    expect(counter.counts.get('PATCH') ?? 0).toBe(0);
    expect(counter.counts.get('DELETE') ?? 0).toBe(0);
  });

  it('reports, and does not write, what cannot be merged: a CNAME elsewhere, a record at a CNAME, a second SPF policy', async () => {
    await provider.ensureRecords('contoso.test', [{ name: 'contoso.test', type: 'TXT', ttl: 3600, values: ['v=spf1 include:old.test -all'] }]);
    counter.counts.clear();
    const result = await provider.ensureRecords('contoso.test', [
      { name: 'www.contoso.test', type: 'CNAME', ttl: 3600, values: ['autodiscover.outlook.com'] },
      { name: 'www.contoso.test', type: 'TXT', ttl: 3600, values: ['hello'] },
      { name: 'contoso.test', type: 'TXT', ttl: 3600, values: ['v=spf1 include:spf.protection.outlook.com -all'] },
    ]);
    expect(result.written).toEqual([]);
    expect(result.conflicts.map((conflict) => `${conflict.type} ${conflict.name}`)).toEqual(['CNAME www.contoso.test', 'TXT www.contoso.test', 'TXT contoso.test']);
    expect(result.conflicts[0]!.existing).toEqual(['CNAME web.example.test']);
    expect(result.conflicts[2]!.reason).toContain('v=spf1 include:old.test -all');
    expect(counter.counts.get('PATCH') ?? 0).toBe(0);
    expect(await resolver.resolveCname('www.contoso.test')).toEqual(['web.example.test']);
  });

  it('refuses a zone it does not host and a name outside the zone, without creating anything', async () => {
    expect((await failure(provider.ensureRecords('fabrikam.test', [{ name: 'fabrikam.test', type: 'TXT', ttl: 60, values: ['x'] }]))).code).toBe('DNS_ZONE_NOT_HOSTED');
    expect((await failure(provider.ensureRecords('contoso.test', [{ name: 'fabrikam.test', type: 'TXT', ttl: 60, values: ['x'] }]))).code).toBe('DNS_RECORD_CONFLICT');
    expect(await provider.hostsZoneFor('fabrikam.test')).toBeUndefined();
  });

  it('turns PowerDNS refusals and an unreachable server into coded errors', async () => {
    const wrongKey = powerDnsProvider({ url: pdns.apiUrl, apiKey: 'wrong', serverId: pdns.serverId });
    const refused = await failure(wrongKey.hostsZoneFor('contoso.test'));
    expect(refused).toMatchObject({ code: 'DNS_PROVIDER_REFUSED', details: { powerDnsStatus: 401 } });
    expect(refused.message).toContain('LANYARD_POWERDNS_API_KEY');

    const wrongServer = await failure(powerDnsProvider({ url: pdns.apiUrl, apiKey: pdns.apiKey, serverId: 'elsewhere' }).hostsZoneFor('contoso.test'));
    expect(wrongServer).toMatchObject({ code: 'DNS_PROVIDER_REFUSED', details: { powerDnsStatus: 404 } });
    expect(wrongServer.message).toContain('LANYARD_POWERDNS_SERVER_ID');

    const badContent = await failure(provider.ensureRecords('contoso.test', [{ name: '_x._tcp.contoso.test', type: 'SRV', ttl: 60, values: ['not an srv record'] }]));
    expect(badContent).toMatchObject({ code: 'DNS_PROVIDER_REFUSED', details: { powerDnsStatus: 422 } });

    const nobody = powerDnsProvider({ url: `http://127.0.0.1:${await freePort()}`, apiKey: 'k', serverId: 'localhost' });
    const unreachable = await failure(nobody.hostsZoneFor('contoso.test'));
    expect(unreachable.code).toBe('DNS_PROVIDER_UNREACHABLE');
    expect(unreachable.status).toBe(503);
  });
});
