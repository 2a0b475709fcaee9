import { LanyardError } from '../../core/errors.ts';
import { assertInsideZone, canonicalName, type DnsProvider, type DnsRecordType, type EnsureResult } from './dns-provider.ts';
import { planMerge, unquote, type ExistingRrset } from './merge-rrsets.ts';

export interface PowerDnsOptions {
  /** API origin, e.g. `http://127.0.0.1:8081`. */
  readonly url: string;
  readonly apiKey: string;
  /** `localhost` for a plain PowerDNS. */
  readonly serverId: string;
  /** Per request; default 10 s. */
  readonly timeoutMs?: number;
  /** The fetch to use (default the global one); tests pass one that counts the requests it sends on. */
  readonly fetch?: typeof fetch;
}

interface PowerDnsRecord {
  readonly content: string;
  readonly disabled: boolean;
}

interface PowerDnsRrset {
  readonly name: string;
  readonly type: string;
  readonly ttl: number;
  readonly records: readonly PowerDnsRecord[];
}

/**
 * The PowerDNS authoritative server as a DnsProvider, through its HTTP API (`/api/v1`, X-API-Key).
 * Reads a zone with one GET and writes with one PATCH of the rrsets that lack a wanted value, each
 * with `changetype: REPLACE` carrying the records already there (content and disabled flag as
 * PowerDNS gave them) plus the missing ones; comments are not sent, so PowerDNS keeps them. Nothing
 * here creates or deletes a zone, and no rrset is sent with `DELETE`.
 *
 * @example
 *   const dns = powerDnsProvider({ url: 'http://127.0.0.1:8081', apiKey, serverId: 'localhost' });
 *   const zone = await dns.hostsZoneFor('contoso.com');          // 'contoso.com' or undefined
 *   if (zone) await dns.ensureRecords(zone, [{ name: 'contoso.com', type: 'TXT', ttl: 3600, values: ['MS=ms12345678'] }]);
 */
export function powerDnsProvider(options: PowerDnsOptions): DnsProvider {
  const base = `${options.url.replace(/\/+$/, '')}/api/v1/servers/${encodeURIComponent(options.serverId)}`;
  const send = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;

  /** `absentOn404`: a 404 means "no such zone" (undefined) rather than a wrong server id or URL. */
  async function call<T>(method: string, path: string, action: string, body?: unknown, absentOn404 = false): Promise<T | undefined> {
    let response: Response;
    try {
      response = await send(`${base}${path}`, {
        method,
        headers: { 'X-API-Key': options.apiKey, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw new LanyardError('DNS_PROVIDER_UNREACHABLE', `PowerDNS at ${options.url} did not answer (${cause}) while ${action}; check LANYARD_POWERDNS_URL and that PowerDNS runs with api=yes`, { url: options.url, cause });
    }
    const text = await response.text();
    if (response.status === 404 && absentOn404) return undefined;
    if (!response.ok) {
      let message = text.trim();
      try {
        message = (JSON.parse(text) as { error?: string }).error ?? message;
      } catch {
        // PowerDNS answers some errors (401, 404) as plain text
      }
      const hint = response.status === 401 || response.status === 403 ? ' (check LANYARD_POWERDNS_API_KEY)' : response.status === 404 ? ' (check LANYARD_POWERDNS_SERVER_ID)' : '';
      throw new LanyardError('DNS_PROVIDER_REFUSED', `PowerDNS refused ${action}: ${response.status} ${message}${hint}`, { powerDnsStatus: response.status, powerDnsError: message });
    }
    return text ? (JSON.parse(text) as T) : undefined;
  }

  const zonePath = (zone: string) => `/zones/${encodeURIComponent(`${canonicalName(zone)}.`)}`;

  async function readZone(zone: string): Promise<PowerDnsRrset[]> {
    const found = await call<{ rrsets: PowerDnsRrset[] }>('GET', zonePath(zone), `reading zone ${zone}`, undefined, true);
    if (!found) throw new LanyardError('DNS_ZONE_NOT_HOSTED', `PowerDNS hosts no zone ${canonicalName(zone)}; Lanyard does not create zones, add it in PowerDNS first`, { zone: canonicalName(zone) });
    return found.rrsets;
  }

  /** The most specific hosted zone: `a.b.contoso.com`, then `b.contoso.com`, then `contoso.com`. */
  async function hostsZoneFor(domain: string): Promise<string | undefined> {
    const labels = canonicalName(domain).split('.');
    for (let start = 0; start < labels.length - 1; start++) {
      const candidate = labels.slice(start).join('.');
      const zones = await call<Array<{ name: string }>>('GET', `/zones?zone=${encodeURIComponent(`${candidate}.`)}`, `looking up zone ${candidate}`);
      if (zones?.some((zone) => canonicalName(zone.name) === candidate)) return candidate;
    }
    return undefined;
  }

  return {
    hostsZoneFor,

    async readRecords(name, type) {
      const zone = await hostsZoneFor(name);
      if (!zone) return [];
      const rrset = (await readZone(zone)).find((candidate) => canonicalName(candidate.name) === canonicalName(name) && candidate.type === type);
      return (rrset?.records ?? []).filter((record) => !record.disabled).map((record) => toNeutral(type, record.content));
    },

    async ensureRecords(zone, rrsets): Promise<EnsureResult> {
      const apex = canonicalName(zone);
      assertInsideZone(apex, rrsets);
      const current = await readZone(apex);
      const existing: ExistingRrset[] = current.map((rrset) => ({
        name: rrset.name,
        type: rrset.type,
        ttl: rrset.ttl,
        values: rrset.records.map((record) => toNeutral(rrset.type, record.content)),
      }));
      const plan = planMerge(existing, rrsets);
      if (plan.changes.length > 0) {
        const patch = plan.changes.map((change) => {
          const before = current.find((rrset) => canonicalName(rrset.name) === change.name && rrset.type === change.type);
          return {
            name: `${change.name}.`,
            type: change.type,
            ttl: change.ttl,
            changetype: 'REPLACE',
            records: [...(before?.records ?? []), ...change.added.map((value) => ({ content: toPowerDns(change.type, value), disabled: false }))],
          };
        });
        await call('PATCH', zonePath(apex), `writing ${plan.changes.map((change) => `${change.type} ${change.name}`).join(', ')}`, { rrsets: patch });
      }
      return {
        written: plan.changes.map((change) => ({ name: change.name, type: change.type, ttl: change.ttl, values: change.added })),
        unchanged: plan.unchanged,
        conflicts: plan.conflicts,
      };
    },
  };
}

/** Lanyard's value form → PowerDNS content: TXT quoted (split into 255-byte strings), host names with the final dot. */
export function toPowerDns(type: DnsRecordType, value: string): string {
  if (type === 'TXT') {
    const escaped = value.replace(/(["\\])/g, '\\$1');
    const chunks = escaped.match(/(?:\\.|[^\\]){1,255}/g) ?? [''];
    return chunks.map((chunk) => `"${chunk}"`).join(' ');
  }
  const parts = value.trim().split(/\s+/);
  const host = parts.pop() ?? '';
  return [...parts, `${canonicalName(host)}.`].join(' ');
}

/** PowerDNS content → Lanyard's value form (the inverse of toPowerDns). */
function toNeutral(type: string, content: string): string {
  if (type === 'TXT' || type === 'SPF') return unquote(content);
  return content.replace(/\.$/, '');
}

