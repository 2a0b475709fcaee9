import type { Client } from '@microsoft/microsoft-graph-client';
import type { Clock } from '../../core/clock.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import type { Db } from '../../core/db/database.ts';
import { isDomainName } from '../../core/domain-name.ts';
import { isLanyardError, LanyardError } from '../../core/errors.ts';
import { graphFailure } from '../../provisioning/tenant/graph-client.ts';
import { findCustomerDomain, insertCustomerDomain, markDomainVerified, recordDomainFailure } from '../data/customer-domains.ts';
import type { CspCustomer, CspCustomerDomain } from '../data/tables.ts';
import type { DnsConflict, DnsProvider, DnsRecordSet } from '../dns/dns-provider.ts';
import { hostedZoneAccess, type DnsWriter, type HostedZoneAccess } from './hosted-zone-access.ts';
import { checkRecords, zoneApexOf, type DomainResolver, type RecordCheck } from './record-check.ts';
import { panelEntry, requiredRecordsFromGraph, toRecordSets, type DnsPanelEntry, type RequiredRecord } from './required-records.ts';

/**
 * What domain set-up needs besides the customer's tenant. The Graph client for that tenant is
 * passed to each call: it comes from the partner's delegated access (another part of issue 12),
 * so this service is written against a plain Graph client and the commands and the job only say
 * which one.
 */
export interface DomainSetupDeps {
  readonly db: Db;
  readonly clock: Clock;
  /** Undefined when no DNS provider is configured: no zone is hosted, records are shown instead. */
  readonly dns: DnsProvider | undefined;
  readonly resolver: DomainResolver;
}

export interface DomainSetupOutcome {
  readonly domain: string;
  readonly state: CspCustomerDomain['state'];
  /** The zone Lanyard's provider hosts the domain in; null when it hosts none. */
  readonly hostedZone: string | null;
  /** Records written to the hosted zone by this call (empty when all were there already). */
  readonly written: readonly DnsRecordSet[];
  /** Records for a person to add (the zone is not hosted), as typed into a DNS panel. */
  readonly toAdd: readonly DnsPanelEntry[];
  /** Records the hosted zone already had in a way that cannot be merged. */
  readonly conflicts: readonly DnsConflict[];
  /** The resolver's view of the required records, when a check ran (after a failed verification). */
  readonly checks: readonly RecordCheck[];
  /** Why records are listed although the provider hosts the zone (nobody owns it yet: hosted-zone-access.ts). */
  readonly note?: string;
  readonly error?: { readonly code: string; readonly message: string };
}

const verificationFailedGraphStatus = 400;

/**
 * `csp domain add`: adds `domainName` to the customer's tenant (Graph `POST /domains`; a domain
 * the tenant already has is taken as added), records it, and runs set-up at once. Refuses a bad
 * name (DOMAIN_NAME_INVALID), a domain Lanyard already has for another customer
 * (CSP_DOMAIN_EXISTS) and a domain in a hosted zone another customer owns
 * (CSP_DNS_ZONE_OWNED_ELSEWHERE) before anything is written.
 */
export async function addCustomerDomain(deps: DomainSetupDeps, graph: Client, customer: CspCustomer, domainName: string, writer: DnsWriter): Promise<DomainSetupOutcome> {
  const domain = domainName.trim().toLowerCase().replace(/\.$/, '');
  if (!isDomainName(domain) || domain.endsWith('.onmicrosoft.com')) {
    throw new LanyardError('DOMAIN_NAME_INVALID', `${domainName} is not a domain name Microsoft 365 accepts (lower-case labels, a real top-level domain, not *.onmicrosoft.com)`, { domain: domainName });
  }
  const known = await findCustomerDomain(deps.db, domain);
  if (known && known.customerId !== customer.id) throw domainTaken(domain);
  await hostedZoneAccess(deps, customer.id, domain, writer, { claim: false });
  // Already in the tenant (added before, by Lanyard or by hand): that is what was asked. Else add it,
  // also when Lanyard knew it but someone removed it from the tenant since.
  const inTenant = await graph.api(`/domains/${encodeURIComponent(domain)}`).get().then(() => true, () => false);
  if (!inTenant) await graph.api('/domains').post({ id: domain }).catch(graphFailure(graph, `adding ${domain} to the customer's tenant`));
  const row = known ?? (await insertCustomerDomain(deps.db, { customerId: customer.id, domain }, deps.clock.now())) ?? (await findCustomerDomain(deps.db, domain));
  if (!row || row.customerId !== customer.id) throw domainTaken(domain);
  await recordAuditEvent(deps.db, { actor: writer.actor, action: 'csp.domain.add', target: domain, outcome: 'success', details: { customerId: customer.id, tenantId: customer.tenantId } }, deps.clock.now());
  return setUpDomain(deps, graph, row, writer);
}

function domainTaken(domain: string): LanyardError {
  return new LanyardError('CSP_DOMAIN_EXISTS', `${domain} is already a domain of another customer in Lanyard`, { domain });
}

/**
 * "Verify and set up" for one domain, idempotent (the job and `csp domain verify` run it again and
 * again): when Microsoft has not verified it yet, the TXT record goes into the hosted zone (if
 * hosted) and Graph is asked to verify; once verified, the service records go into the hosted zone,
 * or are listed for a person to add. A failure is recorded on the row (one more attempt, backed
 * off, with what went wrong) and returned, not thrown, so one domain never stops a batch.
 * Records go into the hosted zone only as hostedZoneAccess allows `writer` for the row's customer.
 */
export async function setUpDomain(deps: DomainSetupDeps, graph: Client, row: CspCustomerDomain, writer: DnsWriter): Promise<DomainSetupOutcome> {
  let hostedZone: string | null = null;
  let note: string | undefined;
  const written: DnsRecordSet[] = [];
  let checks: RecordCheck[] = [];
  try {
    const domain = await graph.api(`/domains/${encodeURIComponent(row.domain)}`).get().catch(graphFailure(graph, `reading ${row.domain} in the customer's tenant`)) as { isVerified?: boolean };
    const access = await hostedZoneAccess(deps, row.customerId, row.domain, writer, { claim: true });
    hostedZone = access.kind === 'writable' ? access.zone : null;
    note = access.kind === 'unclaimed' ? access.note : undefined;
    const panelZone = async () => (access.kind === 'unclaimed' ? access.zone : (hostedZone ?? (await zoneApexOf(deps.resolver, row.domain))));
    if (!domain.isVerified) {
      const verification = await verificationRecord(graph, row.domain);
      if (hostedZone && deps.dns) written.push(...(await deps.dns.ensureRecords(hostedZone, toRecordSets([verification]))).written);
      const refusal = await graph
        .api(`/domains/${encodeURIComponent(row.domain)}/verify`)
        .post({})
        .then(() => undefined)
        .catch(graphFailure(graph, `verifying ${row.domain}`))
        .catch((error: unknown) => {
          if (isLanyardError(error) && error.code === 'GRAPH_REQUEST_FAILED' && error.details?.graphStatus === verificationFailedGraphStatus) return error;
          throw error;
        });
      if (refusal) {
        checks = await checkRecords(deps.resolver, [verification]);
        const zone = await panelZone();
        const failure = new LanyardError('CSP_DOMAIN_VERIFICATION_FAILED', `Microsoft could not verify ${row.domain}: ${checks[0]!.explanation}. ${refusal.message}${note ? ` ${note}` : ''}`, {
          domain: row.domain,
          record: panelEntry(verification, zone),
          resolverSaw: checks[0]!.seen,
          ...(checks[0]!.lookupError ? { lookupError: checks[0]!.lookupError } : {}),
        });
        return await failed(deps, row, failure, { hostedZone, written, toAdd: hostedZone ? [] : [panelEntry(verification, zone)], conflicts: [], checks, ...(note ? { note } : {}) });
      }
    }
    const services = await serviceRecords(graph, row.domain);
    let toAdd: DnsPanelEntry[] = [];
    let conflicts: readonly DnsConflict[] = [];
    if (hostedZone && deps.dns) {
      const result = await deps.dns.ensureRecords(hostedZone, toRecordSets(services));
      written.push(...result.written);
      conflicts = result.conflicts;
    } else {
      const zone = await panelZone();
      toAdd = services.map((record) => panelEntry(record, zone));
    }
    if (conflicts.length > 0) {
      const failure = new LanyardError('DNS_RECORD_CONFLICT', `${row.domain} is verified, but its zone has records Lanyard will not overwrite: ${conflicts.map((conflict) => conflict.reason).join('; ')}`, { domain: row.domain, conflicts });
      return await failed(deps, row, failure, { hostedZone, written, toAdd, conflicts, checks });
    }
    await markDomainVerified(deps.db, row.id, hostedZone, deps.clock.now());
    return { domain: row.domain, state: 'verified', hostedZone, written, toAdd, conflicts, checks, ...(note ? { note } : {}) };
  } catch (error) {
    return failed(deps, row, error, { hostedZone, written, toAdd: [], conflicts: [], checks, ...(note ? { note } : {}) });
  }
}

async function failed(
  deps: DomainSetupDeps,
  row: CspCustomerDomain,
  error: unknown,
  outcome: Omit<DomainSetupOutcome, 'domain' | 'state' | 'error'>,
): Promise<DomainSetupOutcome> {
  const code = isLanyardError(error) ? error.code : 'INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  // The domain is gone from the tenant (removed by hand): retrying cannot bring it back.
  const final = isLanyardError(error) && error.code === 'GRAPH_REQUEST_FAILED' && error.details?.graphStatus === 404;
  if (row.state !== 'verified') await recordDomainFailure(deps.db, row, { code, message, zone: outcome.hostedZone, final }, deps.clock.now());
  return { domain: row.domain, state: row.state === 'verified' ? 'verified' : final ? 'failed' : 'unverified', ...outcome, error: { code, message } };
}

async function verificationRecord(graph: Client, domain: string): Promise<RequiredRecord> {
  const answer = (await graph.api(`/domains/${encodeURIComponent(domain)}/verificationDnsRecords`).get().catch(graphFailure(graph, `reading the verification record of ${domain}`))) as { value?: Record<string, unknown>[] };
  const txt = requiredRecordsFromGraph(answer.value ?? [], 'verification').find((record) => record.type === 'TXT' && /^MS=/i.test(record.value));
  if (!txt) throw new LanyardError('GRAPH_REQUEST_FAILED', `Graph gave no MS= TXT verification record for ${domain}`, { domain });
  return txt;
}

async function serviceRecords(graph: Client, domain: string): Promise<RequiredRecord[]> {
  const answer = (await graph.api(`/domains/${encodeURIComponent(domain)}/serviceConfigurationRecords`).get().catch(graphFailure(graph, `reading the service records of ${domain}`))) as { value?: Record<string, unknown>[] };
  return requiredRecordsFromGraph(answer.value ?? []);
}

export interface DomainRecordsView {
  readonly domain: string;
  /** Graph's view: verified or not. */
  readonly verified: boolean;
  readonly hostedZone: string | null;
  /** The records that matter now: the TXT to verify, or the service records once verified. */
  readonly records: readonly DnsPanelEntry[];
  /** Each record as the resolver sees it now. */
  readonly checks: readonly RecordCheck[];
  /** With `setup`: what was written to the hosted zone, and what could not be. */
  readonly written: readonly DnsRecordSet[];
  readonly conflicts: readonly DnsConflict[];
  /** Why nothing is written although the provider hosts the zone (see DomainSetupOutcome.note). */
  readonly note?: string;
}

/**
 * `csp domain records [--setup]`: the records Microsoft wants for the domain now, each checked
 * through the resolver, formatted for a DNS panel; with `setup`, written to the hosted zone first
 * (idempotent) as hostedZoneAccess allows `writer`. Changes no state of the domain row:
 * verification is `setUpDomain`'s.
 */
export async function domainRecords(deps: DomainSetupDeps, graph: Client, row: CspCustomerDomain, writer: DnsWriter, options: { setup?: boolean } = {}): Promise<DomainRecordsView> {
  const domain = (await graph.api(`/domains/${encodeURIComponent(row.domain)}`).get().catch(graphFailure(graph, `reading ${row.domain} in the customer's tenant`))) as { isVerified?: boolean };
  const verified = domain.isVerified === true;
  const records = verified ? await serviceRecords(graph, row.domain) : [await verificationRecord(graph, row.domain)];
  const access = await recordsZoneAccess(deps, row, writer, options.setup === true);
  const hostedZone = access.kind === 'writable' ? access.zone : null;
  let written: readonly DnsRecordSet[] = [];
  let conflicts: readonly DnsConflict[] = [];
  if (options.setup && hostedZone && deps.dns) {
    ({ written, conflicts } = await deps.dns.ensureRecords(hostedZone, toRecordSets(records)));
  }
  const zone = access.kind === 'not-hosted' ? await zoneApexOf(deps.resolver, row.domain) : access.zone;
  const note = access.kind === 'unclaimed' ? access.note : undefined;
  return { domain: row.domain, verified, hostedZone, records: records.map((record) => panelEntry(record, zone)), checks: await checkRecords(deps.resolver, records), written, conflicts, ...(note ? { note } : {}) };
}

/**
 * Setting up is refused in another customer's zone; only looking is not: the records are shown
 * for a person, with the refusal as the note, and nothing is written.
 */
async function recordsZoneAccess(deps: DomainSetupDeps, row: CspCustomerDomain, writer: DnsWriter, setup: boolean): Promise<HostedZoneAccess> {
  if (setup) return hostedZoneAccess(deps, row.customerId, row.domain, writer, { claim: true });
  return hostedZoneAccess(deps, row.customerId, row.domain, writer, { claim: false }).catch((error: unknown) => {
    if (isLanyardError(error) && error.code === 'CSP_DNS_ZONE_OWNED_ELSEWHERE' && typeof error.details?.zone === 'string') return { kind: 'unclaimed', zone: error.details.zone, note: error.message } as const;
    throw error;
  });
}
