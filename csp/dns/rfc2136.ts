import { randomInt } from 'node:crypto';
import { LanyardError } from '../../core/errors.ts';
import { canonicalName, assertInsideZone, type DnsProvider, type DnsRecordSet, type EnsureResult } from './dns-provider.ts';
import { dataToValue, decodeMessage, encodeMessage, opcode, rcodeName, rrClass, rrType, typeName, valueToData, type DnsMessage, type DnsRecord } from './dns-message.ts';
import { exchangeTcp, type DnsServerAddress } from './dns-tcp.ts';
import { planMerge, type ExistingRrset, type RrsetChange } from './merge-rrsets.ts';
import { signRequest, verifyResponse, type TsigCheck, type TsigKey } from './tsig.ts';

export interface Rfc2136Options {
  readonly server: DnsServerAddress;
  /** Zones the server is primary for; empty: each domain's zone is found with an SOA query. */
  readonly zones: readonly string[];
  readonly key: TsigKey;
  /** Per message; default 10 s. */
  readonly timeoutMs?: number;
  /** The clock TSIG signs and checks times with (the server allows ±300 s). */
  readonly now?: () => Date;
  /** How a message goes to the server (default TCP); tests pass one that counts or alters real answers. */
  readonly exchange?: typeof exchangeTcp;
}

/** Prerequisite failures (RFC 2136 §3.2): the zone changed between reading and writing. */
const prerequisiteFailed = new Set(['YXDOMAIN', 'YXRRSET', 'NXDOMAIN', 'NXRRSET']);
const attempts = 3;

/**
 * A DNS server that takes RFC 2136 dynamic updates signed with TSIG (RFC 8945), as a DnsProvider:
 * BIND, Knot, PowerDNS (`dnsupdate=yes`), Windows DNS with a TSIG-capable front…
 *
 * Reads each name with an ANY query over TCP, plans with the same merge as every provider, and
 * writes one UPDATE per `ensureRecords` that only adds records. Its prerequisites say "this rrset
 * is exactly what was read" (or "absent", or "name unused" for a CNAME), so the server applies it
 * only to the zone that was planned against: a concurrent change makes it fail as a whole, and
 * the provider reads and plans again. That is also why the reads need no signature: a forged
 * answer can only lead to an update whose prerequisites fail. The UPDATE's answer must carry the
 * server's valid TSIG before Lanyard counts anything as written. No update deletes a record, an
 * rrset or a zone.
 *
 * @example
 *   const dns = rfc2136Provider({ server: { host: '192.0.2.53', port: 53 }, zones: [], key: { name: 'lanyard', algorithm: 'hmac-sha256', secret } });
 *   const zone = await dns.hostsZoneFor('contoso.com');
 */
export function rfc2136Provider(options: Rfc2136Options): DnsProvider {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const now = options.now ?? (() => new Date());
  const where = `${options.server.host}:${options.server.port}`;
  const zones = options.zones.map(canonicalName);
  const send = options.exchange ?? exchangeTcp;

  async function exchange(wire: Buffer, action: string): Promise<Buffer> {
    try {
      return await send(options.server, wire, timeoutMs);
    } catch (error) {
      const cause = (error as { code?: string }).code ?? (error as Error).message;
      throw new LanyardError('DNS_PROVIDER_UNREACHABLE', `The DNS server ${where} did not answer (${cause}) while ${action}; check LANYARD_RFC2136_SERVER and that it accepts TCP`, { server: where, cause });
    }
  }

  async function query(name: string, type: number): Promise<DnsMessage> {
    const id = randomInt(0x10000);
    const answer = decodeAnswer(await exchange(encodeMessage({ id, opcode: opcode.QUERY, questions: [{ name, type, class: rrClass.IN }], answers: [], authorities: [], additionals: [] }), `looking up ${name}`), id, where);
    const rcode = rcodeName(answer.rcode);
    if (rcode !== 'NOERROR' && rcode !== 'NXDOMAIN' && rcode !== 'REFUSED' && rcode !== 'NOTAUTH') throw refused(rcode, `looking up ${name}`, where);
    return answer;
  }

  /** The records at `name`, with RDATA as the server holds it (for prerequisites). */
  async function recordsAt(name: string): Promise<DnsRecord[]> {
    const answer = await query(name, rrType.ANY);
    return answer.answers.filter((record) => canonicalName(record.name) === name && record.class === rrClass.IN);
  }

  async function hostsZoneFor(domain: string): Promise<string | undefined> {
    const name = canonicalName(domain);
    if (zones.length > 0) return zones.filter((zone) => name === zone || name.endsWith(`.${zone}`)).sort((a, b) => b.length - a.length)[0];
    // An authoritative server names the zone in the SOA it answers with: in the answer at the apex,
    // in the authority section below it (also for a name that does not exist). It refuses others.
    const answer = await query(name, rrType.SOA);
    if (!answer.authoritative) return undefined;
    const soa = [...answer.answers, ...answer.authorities].find((record) => record.type === rrType.SOA);
    const zone = soa && canonicalName(soa.name);
    return zone !== undefined && zone.includes('.') && (name === zone || name.endsWith(`.${zone}`)) ? zone : undefined;
  }

  async function update(zone: string, changes: readonly RrsetChange[], read: ReadonlyMap<string, DnsRecord[]>): Promise<'done' | 'zone changed'> {
    const prerequisites: DnsRecord[] = changes.flatMap((change) => {
      const there = (read.get(change.name) ?? []).filter((record) => typeName(record.type) === change.type);
      if (there.length > 0) return there.map((record) => ({ ...record, ttl: 0 })); // rrset exists, value-dependent (§2.4.2)
      if (change.type === 'CNAME') return [{ name: change.name, type: rrType.ANY, class: rrClass.NONE, ttl: 0, data: Buffer.alloc(0) }]; // name not in use (§2.4.5)
      return [{ name: change.name, type: rrType[change.type], class: rrClass.NONE, ttl: 0, data: Buffer.alloc(0) }]; // rrset does not exist (§2.4.3)
    });
    const additions: DnsRecord[] = changes.flatMap((change) => change.added.map((value) => ({ name: change.name, type: rrType[change.type], class: rrClass.IN, ttl: change.ttl, data: valueToData(change.type, value) })));
    const id = randomInt(0x10000);
    const unsigned = encodeMessage({ id, opcode: opcode.UPDATE, questions: [{ name: zone, type: rrType.SOA, class: rrClass.IN }], answers: prerequisites, authorities: additions, additionals: [] });
    const request = signRequest(unsigned, options.key, now());
    const action = `writing ${changes.map((change) => `${change.type} ${change.name}`).join(', ')}`;
    const wire = await exchange(request.wire, action);
    let check: TsigCheck;
    try {
      check = verifyResponse(wire, request, options.key, now());
    } catch {
      throw malformed(where);
    }
    const answer = check.message;
    if (answer.id !== id || !answer.response) throw malformed(where);
    const rcode = rcodeName(answer.rcode);
    if (!check.ok && check.tsigError) throw tsigRejected(check.tsigError, action, where, zone);
    // A failure answer may be unsigned (RFC 8945 §5.3.2); believing it writes nothing, so it is reported as given.
    if (rcode === 'NOERROR' && !check.ok) throw new LanyardError('DNS_TSIG_INVALID', `The DNS server ${where} answered the update for ${zone}, but ${check.problem}; the change is not counted as written. Check that LANYARD_RFC2136_TSIG_KEY_NAME and the secret match the server's key`, { server: where, zone, problem: check.problem });
    if (rcode === 'NOERROR') return 'done';
    if (prerequisiteFailed.has(rcode)) return 'zone changed';
    throw refused(rcode, action, where, zone);
  }

  return {
    hostsZoneFor,

    async readRecords(name, type) {
      const wanted = canonicalName(name);
      return (await recordsAt(wanted)).filter((record) => record.type === rrType[type]).map((record) => dataToValue(record.type, record.data));
    },

    async ensureRecords(zone, rrsets): Promise<EnsureResult> {
      const apex = canonicalName(zone);
      assertInsideZone(apex, rrsets);
      for (let attempt = 1; ; attempt++) {
        const read = new Map<string, DnsRecord[]>();
        for (const name of new Set(rrsets.map((rrset) => canonicalName(rrset.name)))) read.set(name, await recordsAt(name));
        const plan = planMerge(existingRrsets(read), rrsets);
        if (plan.changes.length === 0 || (await update(apex, plan.changes, read)) === 'done') {
          return { written: plan.changes.map((change): DnsRecordSet => ({ name: change.name, type: change.type, ttl: change.ttl, values: change.added })), unchanged: plan.unchanged, conflicts: plan.conflicts };
        }
        if (attempt === attempts) {
          throw new LanyardError('DNS_PROVIDER_REFUSED', `The zone ${apex} kept changing while Lanyard wrote to it (${attempts} tries); run the set-up again`, { server: where, zone: apex, rcode: 'prerequisite failed' });
        }
      }
    },
  };
}

/** Records read, grouped into rrsets of the types the merge knows and the others as `TYPEnn`. */
function existingRrsets(read: ReadonlyMap<string, DnsRecord[]>): ExistingRrset[] {
  const byKey = new Map<string, { name: string; type: string; ttl: number; values: string[] }>();
  for (const [name, records] of read) {
    for (const record of records) {
      const type = typeName(record.type);
      const key = `${name} ${type}`;
      const rrset = byKey.get(key) ?? { name, type, ttl: record.ttl, values: [] };
      if (type === 'TXT' || type === 'MX' || type === 'CNAME' || type === 'SRV') rrset.values.push(dataToValue(record.type, record.data));
      byKey.set(key, rrset);
    }
  }
  return [...byKey.values()];
}

function decodeAnswer(wire: Buffer, id: number, where: string): DnsMessage {
  try {
    const answer = decodeMessage(wire);
    if (answer.id === id && answer.response) return answer;
  } catch {
    // reported below
  }
  throw malformed(where);
}

function malformed(where: string): LanyardError {
  return new LanyardError('DNS_PROVIDER_REFUSED', `The DNS server ${where} sent an answer that is not a DNS response to Lanyard's message`, { server: where, rcode: 'malformed' });
}

const remediation: Readonly<Record<string, string>> = {
  NOTAUTH: 'the server is not primary for this zone: point LANYARD_RFC2136_SERVER at the primary, or list only its zones in LANYARD_RFC2136_ZONES',
  NOTZONE: 'a name is in a zone delegated elsewhere: set up that zone on the server, or leave the records to be added by hand',
  REFUSED: "the server does not accept this update: check LANYARD_RFC2136_TSIG_KEY_NAME, the secret and the algorithm match the server's key, and that the server allows the key to update the zone (BIND update-policy, PowerDNS TSIG-ALLOW-DNSUPDATE and allow-dnsupdate-from)",
  SERVFAIL: 'the server failed to apply it: see its log',
  NOTIMP: 'the server does not implement dynamic updates (PowerDNS: dnsupdate=yes)',
  FORMERR: 'the server could not parse the message: see its log',
};

function refused(rcode: string, action: string, where: string, zone?: string): LanyardError {
  const code = rcode === 'NOTAUTH' || rcode === 'NOTZONE' ? 'DNS_ZONE_NOT_HOSTED' : 'DNS_PROVIDER_REFUSED';
  const hint = remediation[rcode] ?? 'see the server log';
  return new LanyardError(code, `The DNS server ${where} answered ${rcode} to ${action}: ${hint}`, { server: where, rcode, ...(zone ? { zone } : {}) });
}

function tsigRejected(tsigError: string, action: string, where: string, zone: string): LanyardError {
  const hint =
    tsigError === 'BADTIME'
      ? "this machine's clock and the server's differ by more than 5 minutes: fix the time (NTP) on one of them"
      : tsigError === 'BADKEY'
        ? 'the server has no key by that name and algorithm: check LANYARD_RFC2136_TSIG_KEY_NAME and LANYARD_RFC2136_TSIG_ALGORITHM'
        : 'the signature does not match the server’s key: check LANYARD_RFC2136_TSIG_SECRET';
  return new LanyardError('DNS_TSIG_REJECTED', `The DNS server ${where} rejected Lanyard's TSIG signature (${tsigError}) while ${action}: ${hint}`, { server: where, zone, tsigError });
}
