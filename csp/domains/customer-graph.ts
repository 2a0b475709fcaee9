import type { Client } from '@microsoft/microsoft-graph-client';
import type { AppContext } from '../../core/context.ts';
import { LanyardError } from '../../core/errors.ts';
import { openTenantGraph } from '../../provisioning/tenant/graph-client.ts';
import { findCustomerByRef } from '../data/customers.ts';
import type { CspCustomer } from '../data/tables.ts';
import { openDnsProvider } from '../dns/open-dns-provider.ts';
import type { DomainSetupDeps } from './domain-setup.ts';
import { createDomainResolver } from './record-check.ts';
import type { Clock } from '../../core/clock.ts';

/**
 * A Graph client in the customer's tenant, through the Lanyard organization the customer is linked
 * to: that organization's tenant access (`lanyard tenant connect`; with delegated access merged,
 * also the partner's delegated access, which openTenantGraph falls back to). A customer linked to
 * no organization is CSP_CUSTOMER_NOT_LINKED.
 */
export async function openCustomerGraph(context: Pick<AppContext, 'db' | 'masterKey' | 'config'>, customer: CspCustomer): Promise<Client> {
  if (!customer.organizationId) {
    throw new LanyardError('CSP_CUSTOMER_NOT_LINKED', `customer ${customer.domain} is linked to no Lanyard organization, so Lanyard has no access to its tenant yet`, { customer: customer.domain });
  }
  return (await openTenantGraph({ db: context.db, masterKey: context.masterKey, config: context.config }, customer.organizationId)).client;
}

/** The customer a command names (tenant id or `*.onmicrosoft.com`), or CSP_CUSTOMER_NOT_FOUND. */
export async function requireCustomerByRef(context: Pick<AppContext, 'db'>, ref: string): Promise<CspCustomer> {
  const customer = await findCustomerByRef(context.db, ref);
  if (!customer) throw new LanyardError('CSP_CUSTOMER_NOT_FOUND', `no CSP customer ${ref}; name it by tenant id or its .onmicrosoft.com domain`, { customer: ref });
  return customer;
}

/** Domain set-up's dependencies from the configuration: the DNS provider (if any) and the resolver. */
export function domainSetupDeps(context: Pick<AppContext, 'db' | 'config'>, clock: Clock): DomainSetupDeps {
  return { db: context.db, clock, dns: openDnsProvider(context.config.csp), resolver: createDomainResolver(context.config.csp.dnsResolvers) };
}
