import { z } from 'zod';
import { defineConfigSection, positiveInt } from '../core/config.ts';
import { LanyardError } from '../core/errors.ts';

export interface CspConfig {
  readonly tokenRenewalDays: number;
  /** The DNS provider Lanyard writes customer domains' records to; undefined: Lanyard hosts no zones. */
  readonly dns: PowerDnsConfig | undefined;
  /** DNS servers (`host` or `host:port`) that domain checks resolve through; empty: the system's. */
  readonly dnsResolvers: readonly string[];
}

export interface PowerDnsConfig {
  readonly provider: 'powerdns';
  readonly url: string;
  readonly apiKey: string;
  readonly serverId: string;
}

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
     * service records itself. Only `powerdns` (its HTTP API) is built. Unset: Lanyard hosts no zone
     * and shows the records to add by hand.
     */
    LANYARD_DNS_PROVIDER: z.enum(['powerdns']).optional(),
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

function readDnsProvider(values: { LANYARD_DNS_PROVIDER?: 'powerdns' | undefined; LANYARD_POWERDNS_URL?: string | undefined; LANYARD_POWERDNS_API_KEY?: string | undefined; LANYARD_POWERDNS_SERVER_ID: string }): PowerDnsConfig | undefined {
  if (values.LANYARD_DNS_PROVIDER === undefined) {
    if (values.LANYARD_POWERDNS_URL !== undefined || values.LANYARD_POWERDNS_API_KEY !== undefined) {
      throw new LanyardError('CONFIG_INVALID', 'LANYARD_DNS_PROVIDER: set it to powerdns to use LANYARD_POWERDNS_URL and LANYARD_POWERDNS_API_KEY', { key: 'LANYARD_DNS_PROVIDER' });
    }
    return undefined;
  }
  for (const key of ['LANYARD_POWERDNS_URL', 'LANYARD_POWERDNS_API_KEY'] as const) {
    if (values[key] === undefined) throw new LanyardError('CONFIG_INVALID', `${key}: required when LANYARD_DNS_PROVIDER=powerdns`, { key });
  }
  return { provider: 'powerdns', url: values.LANYARD_POWERDNS_URL!, apiKey: values.LANYARD_POWERDNS_API_KEY!, serverId: values.LANYARD_POWERDNS_SERVER_ID };
}
