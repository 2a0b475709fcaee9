import type { AppContext } from '../../core/context.ts';
import type { DelegatedTenantAccess } from '../../core/services.ts';
import { findDomainByName, newDomainRow } from '../../core/db/domains.ts';
import { findOrganizationById } from '../../core/db/organizations.ts';
import type { Domain, Organization } from '../../core/db/schema.ts';
import { LanyardError } from '../../core/errors.ts';
import { addDomain } from '../../idp/accounts/domains.ts';
import { issuerUriFor } from '../../idp/accounts/issuer.ts';
import { federateDomain, type FederateReport } from '../../provisioning/federation/federate.ts';
import type { CspCustomer } from '../data/tables.ts';

type FederationContext = AppContext & { readonly delegatedAccess?: DelegatedTenantAccess | undefined };

/**
 * `--federate`: a verified customer domain goes straight on to federation with Lanyard, through the
 * same pre-flight and `federate` as `lanyard federate`. The domain joins the Lanyard organization
 * the customer is linked to (as `lanyard domain add` would) when it is not there yet; a domain of
 * another organization is refused (DOMAIN_OWNED_ELSEWHERE) before anything is written.
 */
export async function federateCustomerDomain(context: FederationContext, customer: CspCustomer, domain: string, actor: string): Promise<FederateReport> {
  const { organization, known } = await federationTarget(context, customer, domain);
  if (!known) await addDomain(context.db, context.config.publicUrl, { organization: organization.slug, name: domain }, actor);
  return federateDomain(context, { domain, dryRun: false }, actor);
}

/**
 * The pre-flight of federateCustomerDomain, writing nothing (the portal shows it before the admin
 * confirms): the checks and the Graph body, or FEDERATION_PREFLIGHT_FAILED with the checks. A domain
 * not in the organization yet is checked as the row adding it would make.
 */
export async function previewCustomerDomainFederation(context: FederationContext, customer: CspCustomer, domain: string, actor: string): Promise<FederateReport> {
  const { organization, known } = await federationTarget(context, customer, domain);
  const row = known ?? newDomainRow({ organizationId: organization.id, name: domain, issuerUri: issuerUriFor(context.config.publicUrl, domain) });
  return federateDomain(context, { domain: row, dryRun: true }, actor);
}

async function federationTarget(context: FederationContext, customer: CspCustomer, domain: string): Promise<{ organization: Organization; known: Domain | undefined }> {
  const organization = customer.organizationId ? await findOrganizationById(context.db, customer.organizationId) : undefined;
  if (!organization) {
    throw new LanyardError('CSP_CUSTOMER_NOT_LINKED', `customer ${customer.domain} is linked to no Lanyard organization, so ${domain} has no organization to federate to`, { customer: customer.domain });
  }
  const known = await findDomainByName(context.db, domain);
  if (known && known.organizationId !== organization.id) {
    throw new LanyardError('DOMAIN_OWNED_ELSEWHERE', `${domain} belongs to another Lanyard organization than ${organization.slug}, the one customer ${customer.domain} is linked to`, { domain });
  }
  return { organization, known };
}
