import type { CspCustomer, CspCustomerLicence } from '../data/tables.ts';

/** A customer as `csp customer show | list | create` print it (`--json`: these field names). */
export interface CustomerView {
  readonly id: string;
  readonly tenantId: string;
  readonly domain: string;
  readonly companyName: string;
  readonly partner: string;
  readonly country: string | null;
  readonly email: string | null;
  readonly resellerId: string | null;
  readonly organization: string | null;
  readonly source: 'created' | 'imported';
  readonly agreement: { readonly acceptedAt: string; readonly acceptedBy: string | null; readonly contact: Record<string, string> } | null;
  readonly licences?: readonly { readonly skuId: string; readonly skuPartNumber: string; readonly total: number; readonly consumed: number; readonly seenAt: string }[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * The printed form of a customer row (with its licences for `show`).
 *
 * @example
 *   const view = customerView(customer, 'contoso-csp', 'fabrikam');
 */
export function customerView(customer: CspCustomer, partnerSlug: string, organizationSlug: string | null, licences?: readonly CspCustomerLicence[]): CustomerView {
  return {
    id: customer.id,
    tenantId: customer.tenantId,
    domain: customer.domain,
    companyName: customer.companyName,
    partner: partnerSlug,
    country: customer.country,
    email: customer.email,
    resellerId: customer.resellerId,
    organization: organizationSlug,
    source: customer.source,
    agreement: customer.agreementAcceptedAt
      ? { acceptedAt: customer.agreementAcceptedAt, acceptedBy: customer.agreementAcceptedBy, contact: JSON.parse(customer.agreementContact ?? '{}') as Record<string, string> }
      : null,
    ...(licences ? { licences: licences.map(({ skuId, skuPartNumber, total, consumed, seenAt }) => ({ skuId, skuPartNumber, total, consumed, seenAt })) } : {}),
    createdAt: customer.createdAt,
    updatedAt: customer.updatedAt,
  };
}
