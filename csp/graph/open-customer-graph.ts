import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../core/db/database.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import { sharedDelegatedTenantAccess } from '../customers/delegated-tenant-access.ts';
import { partnerForCustomer } from '../customers/reseller-routing.ts';
import type { CspCustomer, CspPartner } from '../data/tables.ts';
import { CustomerGraph, graphScope } from './customer-graph.ts';

export interface CustomerGraphDeps {
  readonly db: Db;
  readonly secretBox: SecretBox;
  readonly clock: Clock;
}

/**
 * Graph in the customer's tenant through its partner's delegated access (the partner's refresh
 * token redeemed at the customer tenant's authority; one access token per tenant, cached).
 *
 * @example
 *   const graph = await openCustomerGraph(deps, customer);
 *   const { body } = await graph.call<{ value: unknown[] }>('GET', '/domains');
 */
export async function openCustomerGraph(deps: CustomerGraphDeps, customer: CspCustomer, partner?: CspPartner): Promise<CustomerGraph> {
  const actingPartner = partner ?? (await partnerForCustomer(deps.db, customer));
  const tenant = sharedDelegatedTenantAccess(deps).forCustomer(customer);
  return new CustomerGraph({ baseUrl: actingPartner.graphUrl, tenantId: customer.tenantId, token: () => tenant.accessToken(graphScope), clock: deps.clock });
}

/** Graph in the partner's own tenant (for its GDAP relationships). */
export function openPartnerGraph(deps: CustomerGraphDeps, partner: CspPartner): CustomerGraph {
  const tenant = sharedDelegatedTenantAccess(deps).forPartnerTenant(partner);
  return new CustomerGraph({ baseUrl: partner.graphUrl, tenantId: partner.partnerTenantId, token: () => tenant.accessToken(graphScope), clock: deps.clock });
}
