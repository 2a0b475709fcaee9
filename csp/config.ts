import { z } from 'zod';
import { defineConfigSection, positiveInt } from '../core/config.ts';
import { LanyardError } from '../core/errors.ts';

export interface CspConfig {
  readonly tokenRenewalDays: number;
  /** The DNS provider Lanyard writes customer domains' records to; undefined: Lanyard hosts no zones. */
  readonly dns: PowerDnsConfig | Rfc2136Config | undefined;
  /** DNS servers (`host` or `host:port`) that domain checks resolve through; empty: the system's. */
  readonly dnsResolvers: readonly string[];
}

export interface PowerDnsConfig {
  readonly provider: 'powerdns';
  readonly url: string;
  readonly apiKey: string;
  readonly serverId: string;
}

export interface Rfc2136Config {
  readonly provider: 'rfc2136';
  readonly server: { readonly host: string; readonly port: number };
  /** Empty: each domain's zone is found by an SOA query. */
  readonly zones: readonly string[];
  readonly key: { readonly name: string; readonly algorithm: 'hmac-sha256' | 'hmac-sha512'; readonly secret: Buffer };
}

/** A DNS name as configured: letters, digits, hyphens and underscores in dot-separated labels. */
const dnsName = /^(?=.{1,253}\.?$)([A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

declare module '../core/config.ts' {
  interface ModuleConfig {
    csp: CspConfig;
  }
}

/** The CSP module's settings, at `config.csp`. */
export const cspConfig = defineConfigSection({
  key: 'csp',
  variables: {
    /**
     * The renewal job redeems a partner's refresh token that was not used for this many days, so it
     * never reaches Entra's 90 days of inactivity (after which the partner admin must consent again).
     */
    LANYARD_CSP_TOKEN_RENEWAL_DAYS: positiveInt.max(89).default(30),
    /**
     * The DNS provider that hosts customers' zones, so `csp domain add` writes the verification and
     * service records itself: `powerdns` (its HTTP API) or `rfc2136` (dynamic updates signed with
     * TSIG, to any server that takes them). Unset: Lanyard hosts no zone and shows the records to add
     * by hand.
     */
    LANYARD_DNS_PROVIDER: z.enum(['powerdns', 'rfc2136']).optional(),
    /** PowerDNS's API origin, e.g. `http://127.0.0.1:8081` (its `webserver-address` / `webserver-port`). */
    LANYARD_POWERDNS_URL: z
      .string()
      .url('LANYARD_POWERDNS_URL must be an absolute URL')
      .refine((value) => /^https?:\/\//.test(value), 'LANYARD_POWERDNS_URL must be http(s)')
      .transform((value) => value.replace(/\/+$/, ''))
      .optional(),
    /** PowerDNS's `api-key`, sent as X-API-Key. */
    LANYARD_POWERDNS_API_KEY: z.string().min(1).optional(),
    /** PowerDNS's server id in `/api/v1/servers/{id}`; `localhost` unless PowerDNS is behind a proxy that names it. */
    LANYARD_POWERDNS_SERVER_ID: z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be a PowerDNS server id such as localhost').default('localhost'),
    /** The primary server that takes the updates, `host` or `host:port` (port 53 by default; `[v6]:port`). */
    LANYARD_RFC2136_SERVER: z
      .string()
      .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/, 'must be host or host:port ([address]:port for IPv6)')
      .transform((value) => {
        const match = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(value)!;
        return { host: match[1]!, port: Number(match[2] ?? 53) };
      })
      .refine((server) => server.port >= 1 && server.port <= 65535, 'port must be 1 to 65535')
      .optional(),
    /** Comma-separated zones the server is primary for. Unset: a domain's zone is found by an SOA query to the server. */
    LANYARD_RFC2136_ZONES: z
      .string()
      .transform((value) => value.split(',').map((zone) => zone.trim()).filter(Boolean))
      .refine((zones) => zones.length > 0 && zones.every((zone) => dnsName.test(zone) && zone.replace(/\.$/, '').includes('.')), 'must be comma-separated zone names such as contoso.com')
      .optional(),
    /** The TSIG key's name, as the server knows it. */
    LANYARD_RFC2136_TSIG_KEY_NAME: z.string().regex(dnsName, 'must be a key name such as lanyard-update (a DNS name)').optional(),
    LANYARD_RFC2136_TSIG_ALGORITHM: z.enum(['hmac-sha256', 'hmac-sha512']).default('hmac-sha256'),
    /** The TSIG key's secret, base64 (as `tsig-keygen` or `pdnsutil generate-tsig-key` prints it); a secret: keep it out of logs. */
    LANYARD_RFC2136_TSIG_SECRET: z
      .string()
      .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64')
      .transform((value) => Buffer.from(value, 'base64'))
      .refine((secret) => secret.length >= 16, 'must be at least 16 bytes (base64 of 32 random bytes, say)')
      .optional(),
    /**
     * Comma-separated DNS servers (`host` or `host:port`) that domain checks resolve through, so a
     * failed check says what the world sees. Unset: the system resolver.
     */
    LANYARD_DNS_RESOLVERS: z
      .string()
      .regex(/^\s*[^\s,]+(\s*,\s*[^\s,]+)*\s*$/, 'must be comma-separated host or host:port entries')
      .optional(),
  },
  read: (values) => ({
    tokenRenewalDays: values.LANYARD_CSP_TOKEN_RENEWAL_DAYS,
    dns: readDnsProvider(values),
    dnsResolvers: (values.LANYARD_DNS_RESOLVERS ?? '').split(',').map((entry) => entry.trim()).filter(Boolean),
  }),
});

type DnsProviderValues = {
  LANYARD_DNS_PROVIDER?: 'powerdns' | 'rfc2136' | undefined;
  LANYARD_POWERDNS_URL?: string | undefined;
  LANYARD_POWERDNS_API_KEY?: string | undefined;
  LANYARD_POWERDNS_SERVER_ID: string;
  LANYARD_RFC2136_SERVER?: { host: string; port: number } | undefined;
  LANYARD_RFC2136_ZONES?: string[] | undefined;
  LANYARD_RFC2136_TSIG_KEY_NAME?: string | undefined;
  LANYARD_RFC2136_TSIG_ALGORITHM: 'hmac-sha256' | 'hmac-sha512';
  LANYARD_RFC2136_TSIG_SECRET?: Buffer | undefined;
};

/** Each provider's settings, and those of them it cannot do without. */
const providerSettings = {
  powerdns: { all: ['LANYARD_POWERDNS_URL', 'LANYARD_POWERDNS_API_KEY'], required: ['LANYARD_POWERDNS_URL', 'LANYARD_POWERDNS_API_KEY'] },
  rfc2136: {
    all: ['LANYARD_RFC2136_SERVER', 'LANYARD_RFC2136_ZONES', 'LANYARD_RFC2136_TSIG_KEY_NAME', 'LANYARD_RFC2136_TSIG_SECRET'],
    required: ['LANYARD_RFC2136_SERVER', 'LANYARD_RFC2136_TSIG_KEY_NAME', 'LANYARD_RFC2136_TSIG_SECRET'],
  },
} as const;

function readDnsProvider(values: DnsProviderValues): PowerDnsConfig | Rfc2136Config | undefined {
  const provider = values.LANYARD_DNS_PROVIDER;
  // A provider's settings without that provider chosen is a mistake worth stopping for (a half-done set-up).
  for (const [name, settings] of Object.entries(providerSettings)) {
    const stray = settings.all.find((key) => values[key] !== undefined);
    if (provider !== name && stray) {
      throw new LanyardError('CONFIG_INVALID', `LANYARD_DNS_PROVIDER: set it to ${name} to use ${stray}`, { key: 'LANYARD_DNS_PROVIDER' });
    }
  }
  if (provider === undefined) return undefined;
  for (const key of providerSettings[provider].required) {
    if (values[key] === undefined) throw new LanyardError('CONFIG_INVALID', `${key}: required when LANYARD_DNS_PROVIDER=${provider}`, { key });
  }
  if (provider === 'powerdns') {
    return { provider: 'powerdns', url: values.LANYARD_POWERDNS_URL!, apiKey: values.LANYARD_POWERDNS_API_KEY!, serverId: values.LANYARD_POWERDNS_SERVER_ID };
  }
  return {
    provider: 'rfc2136',
    server: values.LANYARD_RFC2136_SERVER!,
    zones: (values.LANYARD_RFC2136_ZONES ?? []).map((zone) => zone.replace(/\.$/, '').toLowerCase()),
    key: { name: values.LANYARD_RFC2136_TSIG_KEY_NAME!, algorithm: values.LANYARD_RFC2136_TSIG_ALGORITHM, secret: values.LANYARD_RFC2136_TSIG_SECRET! },
  };
}
