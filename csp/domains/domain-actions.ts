import type { Clock } from '../../core/clock.ts';
import type { AppContext } from '../../core/context.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { LanyardError } from '../../core/errors.ts';
import type { DelegatedTenantAccess } from '../../core/services.ts';
import { findCustomerDomain } from '../data/customer-domains.ts';
import type { CspCustomer, CspCustomerDomain } from '../data/tables.ts';
import { domainSetupDeps, openCustomerGraph } from './customer-graph.ts';
import { hostedZoneAccess, type DnsWriter } from './hosted-zone-access.ts';
import { addCustomerDomain, domainRecords, setUpDomain, type DomainRecordsView, type DomainSetupOutcome } from './domain-setup.ts';

/**
 * The domain actions as `csp domain add | verify | records` and the portal's Domains page both take
 * them: the customer's tenant reached as openCustomerGraph decides, the DNS provider and resolver
 * from the configuration, each change audited under the actor who asked. `writer` says who asks and
 * whether it may claim a hosted zone nobody owns (hosted-zone-access.ts: the portal asks the policy
 * for `csp.dns.claim-zone`, the CLI is the operator).
 */
export type DomainActionContext = AppContext & { readonly delegatedAccess: DelegatedTenantAccess | undefined };

/** A domain Lanyard has for this customer; another customer's domain is not found either. */
export async function requireDomainOfCustomer(context: Pick<AppContext, 'db'>, customer: CspCustomer, name: string): Promise<CspCustomerDomain> {
  const row = await findCustomerDomain(context.db, name);
  if (!row || row.customerId !== customer.id) {
    throw new LanyardError('CSP_DOMAIN_NOT_FOUND', `${name.trim().toLowerCase()} is not a domain of customer ${customer.domain} in Lanyard; add it with \`lanyard csp domain add ${customer.domain} ${name.trim().toLowerCase()}\``, { domain: name.trim().toLowerCase() });
  }
  return row;
}

/** `csp domain add`: into the tenant, then written / verified / set up, or the records to add by hand. */
export async function addDomainForCustomer(context: DomainActionContext, clock: Clock, customer: CspCustomer, domain: string, writer: DnsWriter): Promise<DomainSetupOutcome> {
  const graph = await openCustomerGraph(context, customer, context.delegatedAccess);
  return addCustomerDomain(domainSetupDeps(context, clock), graph, customer, domain, writer);
}

/** "Verify now" (`csp domain verify`): one attempt, recorded on the row and audited; a failure is the outcome's `error`. */
export async function verifyDomainForCustomer(context: DomainActionContext, clock: Clock, customer: CspCustomer, row: CspCustomerDomain, writer: DnsWriter): Promise<DomainSetupOutcome> {
  const deps = domainSetupDeps(context, clock);
  // Refused outright (409, nothing written) rather than only recorded on the row as the job does.
  await hostedZoneAccess(deps, row.customerId, row.domain, writer, { claim: false });
  const outcome = await setUpDomain(deps, await openCustomerGraph(context, customer, context.delegatedAccess), row, writer);
  await recordAuditEvent(context.db, { actor: writer.actor, action: 'csp.domain.verify', target: row.domain, outcome: outcome.error ? 'failure' : 'success', ...(outcome.error ? { reason: outcome.error.code } : {}) }, clock.now());
  return outcome;
}

/** "Show / set up DNS records" (`csp domain records [--setup]`); the set-up is audited. */
export async function recordsForCustomerDomain(context: DomainActionContext, clock: Clock, customer: CspCustomer, row: CspCustomerDomain, options: { setup: boolean }, writer: DnsWriter): Promise<DomainRecordsView> {
  const view = await domainRecords(domainSetupDeps(context, clock), await openCustomerGraph(context, customer, context.delegatedAccess), row, writer, options);
  if (options.setup) await recordAuditEvent(context.db, { actor: writer.actor, action: 'csp.domain.records.setup', target: row.domain, outcome: 'success', details: { written: view.written.length, conflicts: view.conflicts.length } }, clock.now());
  return view;
}
