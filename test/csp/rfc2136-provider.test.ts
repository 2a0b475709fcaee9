import dns from 'node:dns';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.ts';
import { LanyardError } from '../../core/errors.ts';
import { cspConfig, type Rfc2136Config } from '../../csp/config.ts';
import { decodeMessage, encodeMessage, encodeName, opcode, rrClass, rrType, u16 } from '../../csp/dns/dns-message.ts';
import type { DnsProvider } from '../../csp/dns/dns-provider.ts';
import { exchangeTcp } from '../../csp/dns/dns-tcp.ts';
import { openDnsProvider } from '../../csp/dns/open-dns-provider.ts';
import { rfc2136Provider, type Rfc2136Options } from '../../csp/dns/rfc2136.ts';
import { freePort } from '../harness/free-port.ts';
import { startPowerDns, type PowerDnsServer, type PowerDnsTsigKey } from '../harness/powerdns.ts';

async function failure(promise: Promise<unknown>): Promise<LanyardError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  if (!(error instanceof LanyardError)) throw new Error(`expected a LanyardError, got ${String(error)}`);
  return error;
}

const secret = Buffer.from('lanyard-test-rfc2136-secret-0123456789abcdef').toString('base64');

describe('RFC 2136 provider configuration', () => {
  const base = { LANYARD_DATA_DIR: '/tmp/lanyard-dns-config', LANYARD_DNS_PROVIDER: 'rfc2136' };
  const keyOf = (env: Record<string, string>) => {
    try {
      loadConfig({ LANYARD_DATA_DIR: base.LANYARD_DATA_DIR, ...env }, [cspConfig]);
    } catch (error) {
      expect((error as LanyardError).code).toBe('CONFIG_INVALID');
      return (error as LanyardError).details?.key;
    }
    throw new Error('configuration was accepted');
  };
  const complete = { ...base, LANYARD_RFC2136_SERVER: '192.0.2.53', LANYARD_RFC2136_TSIG_KEY_NAME: 'lanyard-update', LANYARD_RFC2136_TSIG_SECRET: secret };

  it('reads the server (port 53 by default), the key with hmac-sha256 by default, and no zones: found by SOA query', () => {
    expect(loadConfig(complete, [cspConfig]).csp.dns).toEqual({
      provider: 'rfc2136',
      server: { host: '192.0.2.53', port: 53 },
      zones: [],
      key: { name: 'lanyard-update', algorithm: 'hmac-sha256', secret: Buffer.from(secret, 'base64') },
    });
    const config = loadConfig({ ...complete, LANYARD_RFC2136_SERVER: '[2001:db8::53]:5353', LANYARD_RFC2136_ZONES: 'Contoso.com., fabrikam.com', LANYARD_RFC2136_TSIG_ALGORITHM: 'hmac-sha512' }, [cspConfig]).csp.dns as Rfc2136Config;
    expect(config.server).toEqual({ host: '2001:db8::53', port: 5353 });
    expect(config.zones).toEqual(['contoso.com', 'fabrikam.com']);
    expect(config.key.algorithm).toBe('hmac-sha512');
  });

  it('names the variable that is missing or wrong, without echoing the secret', () => {
    expect(keyOf({ ...complete, LANYARD_RFC2136_SERVER: '' })).toBe('LANYARD_RFC2136_SERVER');
    expect(keyOf({ ...complete, LANYARD_RFC2136_TSIG_KEY_NAME: '' })).toBe('LANYARD_RFC2136_TSIG_KEY_NAME');
    expect(keyOf({ ...complete, LANYARD_RFC2136_TSIG_SECRET: '' })).toBe('LANYARD_RFC2136_TSIG_SECRET');
    expect(keyOf({ ...complete, LANYARD_RFC2136_SERVER: 'dns.example:99999' })).toBe('LANYARD_RFC2136_SERVER');
    expect(keyOf({ ...complete, LANYARD_RFC2136_SERVER: 'http://dns.example' })).toBe('LANYARD_RFC2136_SERVER');
    expect(keyOf({ ...complete, LANYARD_RFC2136_ZONES: 'com' })).toBe('LANYARD_RFC2136_ZONES');
    expect(keyOf({ ...complete, LANYARD_RFC2136_TSIG_ALGORITHM: 'hmac-md5' })).toBe('LANYARD_RFC2136_TSIG_ALGORITHM');
    expect(keyOf({ ...complete, LANYARD_RFC2136_TSIG_KEY_NAME: 'bad key!' })).toBe('LANYARD_RFC2136_TSIG_KEY_NAME');
    expect(keyOf({ ...complete, LANYARD_RFC2136_TSIG_SECRET: Buffer.from('short').toString('base64') })).toBe('LANYARD_RFC2136_TSIG_SECRET');
    // The RFC 2136 settings without the provider, or with the other one, stop the start too.
    const { LANYARD_DNS_PROVIDER: _provider, ...withoutProvider } = complete;
    expect(keyOf(withoutProvider)).toBe('LANYARD_DNS_PROVIDER');
    expect(keyOf({ ...complete, LANYARD_DNS_PROVIDER: 'powerdns', LANYARD_POWERDNS_URL: 'http://127.0.0.1:8081', LANYARD_POWERDNS_API_KEY: 'k' })).toBe('LANYARD_DNS_PROVIDER');
    try {
      loadConfig({ ...complete, LANYARD_RFC2136_TSIG_SECRET: 'not base64 but secret-ish!' }, [cspConfig]);
    } catch (error) {
      expect((error as LanyardError).message).not.toContain('secret-ish');
    }
  });
});

/** Counts the UPDATE messages really sent to the server. */
function countingExchange() {
  const counter = { updates: 0, exchange: (async (server, wire, timeoutMs) => {
    if (decodeMessage(wire).opcode === opcode.UPDATE) counter.updates++;
    return exchangeTcp(server, wire, timeoutMs);
  }) as typeof exchangeTcp };
  return counter;
}

describe.each(['hmac-sha256', 'hmac-sha512'] as const)('RFC 2136 provider (%s) against a real pdns_server taking TSIG-signed updates', (algorithm) => {
  const key: PowerDnsTsigKey = { name: `lanyard-${algorithm}`, algorithm, secret };
  let pdns: PowerDnsServer;
  let provider: DnsProvider;
  let options: Rfc2136Options;
  const counter = countingExchange();
  let resolver: dns.promises.Resolver;
  beforeAll(async () => {
    pdns = await startPowerDns({ dnsUpdate: key });
    const config: Rfc2136Config = { provider: 'rfc2136', server: { host: '127.0.0.1', port: pdns.dnsPort }, zones: [], key: { name: key.name, algorithm, secret: Buffer.from(secret, 'base64') } };
    options = { server: config.server, zones: config.zones, key: config.key, exchange: counter.exchange };
    provider = rfc2136Provider(options);
    resolver = new dns.promises.Resolver();
    resolver.setServers([pdns.dnsServer]);
    await pdns.createZone('contoso.test', [
      { name: 'contoso.test.', type: 'TXT', ttl: 300, records: [{ content: '"google-site-verification=keep-me"' }, { content: '"v=spf1 include:old.test -all"' }] },
      { name: 'contoso.test.', type: 'MX', ttl: 300, records: [{ content: '10 mx.old-provider.test.' }] },
      { name: 'www.contoso.test.', type: 'CNAME', ttl: 300, records: [{ content: 'web.example.test.' }] },
    ]);
    await pdns.createZone('eu.contoso.test');
  });
  afterAll(async () => {
    await pdns?.stop();
  });

  it('finds the zone by SOA query (the most specific, also for a name that does not exist), or the configured zones', async () => {
    expect(await provider.hostsZoneFor('contoso.test')).toBe('contoso.test');
    expect(await provider.hostsZoneFor('No.Such.Name.Contoso.Test.')).toBe('contoso.test');
    expect(await provider.hostsZoneFor('shop.eu.contoso.test')).toBe('eu.contoso.test');
    expect(await provider.hostsZoneFor('fabrikam.test')).toBeUndefined();
    const listed = rfc2136Provider({ ...options, zones: ['contoso.test'] });
    expect(await listed.hostsZoneFor('shop.eu.contoso.test')).toBe('contoso.test');
    expect(await listed.hostsZoneFor('fabrikam.test')).toBeUndefined();
  });

  it('writes TXT, MX, CNAME and SRV in one signed UPDATE that resolve, keeping the records already there; a re-run sends nothing', async () => {
    const wanted = [
      { name: 'contoso.test', type: 'TXT', ttl: 3600, values: ['MS=ms12345678'] },
      { name: 'contoso.test', type: 'MX', ttl: 3600, values: ['0 contoso-test.mail.protection.outlook.com'] },
      { name: 'autodiscover.contoso.test', type: 'CNAME', ttl: 3600, values: ['autodiscover.outlook.com'] },
      { name: '_sipfederationtls._tcp.contoso.test', type: 'SRV', ttl: 3600, values: ['100 1 5061 sipfed.online.lync.com'] },
      { name: 'www.contoso.test', type: 'CNAME', ttl: 3600, values: ['other.example.test'] },
    ] as const;
    counter.updates = 0;
    const result = await provider.ensureRecords('contoso.test', wanted);
    expect(counter.updates).toBe(1);
    expect(result.written.map((rrset) => `${rrset.type} ${rrset.name} ${rrset.ttl}`).sort()).toEqual(['CNAME autodiscover.contoso.test 3600', 'MX contoso.test 300', 'SRV _sipfederationtls._tcp.contoso.test 3600', 'TXT contoso.test 300']);
    expect(result.conflicts.map((conflict) => `${conflict.type} ${conflict.name}`).sort()).toEqual(['CNAME www.contoso.test']);

    const txt = (await resolver.resolveTxt('contoso.test')).map((strings) => strings.join('')).sort();
    expect(txt).toEqual(['MS=ms12345678', 'google-site-verification=keep-me', 'v=spf1 include:old.test -all']);
    expect((await resolver.resolveMx('contoso.test')).map((mx) => `${mx.priority} ${mx.exchange}`).sort()).toEqual(['0 contoso-test.mail.protection.outlook.com', '10 mx.old-provider.test']);
    expect(await resolver.resolveCname('autodiscover.contoso.test')).toEqual(['autodiscover.outlook.com']);
    expect(await resolver.resolveCname('www.contoso.test')).toEqual(['web.example.test']);
    expect(await resolver.resolveSrv('_sipfederationtls._tcp.contoso.test')).toEqual([{ name: 'sipfed.online.lync.com', port: 5061, priority: 100, weight: 1 }]);
    expect((await provider.readRecords('Contoso.Test', 'MX')).sort()).toEqual(['0 contoso-test.mail.protection.outlook.com', '10 mx.old-provider.test']);
    expect(await provider.readRecords('nothing.contoso.test', 'TXT')).toEqual([]);

    const zoneBefore = JSON.stringify(await pdns.zoneRrsets('contoso.test'));
    counter.updates = 0;
    const again = await provider.ensureRecords('contoso.test', wanted);
    expect(counter.updates).toBe(0);
    expect(again.written).toEqual([]);
    expect(again.unchanged).toHaveLength(4);
    expect(JSON.stringify(await pdns.zoneRrsets('contoso.test'))).toBe(zoneBefore);
  });

  it('a value written meanwhile by someone else fails the prerequisites; the provider reads again and keeps it', async () => {
    let first = true;
    const racing = rfc2136Provider({
      ...options,
      exchange: async (server, wire, timeoutMs) => {
        if (first && decodeMessage(wire).opcode === opcode.UPDATE) {
          first = false;
          await pdns.api('PATCH', `/api/v1/servers/${pdns.serverId}/zones/eu.contoso.test.`, { rrsets: [{ name: 'eu.contoso.test.', type: 'TXT', ttl: 120, changetype: 'REPLACE', records: [{ content: '"written-meanwhile"', disabled: false }] }] });
        }
        return counter.exchange(server, wire, timeoutMs);
      },
    });
    counter.updates = 0;
    const result = await racing.ensureRecords('eu.contoso.test', [{ name: 'eu.contoso.test', type: 'TXT', ttl: 3600, values: ['MS=ms87654321'] }]);
    expect(counter.updates).toBe(2);
    expect(result.written).toEqual([{ name: 'eu.contoso.test', type: 'TXT', ttl: 120, values: ['MS=ms87654321'] }]);
    expect((await resolver.resolveTxt('eu.contoso.test')).map((strings) => strings.join('')).sort()).toEqual(['MS=ms87654321', 'written-meanwhile']);
  });

  it('a wrong secret, key name or clock is refused by the server with what to check, and nothing is written', async () => {
    const before = JSON.stringify(await pdns.zoneRrsets('contoso.test'));
    const write = (provider: DnsProvider) => provider.ensureRecords('contoso.test', [{ name: 'refused.contoso.test', type: 'TXT', ttl: 60, values: ['nope'] }]);
    const wrongSecret = await failure(write(rfc2136Provider({ ...options, key: { ...options.key, secret: Buffer.alloc(32, 1) } })));
    expect(wrongSecret.code).toBe('DNS_PROVIDER_REFUSED');
    expect(wrongSecret.details).toMatchObject({ rcode: 'REFUSED', zone: 'contoso.test' });
    expect(wrongSecret.message).toContain('answered REFUSED to writing TXT refused.contoso.test');
    expect(wrongSecret.message).toContain('LANYARD_RFC2136_TSIG_KEY_NAME, the secret and the algorithm');
    expect((await failure(write(rfc2136Provider({ ...options, key: { ...options.key, name: 'unknown-key' } })))).details).toMatchObject({ rcode: 'REFUSED' });
    const lateClock = rfc2136Provider({ ...options, now: () => new Date(Date.now() - 3_600_000) });
    expect((await failure(write(lateClock))).code).toBe('DNS_PROVIDER_REFUSED');
    expect(JSON.stringify(await pdns.zoneRrsets('contoso.test'))).toBe(before);
    expect(await resolver.resolveTxt('refused.contoso.test').catch((error: NodeJS.ErrnoException) => error.code)).toBe('ENOTFOUND');
  });

  it('a server that names the TSIG error (as BIND does: NOTAUTH with an unsigned BADSIG, BADKEY or BADTIME) gets DNS_TSIG_REJECTED with what to fix', async () => {
    // PowerDNS answers every TSIG failure with a plain REFUSED, so this answer is built as RFC 8945 §5.3.2 describes it.
    const rejecting = (tsigError: number) =>
      rfc2136Provider({
        ...options,
        exchange: async (server, wire, timeoutMs) => {
          const request = decodeMessage(wire);
          if (request.opcode !== opcode.UPDATE) return exchangeTcp(server, wire, timeoutMs);
          const tsig = Buffer.concat([encodeName(algorithm), Buffer.alloc(6), u16(300), u16(0), u16(request.id), u16(tsigError), u16(0)]);
          const answer = encodeMessage({ id: request.id, opcode: opcode.UPDATE, questions: request.questions, answers: [], authorities: [], additionals: [{ name: key.name, type: rrType.TSIG, class: rrClass.ANY, ttl: 0, data: tsig }] });
          answer.writeUInt16BE(answer.readUInt16BE(2) | 0x8000 | 9, 2); // QR, NOTAUTH
          return answer;
        },
      });
    const write = (provider: DnsProvider) => failure(provider.ensureRecords('contoso.test', [{ name: 'rejected.contoso.test', type: 'TXT', ttl: 60, values: ['x'] }]));
    const badSig = await write(rejecting(16));
    expect(badSig).toMatchObject({ code: 'DNS_TSIG_REJECTED', details: { tsigError: 'BADSIG', zone: 'contoso.test' } });
    expect(badSig.message).toContain('check LANYARD_RFC2136_TSIG_SECRET');
    expect((await write(rejecting(17))).message).toContain('check LANYARD_RFC2136_TSIG_KEY_NAME and LANYARD_RFC2136_TSIG_ALGORITHM');
    expect((await write(rejecting(18))).message).toContain('fix the time (NTP)');
  });

  it('a zone the server is not primary for, a name outside the zone and a server that does not answer are clear errors', async () => {
    const notHosted = await failure(provider.ensureRecords('fabrikam.test', [{ name: 'fabrikam.test', type: 'TXT', ttl: 60, values: ['x'] }]));
    expect(notHosted.code).toBe('DNS_ZONE_NOT_HOSTED');
    expect(notHosted.message).toMatch(/answered NOTAUTH to writing TXT fabrikam.test: the server is not primary for this zone/);
    expect((await failure(provider.ensureRecords('contoso.test', [{ name: 'fabrikam.test', type: 'TXT', ttl: 60, values: ['x'] }]))).code).toBe('DNS_RECORD_CONFLICT');
    const gone = rfc2136Provider({ ...options, server: { host: '127.0.0.1', port: await freePort() }, exchange: undefined });
    const unreachable = await failure(gone.hostsZoneFor('contoso.test'));
    expect(unreachable.code).toBe('DNS_PROVIDER_UNREACHABLE');
    expect(unreachable.message).toContain('check LANYARD_RFC2136_SERVER');
    // A server that accepts the connection and then says nothing (or trickles) is given up on at the deadline.
    const silent = net.createServer((socket) => socket.write(Buffer.from([0])));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const mute = rfc2136Provider({ ...options, server: { host: '127.0.0.1', port: (silent.address() as net.AddressInfo).port }, exchange: undefined, timeoutMs: 200 });
      expect((await failure(mute.hostsZoneFor('contoso.test'))).details).toMatchObject({ cause: 'ETIMEDOUT' });
    } finally {
      silent.close();
    }
  });

  it('is what openDnsProvider gives for LANYARD_DNS_PROVIDER=rfc2136', async () => {
    const opened = openDnsProvider(loadConfig({ LANYARD_DATA_DIR: '/tmp/lanyard-dns-config', LANYARD_DNS_PROVIDER: 'rfc2136', LANYARD_RFC2136_SERVER: pdns.dnsServer, LANYARD_RFC2136_TSIG_KEY_NAME: key.name, LANYARD_RFC2136_TSIG_ALGORITHM: algorithm, LANYARD_RFC2136_TSIG_SECRET: secret }, [cspConfig]).csp)!;
    await opened.ensureRecords('eu.contoso.test', [{ name: 'opened.eu.contoso.test', type: 'TXT', ttl: 60, values: ['through the config'] }]);
    expect(await resolver.resolveTxt('opened.eu.contoso.test')).toEqual([['through the config']]);
  });
});
