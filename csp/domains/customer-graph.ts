import type { Client } from '@microsoft/microsoft-graph-client';
import type { AppContext } from '../../core/context.ts';
import { LanyardError } from '../../core/errors.ts';
import type { DelegatedTenantAccess } from '../../core/services.ts';
import { openTenantGraph } from '../../provisioning/tenant/graph-client.ts';
import type { CspCustomer } from '../data/tables.ts';
import { openDnsProvider } from '../dns/open-dns-provider.ts';
import type { DomainSetupDeps } from './domain-setup.ts';
import { createDomainResolver } from './record-check.ts';
import type { Clock } from '../../core/clock.ts';

/**
 * A Graph client in the customer's tenant, through the Lanyard organization the customer is linked
 * to (`lanyard csp customer link`): that organization's own tenant connection when it has one, else
 * the partner's delegated access (`delegatedAccess`, provided by this module), as openTenantGraph
 * decides. A customer linked to no organization is CSP_CUSTOMER_NOT_LINKED.
 */
export async function openCustomerGraph(
  context: Pick<AppContext, 'db' | 'masterKey' | 'config'>,
  customer: CspCustomer,
  delegatedAccess: DelegatedTenantAccess | undefined,
): Promise<Client> {
  if (!customer.organizationId) {
    throw new LanyardError('CSP_CUSTOMER_NOT_LINKED', `customer ${customer.domain} is linked to no Lanyard organization, so Lanyard has no access to its tenant; link it with \`lanyard csp customer link ${customer.domain} --org <slug>\``, { customer: customer.domain });
  }
  return (await openTenantGraph({ db: context.db, masterKey: context.masterKey, config: context.config, delegatedAccess }, customer.organizationId)).client;
}

/** Domain set-up's dependencies from the configuration: the DNS provider (if any) and the resolver. */
export function domainSetupDeps(context: Pick<AppContext, 'db' | 'config'>, clock: Clock): DomainSetupDeps {
  return { db: context.db, clock, dns: openDnsProvider(context.config.csp), resolver: createDomainResolver(context.config.csp.dnsResolvers) };
}
