import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Agent, setGlobalDispatcher } from 'undici';
import { startEmulator } from '../../emulator/start.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../emulator/start.ts';
import { startPowerDns, type PowerDnsServer } from '../harness/powerdns.ts';
import { fetchAccessToken, graphErrorCode, graphRequest, seedTenant, startTrustedEmulator } from './harness.ts';

/** Graph domain verification in the emulator resolves the TXT record through a real DNS server (PowerDNS). */
describe('emulator: Graph domain verification through DNS', () => {
  let pdns: PowerDnsServer;
  let emulator: RunningEmulator;
  let token: string;
  beforeAll(async () => {
    pdns = await startPowerDns();
    emulator = await startTrustedEmulator({ dnsServer: pdns.dnsServer });
    token = await fetchAccessToken(emulator, seedTenant(emulator, 'verifyco', ['Domain.ReadWrite.All']));
  });
  afterAll(async () => {
    await emulator?.close();
    await pdns?.stop();
  });

  it('adds an unverified domain and gives its MS= TXT record in Graph’s shape', async () => {
    const added = await graphRequest(emulator, token, 'POST', '/domains', { id: 'Contoso.test' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ id: 'contoso.test', isVerified: false, isDefault: false, authenticationType: 'Managed' });
    expect(graphErrorCode(await graphRequest(emulator, token, 'POST', '/domains', { id: 'contoso.test' }))).toBe('Request_BadRequest');
    expect(graphErrorCode(await graphRequest(emulator, token, 'POST', '/domains', { id: 'not a domain' }))).toBe('Request_BadRequest');

    const records = await graphRequest(emulator, token, 'GET', '/domains/contoso.test/verificationDnsRecords');
    expect(records.status).toBe(200);
    const [txt, mx] = records.body!.value as Record<string, unknown>[];
    expect(txt).toMatchObject({ '@odata.type': '#microsoft.graph.domainDnsTxtRecord', recordType: 'Txt', label: 'contoso.test', isOptional: false, supportedService: 'Email', ttl: 3600 });
    expect(txt!.text).toMatch(/^MS=ms\d{8}$/);
    expect(txt!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(mx).toMatchObject({ recordType: 'Mx', preference: 32767 });
    // Stable: the same value on every call.
    const again = await graphRequest(emulator, token, 'GET', '/domains/contoso.test/verificationDnsRecords');
    expect((again.body!.value as Record<string, unknown>[])[0]!.text).toBe(txt!.text);
  });

  it('refuses to verify while the record is not in DNS, saying what the lookup saw, and verifies once it is', async () => {
    const records = await graphRequest(emulator, token, 'GET', '/domains/contoso.test/verificationDnsRecords');
    const text = (records.body!.value as Record<string, unknown>[])[0]!.text as string;

    // No zone at all: PowerDNS refuses the query.
    const notServed = await graphRequest(emulator, token, 'POST', '/domains/contoso.test/verify');
    expect(notServed.status).toBe(400);
    expect(graphErrorCode(notServed)).toBe('Request_BadRequest');
    expect((notServed.body!.error as { message: string }).message).toMatch(/^Domain verification failed with the following error: .*EREFUSED/);

    // The zone with another TXT record only.
    await pdns.createZone('contoso.test', [{ name: 'contoso.test.', type: 'TXT', ttl: 60, records: [{ content: '"google-site-verification=abc"' }] }]);
    const wrong = await graphRequest(emulator, token, 'POST', '/domains/contoso.test/verify');
    expect(wrong.status).toBe(400);
    expect((wrong.body!.error as { message: string }).message).toContain(`no TXT record "${text}" was found for contoso.test (TXT records seen: "google-site-verification=abc")`);
    expect(emulator.state.findDomain('contoso.test')!.domain.isVerified).toBe(false);

    const patched = await pdns.api('PATCH', '/api/v1/servers/localhost/zones/contoso.test.', {
      rrsets: [{ name: 'contoso.test.', type: 'TXT', ttl: 60, changetype: 'REPLACE', records: [{ content: '"google-site-verification=abc"', disabled: false }, { content: `"${text}"`, disabled: false }] }],
    });
    expect(patched.status).toBe(204);
    const verified = await graphRequest(emulator, token, 'POST', '/domains/contoso.test/verify');
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ id: 'contoso.test', isVerified: true, isRoot: true, availabilityStatus: 'AvailableImmediately' });
    expect(emulator.state.findDomain('contoso.test')!.domain.isVerified).toBe(true);

    const twice = await graphRequest(emulator, token, 'POST', '/domains/contoso.test/verify');
    expect(twice.status).toBe(400);
    expect((twice.body!.error as { message: string }).message).toBe('Domain is already verified.');
  });

  it('lists the service configuration records in Graph’s shape', async () => {
    const result = await graphRequest(emulator, token, 'GET', '/domains/contoso.test/serviceConfigurationRecords');
    expect(result.status).toBe(200);
    const records = result.body!.value as Record<string, unknown>[];
    expect(records).toContainEqual(expect.objectContaining({ recordType: 'Mx', label: 'contoso.test', mailExchange: 'contoso-test.mail.protection.outlook.com', preference: 0, supportedService: 'Email' }));
    expect(records).toContainEqual(expect.objectContaining({ recordType: 'Txt', label: 'contoso.test', text: 'v=spf1 include:spf.protection.outlook.com -all' }));
    expect(records).toContainEqual(expect.objectContaining({ recordType: 'CName', label: 'autodiscover.contoso.test', canonicalName: 'autodiscover.outlook.com' }));
    expect(records).toContainEqual(expect.objectContaining({ '@odata.type': '#microsoft.graph.domainDnsSrvRecord', recordType: 'Srv', service: '_sip', protocol: '_tls', port: 443, priority: 100, weight: 1, nameTarget: 'sipdir.online.lync.com' }));
    expect(new Set(records.map((record) => record.id)).size).toBe(records.length);
  });

  it('needs Domain.ReadWrite.All to add or verify', async () => {
    const readerToken = await fetchAccessToken(emulator, seedTenant(emulator, 'readerco', ['Domain.Read.All']));
    expect(graphErrorCode(await graphRequest(emulator, readerToken, 'POST', '/domains', { id: 'reader.test' }))).toBe('Authorization_RequestDenied');
  });

  it('takes its DNS server from the control API too', async () => {
    const put = (server: string | null) =>
      fetch(`${emulator.baseUrl}/_emulator/dns-server`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ server }) });
    expect((await put('not a server')).status).toBe(400);
    expect(await (await put(null)).json()).toEqual({ server: null });
    expect((await graphRequest(emulator, token, 'POST', '/domains', { id: 'control.test' })).status).toBe(201);
    expect(await (await put(pdns.dnsServer)).json()).toEqual({ server: pdns.dnsServer });
    // Back on PowerDNS, which has no zone control.test: refused.
    expect((await graphRequest(emulator, token, 'POST', '/domains/control.test/verify')).status).toBe(400);
    // A subdomain of a verified root is verified with it, no lookup needed.
    const sub = await graphRequest(emulator, token, 'POST', '/domains', { id: 'mail.contoso.test' });
    expect(sub.body).toMatchObject({ isVerified: true, isRoot: false });
  });

  it('takes its DNS server from a seed file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lanyard-seed-'));
    const seedPath = path.join(dir, 'seed.json');
    writeFileSync(seedPath, JSON.stringify({ tenants: [{ name: 'seedco', apps: [{ clientSecret: 's~1', roles: ['Domain.ReadWrite.All'] }] }], dnsServer: pdns.dnsServer }));
    const seededEmulator = await startEmulator({ seedPath });
    const trust = (...pems: string[]) => setGlobalDispatcher(new Agent({ connect: { ca: [...tls.rootCertificates, ...pems] } }));
    trust(emulator.caCertPem, seededEmulator.caCertPem);
    try {
      const tenant = [...seededEmulator.state.tenants.values()].find((candidate) => candidate.name === 'seedco')!;
      const seededToken = await fetchAccessToken(seededEmulator, { tenant, clientId: tenant.apps[0]!.clientId, clientSecret: 's~1' });
      expect((await graphRequest(seededEmulator, seededToken, 'POST', '/domains', { id: 'seeded.test' })).status).toBe(201);
      const refused = await graphRequest(seededEmulator, seededToken, 'POST', '/domains/seeded.test/verify');
      expect((refused.body!.error as { message: string }).message).toContain('EREFUSED');
    } finally {
      await seededEmulator.close();
      rmSync(dir, { recursive: true, force: true });
      trust(emulator.caCertPem);
    }
  });

  it('without a DNS server, verifies without a lookup (the explicit default)', async () => {
    emulator.setDnsServer(undefined);
    try {
      expect((await graphRequest(emulator, token, 'POST', '/domains', { id: 'nodns.test' })).status).toBe(201);
      const verified = await graphRequest(emulator, token, 'POST', '/domains/nodns.test/verify');
      expect(verified.status).toBe(200);
      expect(verified.body).toMatchObject({ isVerified: true });
    } finally {
      emulator.setDnsServer(pdns.dnsServer);
    }
  });
});
