import { recordAuditEvent } from '../../core/db/audit-events.ts';
import type { Db } from '../../core/db/database.ts';
import { findOrganizationById } from '../../core/db/organizations.ts';
import { LanyardError } from '../../core/errors.ts';
import { requireOrganization } from '../../idp/accounts/organizations.ts';
import { findCustomerById, findCustomerByOrganization, linkCustomerOrganization, listCustomerLicences, listCustomers, unlinkCustomerOrganization } from '../data/customers.ts';
import { findPartnerById } from '../data/partners.ts';
import type { CspCustomer } from '../data/tables.ts';
import { requirePartner } from '../partners/partner-admin.ts';
import { customerView, type CustomerView } from './customer-view.ts';
import { requireCustomer } from './require-customer.ts';

async function viewOf(db: Db, customer: CspCustomer, withLicences: boolean): Promise<CustomerView> {
  const partner = await findPartnerById(db, customer.partnerId);
  const organization = customer.organizationId ? await findOrganizationById(db, customer.organizationId) : undefined;
  return customerView(customer, partner?.slug ?? customer.partnerId, organization?.slug ?? null, withLicences ? await listCustomerLicences(db, customer.id) : undefined);
}

/**
 * The partner's customers, by domain.
 *
 * @example
 *   const views = await listCustomerViews(db, 'contoso-csp');
 */
export async function listCustomerViews(db: Db, partnerSlug: string): Promise<CustomerView[]> {
  const partner = await requirePartner(db, partnerSlug);
  return Promise.all((await listCustomers(db, partner.id)).map((customer) => viewOf(db, customer, false)));
}

/**
 * One customer with its licence snapshot from the last import.
 *
 * @example
 *   const view = await showCustomer(db, 'fabrikam.onmicrosoft.com');
 */
export async function showCustomer(db: Db, ref: string): Promise<CustomerView> {
  return viewOf(db, await requireCustomer(db, ref), true);
}

/**
 * Links a customer to a Lanyard organization: that organization's tenant is then reached through
 * the partner's delegated access (no app registration in the customer's tenant). One customer per
 * organization, one organization per customer; linking again to the same one changes nothing.
 *
 * @example
 *   await linkCustomer(db, 'fabrikam.onmicrosoft.com', 'fabrikam', 'cli');
 */
export async function linkCustomer(db: Db, ref: string, organizationSlug: string, actor: string, now: Date = new Date()): Promise<CustomerView> {
  const customer = await requireCustomer(db, ref);
  const organization = await requireOrganization(db, organizationSlug);
  const outcome = await linkCustomerOrganization(db, customer.id, organization.id, now);
  if (outcome === 'taken') {
    const other = await findCustomerByOrganization(db, organization.id);
    throw new LanyardError('CSP_ORGANIZATION_LINKED', `organization ${organization.slug} is already linked to customer ${other?.domain ?? 'another customer'}; unlink it first`, { organization: organization.slug });
  }
  if (outcome === 'moved') {
    const current = (await findCustomerById(db, customer.id))!;
    const linkedTo = current.organizationId ? await findOrganizationById(db, current.organizationId) : undefined;
    throw new LanyardError('CSP_CUSTOMER_LINKED', `customer ${customer.domain} is linked to organization ${linkedTo?.slug ?? '?'}; run \`lanyard csp customer unlink ${customer.domain}\` first`, { customer: customer.domain });
  }
  await recordAuditEvent(db, { actor, action: 'csp.customer.link', target: customer.domain, outcome: 'success', details: { organization: organization.slug } }, now);
  return viewOf(db, (await findCustomerById(db, customer.id))!, false);
}

/**
 * Ends the link; the organization needs its own `tenant connect` afterwards. Not linked: nothing to do.
 *
 * @example
 *   const { unlinked } = await unlinkCustomer(db, 'fabrikam.onmicrosoft.com', 'cli');
 */
export async function unlinkCustomer(db: Db, ref: string, actor: string, now: Date = new Date()): Promise<{ customer: CustomerView; unlinked: string | null }> {
  const customer = await requireCustomer(db, ref);
  if (!customer.organizationId) return { customer: await viewOf(db, customer, false), unlinked: null };
  const organization = await findOrganizationById(db, customer.organizationId);
  const done = await unlinkCustomerOrganization(db, customer.id, customer.organizationId, now);
  if (done) await recordAuditEvent(db, { actor, action: 'csp.customer.unlink', target: customer.domain, outcome: 'success', details: { organization: organization?.slug ?? customer.organizationId } }, now);
  return { customer: await viewOf(db, (await findCustomerById(db, customer.id))!, false), unlinked: done ? (organization?.slug ?? customer.organizationId) : null };
}
