import type { AppContext } from '../../core/context.ts';
import type { DelegatedTenantAccess } from '../../core/services.ts';
import { findDomainByName } from '../../core/db/domains.ts';
import { findOrganizationById } from '../../core/db/organizations.ts';
import { LanyardError } from '../../core/errors.ts';
import { addDomain } from '../../idp/accounts/domains.ts';
import { federateDomain, type FederateReport } from '../../provisioning/federation/federate.ts';
import type { CspCustomer } from '../data/tables.ts';

/**
 * `--federate`: a verified customer domain goes straight on to federation with Lanyard, through the
 * same pre-flight and `federate` as `lanyard federate`. The domain joins the Lanyard organization
 * the customer is linked to (as `lanyard domain add` would) when it is not there yet; a domain of
 * another organization is refused (DOMAIN_OWNED_ELSEWHERE) before anything is written.
 */
export async function federateCustomerDomain(context: AppContext & { readonly delegatedAccess?: DelegatedTenantAccess | undefined }, customer: CspCustomer, domain: string, actor: string): Promise<FederateReport> {
  const organization = customer.organizationId ? await findOrganizationById(context.db, customer.organizationId) : undefined;
  if (!organization) {
    throw new LanyardError('CSP_CUSTOMER_NOT_LINKED', `customer ${customer.domain} is linked to no Lanyard organization, so ${domain} has no organization to federate to`, { customer: customer.domain });
  }
  const known = await findDomainByName(context.db, domain);
  if (!known) await addDomain(context.db, context.config.publicUrl, { organization: organization.slug, name: domain }, actor);
  else if (known.organizationId !== organization.id) {
    throw new LanyardError('DOMAIN_OWNED_ELSEWHERE', `${domain} belongs to another Lanyard organization than ${organization.slug}, the one customer ${customer.domain} is linked to`, { domain });
  }
  return federateDomain(context, { domain, dryRun: false }, actor);
}
