import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { recordRelationship } from '../data/customer-access.ts';
import { listCustomers } from '../data/customers.ts';
import { clearSyncErrors, recordSyncError } from '../data/sync-errors.ts';
import { readSyncSettings } from '../data/sync-settings.ts';
import type { RelationshipKind } from '../data/sync-tables.ts';
import type { CustomerDeps } from '../customers/customer-deps.ts';
import { importCustomers } from '../customers/import-customers.ts';
import { openPartnerGraph } from '../graph/open-customer-graph.ts';
import { requirePartner } from '../partners/partner-admin.ts';
import { readGdapRelationships, type GdapRelationship } from './gdap-relationships.ts';
import { syncCustomer, type CustomerSyncReport } from './sync-customer.ts';
import { describeSyncFailure } from './sync-failure.ts';

export interface SyncReport {
  readonly partner: string;
  readonly customersImported: boolean;
  readonly relationshipsRead: boolean;
  readonly customers: readonly (CustomerSyncReport & { relationship: RelationshipKind | null })[];
  readonly counts: { readonly customers: number; readonly failed: number; readonly users: number; readonly billable: number; readonly dap: number; readonly gdap: number };
}

/**
 * The recurring import of one partner, as PSA tools run it: the customers (Partner Center, as
 * `csp customer import`), the partner's GDAP relationships (Graph in the partner tenant; a customer
 * without one is DAP), then per customer its licences and users (Graph in the customer tenant).
 * Every failing step goes to the error table (`csp sync errors`) and the sync goes on: a customer
 * list that cannot be read leaves the customers Lanyard has; one customer's failure never stops the
 * others. `signal` stops between customers (the job runner's lease ending).
 *
 * @example
 *   const report = await syncPartner(deps, 'contoso-csp', 'job:csp.sync');
 */
export async function syncPartner(deps: CustomerDeps, partnerSlug: string, actor: string, signal?: AbortSignal): Promise<SyncReport> {
  const partner = await requirePartner(deps.db, partnerSlug);
  const settings = await readSyncSettings(deps.db, partner.id);
  const partnerStep = async (step: 'customers' | 'relationships', run: () => Promise<unknown>): Promise<boolean> => {
    try {
      await run();
      await clearSyncErrors(deps.db, partner.id, undefined, step);
      return true;
    } catch (error) {
      await recordSyncError(deps.db, { partnerId: partner.id, step, ...describeSyncFailure(error) }, deps.clock.now());
      return false;
    }
  };

  const customersImported = await partnerStep('customers', () => importCustomers(deps, partner.slug, { dryRun: false }, actor));
  let relationships: Map<string, GdapRelationship> | undefined;
  const relationshipsRead = await partnerStep('relationships', async () => {
    relationships = await readGdapRelationships(openPartnerGraph(deps, partner));
  });

  const customers: (CustomerSyncReport & { relationship: RelationshipKind | null })[] = [];
  for (const customer of await listCustomers(deps.db, partner.id)) {
    if (signal?.aborted) break;
    let relationship: RelationshipKind | null = null;
    if (relationships) {
      const gdap = relationships.get(customer.tenantId);
      relationship = gdap ? 'gdap' : 'dap';
      await recordRelationship(
        deps.db,
        customer.id,
        { relationship, gdapRelationshipId: gdap?.id ?? null, gdapStatus: gdap?.status ?? null, gdapRoleIds: gdap?.roleIds ?? [], gdapEndsAt: gdap?.endDateTime ?? null },
        deps.clock.now(),
      );
    }
    customers.push({ ...(await syncCustomer(deps, partner, customer, settings)), relationship });
  }

  const counts = {
    customers: customers.length,
    failed: customers.filter((customer) => !customer.ok).length,
    users: customers.reduce((sum, customer) => sum + (customer.users?.total ?? 0), 0),
    billable: customers.reduce((sum, customer) => sum + (customer.users?.billable ?? 0), 0),
    dap: customers.filter((customer) => customer.relationship === 'dap').length,
    gdap: customers.filter((customer) => customer.relationship === 'gdap').length,
  };
  await recordAuditEvent(deps.db, { actor, action: 'csp.sync', target: partner.slug, outcome: counts.failed === 0 && customersImported && relationshipsRead ? 'success' : 'failure', details: counts }, deps.clock.now());
  return { partner: partner.slug, customersImported, relationshipsRead, customers, counts };
}
