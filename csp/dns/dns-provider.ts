import { LanyardError } from '../../core/errors.ts';

/**
 * A DNS provider that hosts customers' zones, so Lanyard can write the records Microsoft 365 asks
 * for (the verification TXT, then MX, SPF, autodiscover, SRV…) instead of showing them to a person.
 *
 * Contract, whichever provider:
 * - `ensureRecords` is idempotent: it reads first and writes only rrsets that lack a wanted value,
 *   so a second run changes nothing;
 * - it keeps what Lanyard did not write: a wanted value is merged into the rrset already at that
 *   name and type (an existing TXT or MX stays); where merging cannot work (a CNAME to elsewhere,
 *   a second SPF policy) it writes nothing there and reports a conflict;
 * - it never creates or deletes a zone.
 */
export interface DnsProvider {
  /** Which hosted zone `domain` lives in (the longest match), or undefined when none is hosted here. */
  hostsZoneFor(domain: string): Promise<string | undefined>;
  /** The values of the rrset at `name` and `type` as the provider stores them (empty when none). */
  readRecords(name: string, type: DnsRecordType): Promise<string[]>;
  /** Makes every wanted value present in `zone`; see the contract above. */
  ensureRecords(zone: string, rrsets: readonly DnsRecordSet[]): Promise<EnsureResult>;
}

export const dnsRecordTypes = ['TXT', 'MX', 'CNAME', 'SRV'] as const;
export type DnsRecordType = (typeof dnsRecordTypes)[number];

/**
 * Records at one name and type, provider-neutral: `name` a lower-case FQDN without the final dot;
 * values in presentation form without quotes or final dots: TXT the text, MX `10 mail.example.com`,
 * CNAME `target.example.com`, SRV `priority weight port target`.
 */
export interface DnsRecordSet {
  readonly name: string;
  readonly type: DnsRecordType;
  readonly ttl: number;
  readonly values: readonly string[];
}

export interface DnsConflict {
  readonly name: string;
  readonly type: DnsRecordType;
  readonly wanted: readonly string[];
  /** What is there now, at that name (any type for a CNAME). */
  readonly existing: readonly string[];
  readonly reason: string;
}

export interface EnsureResult {
  /** Rrsets that were written (with the values added to each). */
  readonly written: readonly DnsRecordSet[];
  /** Rrsets that already held every wanted value. */
  readonly unchanged: readonly DnsRecordSet[];
  readonly conflicts: readonly DnsConflict[];
}

/** Refuses, before anything is read or written, an rrset whose name is outside `zone`. */
export function assertInsideZone(zone: string, rrsets: readonly DnsRecordSet[]): void {
  const apex = canonicalName(zone);
  for (const rrset of rrsets) {
    const name = canonicalName(rrset.name);
    if (name !== apex && !name.endsWith(`.${apex}`)) {
      throw new LanyardError('DNS_RECORD_CONFLICT', `${name} is not inside the zone ${apex}`, { name, zone: apex });
    }
  }
}

/** A DNS name as compared: lower case, without the final dot. */
export function canonicalName(name: string): string {
  return name.trim().replace(/\.+$/, '').toLowerCase();
}

/** A value as compared: host names lower case without final dot, numbers as numbers, TXT as is. */
export function canonicalValue(type: DnsRecordType, value: string): string {
  if (type === 'TXT') return value;
  const parts = value.trim().split(/\s+/);
  const host = canonicalName(parts.pop() ?? '');
  return [...parts.map((part) => String(Number(part))), host].join(' ');
}

/** True when `value` is a Sender Policy Framework policy (a name may hold only one, RFC 7208 §3.2). */
export function isSpfPolicy(type: DnsRecordType, value: string): boolean {
  return type === 'TXT' && /^v=spf1(\s|$)/i.test(value);
}
