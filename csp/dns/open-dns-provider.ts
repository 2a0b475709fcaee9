import type { CspConfig } from '../config.ts';
import type { DnsProvider } from './dns-provider.ts';
import { powerDnsProvider } from './powerdns.ts';
import { rfc2136Provider } from './rfc2136.ts';

/**
 * The DNS provider configured by LANYARD_DNS_PROVIDER, or undefined when none is: then Lanyard
 * hosts no zone, and domain set-up shows the records for a person to add.
 */
export function openDnsProvider(config: Pick<CspConfig, 'dns'>, options: { fetch?: typeof fetch } = {}): DnsProvider | undefined {
  const dns = config.dns;
  if (!dns) return undefined;
  switch (dns.provider) {
    case 'powerdns':
      return powerDnsProvider({ url: dns.url, apiKey: dns.apiKey, serverId: dns.serverId, ...options });
    case 'rfc2136':
      return rfc2136Provider({ server: dns.server, zones: dns.zones, key: dns.key });
  }
}
