import { canonicalName, canonicalValue, isSpfPolicy, type DnsConflict, type DnsRecordSet } from './dns-provider.ts';

/** An rrset as it is in the zone now; `values` as the provider gave them (kept byte for byte when rewritten). */
export interface ExistingRrset {
  readonly name: string;
  readonly type: string;
  readonly ttl: number;
  readonly values: readonly string[];
}

export interface RrsetChange {
  readonly name: string;
  readonly type: DnsRecordSet['type'];
  /** The existing rrset's TTL when there is one (its owner chose it), else the wanted one. */
  readonly ttl: number;
  /** The values already there, unchanged, followed by the wanted ones that were missing. */
  readonly kept: readonly string[];
  readonly added: readonly string[];
}

export interface MergePlan {
  readonly changes: readonly RrsetChange[];
  readonly unchanged: readonly DnsRecordSet[];
  readonly conflicts: readonly DnsConflict[];
}

/**
 * What to write so every wanted value is present, keeping everything else: compared in canonical
 * form (case, final dots, number spelling), so a value already there in another spelling is not
 * written twice. Wanted rrsets at the same name and type are combined first. Refused, as conflicts,
 * where a merge would break the zone: a CNAME where another CNAME target or other records are (a
 * CNAME stands alone, RFC 1034 §3.6.2), records where a CNAME is, and a second SPF policy at a
 * name (RFC 7208 §3.2: two policies are a permanent error for every mail check).
 */
export function planMerge(existing: readonly ExistingRrset[], wanted: readonly DnsRecordSet[]): MergePlan {
  const changes: RrsetChange[] = [];
  const unchanged: DnsRecordSet[] = [];
  const conflicts: DnsConflict[] = [];
  for (const rrset of combine(wanted)) {
    const atName = existing.filter((candidate) => canonicalName(candidate.name) === rrset.name);
    const same = atName.find((candidate) => candidate.type === rrset.type);
    const present = new Set((same?.values ?? []).map((value) => canonicalValue(rrset.type, value)));
    const missing = rrset.values.filter((value) => !present.has(canonicalValue(rrset.type, value)));
    if (missing.length === 0) {
      unchanged.push(rrset);
      continue;
    }
    const conflict = (reason: string, values: readonly string[]) => conflicts.push({ name: rrset.name, type: rrset.type, wanted: rrset.values, existing: values, reason });
    const others = atName.filter((candidate) => candidate.type !== rrset.type);
    if (rrset.type === 'CNAME' && (same || others.length > 0)) {
      const there = atName.flatMap((candidate) => candidate.values.map((value) => `${candidate.type} ${value}`));
      conflict(`${rrset.name} already has ${there.join(', ')}; a CNAME must be the only record at its name, so Lanyard leaves it`, there);
      continue;
    }
    const cname = others.find((candidate) => candidate.type === 'CNAME');
    if (cname) {
      conflict(`${rrset.name} is a CNAME to ${cname.values.join(', ')}; no other record may be at that name`, cname.values.map((value) => `CNAME ${value}`));
      continue;
    }
    const spfThere = (same?.values ?? []).filter((value) => isSpfPolicy(rrset.type, unquote(value)));
    if (spfThere.length > 0 && missing.some((value) => isSpfPolicy(rrset.type, value))) {
      conflict(`${rrset.name} already has the SPF policy ${spfThere.join(', ')}; a second one would make SPF fail, so merge the include into it by hand`, spfThere);
      continue;
    }
    changes.push({ name: rrset.name, type: rrset.type, ttl: same?.ttl ?? rrset.ttl, kept: same?.values ?? [], added: missing });
  }
  return { changes, unchanged, conflicts };
}

/** Wanted rrsets with the same name and type become one (values deduplicated, the lowest TTL). */
function combine(wanted: readonly DnsRecordSet[]): DnsRecordSet[] {
  const byKey = new Map<string, DnsRecordSet>();
  for (const rrset of wanted) {
    const name = canonicalName(rrset.name);
    const key = `${name} ${rrset.type}`;
    const before = byKey.get(key);
    const values = [...(before?.values ?? [])];
    for (const value of rrset.values) {
      if (!values.some((other) => canonicalValue(rrset.type, other) === canonicalValue(rrset.type, value))) values.push(value);
    }
    byKey.set(key, { name, type: rrset.type, ttl: Math.min(before?.ttl ?? rrset.ttl, rrset.ttl), values });
  }
  return [...byKey.values()];
}

/** TXT content as a provider may store it: `"a" "b"` → `ab`; other text unchanged. */
export function unquote(content: string): string {
  const strings = [...content.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]!.replace(/\\(.)/g, '$1'));
  return strings.length > 0 ? strings.join('') : content;
}
