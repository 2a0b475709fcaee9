import { canonicalName, type DnsRecordSet, type DnsRecordType } from '../dns/dns-provider.ts';

/**
 * One DNS record Microsoft asks for, read from Graph's `domainDnsRecord` (verificationDnsRecords,
 * serviceConfigurationRecords): `@odata.type` / `recordType` Txt|Mx|CName|Srv with their fields.
 */
export interface RequiredRecord {
  readonly type: DnsRecordType;
  /** Owner name, FQDN lower case: the label, or for SRV `_service._protocol.label`. */
  readonly name: string;
  /** Provider-neutral value (see DnsRecordSet). */
  readonly value: string;
  readonly ttl: number;
  /** verification, or Graph's supportedService (Email, OfficeCommunicationsOnline, Intune…). */
  readonly purpose: string;
  readonly isOptional: boolean;
  /** The parts a DNS panel asks for separately. */
  readonly target: string;
  readonly priority?: number;
  readonly weight?: number;
  readonly port?: number;
}

const defaultTtl = 3600;

/** Graph's records as RequiredRecords; record types Lanyard cannot write (none known today) are skipped. */
export function requiredRecordsFromGraph(records: readonly Record<string, unknown>[], purpose?: string): RequiredRecord[] {
  return records.flatMap((record) => {
    const converted = fromGraph(record, purpose);
    return converted ? [converted] : [];
  });
}

function fromGraph(record: Record<string, unknown>, purposeOverride: string | undefined): RequiredRecord | undefined {
  const label = canonicalName(String(record.label ?? ''));
  const ttl = typeof record.ttl === 'number' && record.ttl > 0 ? record.ttl : defaultTtl;
  const purpose = purposeOverride ?? String(record.supportedService ?? 'Email');
  const isOptional = record.isOptional === true;
  const recordType = String(record.recordType ?? '').toLowerCase();
  switch (recordType) {
    case 'txt': {
      const text = String(record.text ?? '');
      return { type: 'TXT', name: label, value: text, target: text, ttl, purpose, isOptional };
    }
    case 'mx': {
      const host = canonicalName(String(record.mailExchange ?? ''));
      const priority = Number(record.preference ?? 0);
      return { type: 'MX', name: label, value: `${priority} ${host}`, target: host, priority, ttl, purpose, isOptional };
    }
    case 'cname': {
      const host = canonicalName(String(record.canonicalName ?? ''));
      return { type: 'CNAME', name: label, value: host, target: host, ttl, purpose, isOptional };
    }
    case 'srv': {
      const host = canonicalName(String(record.nameTarget ?? ''));
      const priority = Number(record.priority ?? 0);
      const weight = Number(record.weight ?? 0);
      const port = Number(record.port ?? 0);
      const service = String(record.service ?? '').replace(/^_?/, '_');
      const protocol = String(record.protocol ?? '').replace(/^_?/, '_');
      return { type: 'SRV', name: `${service}.${protocol}.${label}`, value: `${priority} ${weight} ${port} ${host}`, target: host, priority, weight, port, ttl, purpose, isOptional };
    }
    default:
      return undefined;
  }
}

/** The records as rrsets for a DnsProvider (records at one name and type are combined by it). */
export function toRecordSets(records: readonly RequiredRecord[]): DnsRecordSet[] {
  return records.map((record) => ({ name: record.name, type: record.type, ttl: record.ttl, values: [record.value] }));
}

/**
 * A record as a person types it into a DNS hosting panel: the host relative to the zone (`@` for
 * the apex), the value without quotes or final dot, and priority, weight and port apart.
 */
export interface DnsPanelEntry {
  readonly type: DnsRecordType;
  readonly host: string;
  readonly value: string;
  readonly ttl: number;
  readonly priority?: number;
  readonly weight?: number;
  readonly port?: number;
  readonly purpose: string;
  readonly optional: boolean;
  /** The same on one line, e.g. `MX  @  contoso-com.mail.protection.outlook.com  priority 0  TTL 3600`. */
  readonly line: string;
}

export function panelEntry(record: RequiredRecord, zone: string): DnsPanelEntry {
  const host = relativeHost(record.name, zone);
  const numbers = [
    record.priority === undefined ? '' : `priority ${record.priority}`,
    record.weight === undefined ? '' : `weight ${record.weight}`,
    record.port === undefined ? '' : `port ${record.port}`,
  ].filter(Boolean);
  return {
    type: record.type,
    host,
    value: record.target,
    ttl: record.ttl,
    ...(record.priority === undefined ? {} : { priority: record.priority }),
    ...(record.weight === undefined ? {} : { weight: record.weight }),
    ...(record.port === undefined ? {} : { port: record.port }),
    purpose: record.purpose,
    optional: record.isOptional,
    line: [record.type, host, record.target, ...numbers, `TTL ${record.ttl}`].join('  '),
  };
}

/** `autodiscover.contoso.com` in zone `contoso.com` → `autodiscover`; the apex → `@`. */
export function relativeHost(name: string, zone: string): string {
  const owner = canonicalName(name);
  const apex = canonicalName(zone);
  if (owner === apex) return '@';
  return owner.endsWith(`.${apex}`) ? owner.slice(0, -(apex.length + 1)) : `${owner}.`;
}
