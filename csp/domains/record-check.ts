import dns from 'node:dns';
import { canonicalName, canonicalValue } from '../dns/dns-provider.ts';
import type { RequiredRecord } from './required-records.ts';

/** A resolver domain checks go through, and how to name it in a message. */
export interface DomainResolver {
  readonly resolver: dns.promises.Resolver;
  /** `127.0.0.1:5300` or `the system resolver`. */
  readonly label: string;
}

/** A resolver over `servers` (`host` or `host:port`); the system's when empty. */
export function createDomainResolver(servers: readonly string[]): DomainResolver {
  const resolver = new dns.promises.Resolver({ timeout: 3000, tries: 2 });
  if (servers.length > 0) resolver.setServers([...servers]);
  return { resolver, label: servers.length > 0 ? servers.join(', ') : 'the system resolver' };
}

export interface RecordCheck {
  readonly record: RequiredRecord;
  /** present: the wanted value is there; wrong: the name has records of that type, not this one; missing: none. */
  readonly status: 'present' | 'wrong' | 'missing';
  /** What the resolver answered for that name and type (values in Lanyard's form). */
  readonly seen: readonly string[];
  /** The resolver's error code when it answered with none (ENOTFOUND, ENODATA, ETIMEOUT, EREFUSED…). */
  readonly lookupError?: string;
  /** For the admin: which record, what was expected, what the resolver saw. */
  readonly explanation: string;
}

/** Looks each record up through `resolver` and says whether it is there as Microsoft asks. */
export async function checkRecords(resolver: DomainResolver, records: readonly RequiredRecord[]): Promise<RecordCheck[]> {
  return Promise.all(records.map((record) => checkRecord(resolver, record)));
}

async function checkRecord(domainResolver: DomainResolver, record: RequiredRecord): Promise<RecordCheck> {
  let seen: string[];
  let lookupError: string | undefined;
  try {
    seen = await lookUp(domainResolver.resolver, record);
  } catch (error) {
    seen = [];
    lookupError = (error as { code?: string }).code ?? 'ERROR';
  }
  const wanted = canonicalValue(record.type, record.value);
  const present = seen.some((value) => canonicalValue(record.type, value) === wanted);
  const status = present ? 'present' : seen.length > 0 ? 'wrong' : 'missing';
  const shown = (value: string) => (record.type === 'TXT' ? `"${value}"` : value);
  const what = `${record.type} ${record.name} ${shown(record.value)}`;
  const saw = seen.length > 0 ? seen.map(shown).join(', ') : `no ${record.type} record${lookupError ? ` (${describeLookupError(lookupError)})` : ''}`;
  const explanation =
    status === 'present'
      ? `${what} is in place`
      : `${what} is ${status === 'wrong' ? 'wrong' : 'missing'}: ${domainResolver.label} answered ${saw}`;
  return { record, status, seen, ...(lookupError ? { lookupError } : {}), explanation };
}

async function lookUp(resolver: dns.promises.Resolver, record: RequiredRecord): Promise<string[]> {
  const name = canonicalName(record.name);
  switch (record.type) {
    case 'TXT':
      return (await resolver.resolveTxt(name)).map((strings) => strings.join(''));
    case 'MX':
      return (await resolver.resolveMx(name)).map((mx) => `${mx.priority} ${canonicalName(mx.exchange)}`);
    case 'CNAME':
      return (await resolver.resolveCname(name)).map(canonicalName);
    case 'SRV':
      return (await resolver.resolveSrv(name)).map((srv) => `${srv.priority} ${srv.weight} ${srv.port} ${canonicalName(srv.name)}`);
  }
}

function describeLookupError(code: string): string {
  switch (code) {
    case 'ENOTFOUND':
      return 'the name does not exist';
    case 'ENODATA':
      return 'the name exists without such records';
    case 'ETIMEOUT':
      return 'no answer in time';
    case 'EREFUSED':
      return 'the server refused the query';
    case 'ESERVFAIL':
      return 'the server failed';
    default:
      return code;
  }
}

/**
 * The zone a name is in, as DNS sees it: the nearest name upwards with an SOA record. For the
 * hosts shown to a person (relative to their zone) when Lanyard does not host it; falls back to
 * the name itself when no SOA is found (e.g. the zone is not delegated yet).
 */
export async function zoneApexOf(domainResolver: DomainResolver, name: string): Promise<string> {
  const labels = canonicalName(name).split('.');
  for (let start = 0; start < labels.length - 1; start++) {
    const candidate = labels.slice(start).join('.');
    try {
      await domainResolver.resolver.resolveSoa(candidate);
      return candidate;
    } catch {
      // not an apex, or no answer: look further up
    }
  }
  return canonicalName(name);
}
