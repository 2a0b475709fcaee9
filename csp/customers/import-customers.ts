import { recordAuditEvent } from '../../core/db/audit-events.ts';
import {
  findCustomerByDomain, findCustomerByTenant, insertCustomer, replaceCustomerLicences, updateCustomer, type CustomerChanges, type NewCustomerLicence,
} from '../data/customers.ts';
import type { CspCustomer, CspPartner } from '../data/tables.ts';
import { openPartnerCenter } from '../partner-center/open-partner-center.ts';
import type { PartnerCenterClient } from '../partner-center/partner-center-client.ts';
import { requirePartner } from '../partners/partner-admin.ts';
import { catalogReader, importSubscriptions, type ImportedSubscription } from '../subscriptions/import-subscriptions.ts';
import type { PartnerCenterSubscription } from '../subscriptions/partner-center-subscription.ts';
import type { CustomerDeps } from './customer-deps.ts';

/** The fields of Partner Center's Customer resource Lanyard reads. */
interface PartnerCenterCustomer {
  id: string;
  associatedPartnerId?: string;
  companyProfile?: { tenantId?: string; domain?: string; companyName?: string };
  billingProfile?: { email?: string; companyName?: string; defaultAddress?: { country?: string } } & Record<string, unknown>;
}

interface SubscribedSku {
  productSku?: { id?: string; skuPartNumber?: string; name?: string };
  totalUnits?: number;
  consumedUnits?: number;
}

export type ImportOutcome = 'created' | 'updated' | 'unchanged';

export interface ImportedCustomer {
  readonly tenantId: string;
  readonly domain: string;
  readonly companyName: string;
  readonly outcome: ImportOutcome;
  /** The fields an update changed (or would change, in a dry run). */
  readonly changed: readonly string[];
  readonly resellerId: string | null;
  /** How many subscriptions Partner Center has for the customer. */
  readonly subscriptions: number;
  /** Each of them, as recorded in `csp_subscriptions` (created, updated, unchanged, conflict, locked). */
  readonly subscriptionRows: readonly ImportedSubscription[];
  readonly licences: readonly NewCustomerLicence[];
}

export interface ImportReport {
  readonly partner: string;
  readonly dryRun: boolean;
  readonly counts: Readonly<Record<ImportOutcome, number>>;
  readonly subscriptions: number;
  /** What the import did with the subscriptions, over all customers. */
  readonly subscriptionCounts: Readonly<Record<ImportedSubscription['outcome'], number>>;
  readonly customers: readonly ImportedCustomer[];
}

/**
 * Imports the partner's customers from Partner Center (every page of `GET /v1/customers`): a
 * customer Lanyard has is found by tenant id, then by its initial domain, and updated; one it does
 * not have is added. Each customer's licence snapshot (`/subscribedskus`) is replaced; its
 * subscriptions (`/subscriptions`) are recorded in `csp_subscriptions` (importSubscriptions). Run twice, the second run changes nothing. Two runs
 * at once make no duplicate: the unique indexes refuse the second insert, which then updates.
 * A failure part-way (Partner Center 5xx after its retries) leaves the customers already done
 * recorded; running again finishes the job.
 *
 * `dryRun` reads everything and writes nothing.
 *
 * @example
 *   const report = await importCustomers(deps, 'contoso-csp', { dryRun: false }, 'cli');
 *   report.counts; // { created: 3, updated: 0, unchanged: 12 }
 */
export async function importCustomers(deps: CustomerDeps, partnerSlug: string, options: { dryRun: boolean }, actor: string): Promise<ImportReport> {
  const partner = await requirePartner(deps.db, partnerSlug);
  const client = openPartnerCenter(deps, partner, actor);
  const listed = await client.all<PartnerCenterCustomer>('/v1/customers', { size: '500' });
  const catalog = catalogReader(client);
  const counts: Record<ImportOutcome, number> = { created: 0, updated: 0, unchanged: 0 };
  const customers: ImportedCustomer[] = [];
  let subscriptions = 0;
  const subscriptionCounts: Record<ImportedSubscription['outcome'], number> = { created: 0, updated: 0, unchanged: 0, conflict: 0, locked: 0 };
  for (const summary of listed) {
    const imported = await importOne(deps, client, partner, summary, options.dryRun, catalog);
    counts[imported.outcome] += 1;
    subscriptions += imported.subscriptions;
    for (const row of imported.subscriptionRows) subscriptionCounts[row.outcome] += 1;
    customers.push(imported);
  }
  if (!options.dryRun) {
    await recordAuditEvent(deps.db, { actor, action: 'csp.customer.import', target: partner.slug, outcome: 'success', details: { ...counts, subscriptions, subscriptionCounts } }, deps.clock.now());
  }
  return { partner: partner.slug, dryRun: options.dryRun, counts, subscriptions, subscriptionCounts, customers };
}

async function importOne(deps: CustomerDeps, client: PartnerCenterClient, partner: CspPartner, summary: PartnerCenterCustomer, dryRun: boolean, catalog: ReturnType<typeof catalogReader>): Promise<ImportedCustomer> {
  const path = `/v1/customers/${encodeURIComponent(summary.id)}`;
  const { body: detail } = await client.call<PartnerCenterCustomer>('GET', path);
  const pcSubscriptions = await client.all<PartnerCenterSubscription>(`${path}/subscriptions`);
  const subscriptionCount = pcSubscriptions.length;
  const skus = await client.all<SubscribedSku>(`${path}/subscribedskus`);
  const licences: NewCustomerLicence[] = skus
    .filter((sku) => typeof sku.productSku?.id === 'string')
    .map((sku) => ({ skuId: sku.productSku!.id!.toLowerCase(), skuPartNumber: sku.productSku!.skuPartNumber ?? sku.productSku!.name ?? '', total: sku.totalUnits ?? 0, consumed: sku.consumedUnits ?? 0 }));

  const tenantId = (detail.companyProfile?.tenantId ?? detail.id).toLowerCase();
  const domain = (detail.companyProfile?.domain ?? summary.companyProfile?.domain ?? '').toLowerCase();
  const seen = {
    tenantId,
    domain,
    companyName: detail.companyProfile?.companyName ?? detail.billingProfile?.companyName ?? domain,
    country: detail.billingProfile?.defaultAddress?.country?.toUpperCase() ?? null,
    email: detail.billingProfile?.email ?? null,
    billingProfile: JSON.stringify(detail.billingProfile ?? {}),
    resellerId: (detail.associatedPartnerId ?? summary.associatedPartnerId)?.toLowerCase() ?? null,
  };
  const base = { tenantId, domain, companyName: seen.companyName, resellerId: seen.resellerId, subscriptions: subscriptionCount, licences, subscriptionRows: [] as ImportedSubscription[] };
  const withSubscriptions = async (customer: CspCustomer | undefined) => ({
    ...base,
    subscriptionRows: customer ? await importSubscriptions(deps.db, partner, customer, pcSubscriptions, { dryRun, catalog, now: deps.clock.now() }) : pcSubscriptions.map((resource) => ({ partnerCenterId: resource.id.toLowerCase(), offerId: resource.offerId, quantity: resource.quantity, status: resource.status, outcome: 'created' as const, changed: [] })),
  });

  let existing = await matchCustomer(deps, partner, tenantId, domain);
  if (!existing) {
    if (dryRun) return { ...(await withSubscriptions(undefined)), outcome: 'created', changed: [] };
    const inserted = await insertCustomer(deps.db, { ...seen, partnerId: partner.id, organizationId: null, source: 'imported' }, deps.clock.now());
    if (inserted) {
      await replaceCustomerLicences(deps.db, inserted.id, licences, deps.clock.now());
      return { ...(await withSubscriptions(inserted)), outcome: 'created', changed: [] };
    }
    // Another import (or a create) recorded it between our read and our insert: update that row instead.
    existing = await matchCustomer(deps, partner, tenantId, domain);
    if (!existing) throw new Error(`customer ${domain} was refused by a unique index but cannot be found`);
  }
  const changes = changesBetween(existing, seen);
  const changed = Object.keys(changes);
  if (!dryRun) {
    if (changed.length > 0) await updateCustomer(deps.db, existing.id, changes, deps.clock.now());
    await replaceCustomerLicences(deps.db, existing.id, licences, deps.clock.now());
  }
  return { ...(await withSubscriptions(existing)), outcome: changed.length > 0 ? 'updated' : 'unchanged', changed };
}

/** The customer row Partner Center's customer is: by tenant id first, then by its initial domain. */
async function matchCustomer(deps: CustomerDeps, partner: CspPartner, tenantId: string, domain: string): Promise<CspCustomer | undefined> {
  return (await findCustomerByTenant(deps.db, partner.id, tenantId)) ?? (domain ? await findCustomerByDomain(deps.db, domain) : undefined);
}

function changesBetween(existing: CspCustomer, seen: Required<CustomerChanges>): CustomerChanges {
  const changes: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(seen) as [keyof CustomerChanges, string | null][]) {
    // Partner Center often omits what Lanyard was told at create (country, e-mail): keep it.
    if (value === null && (field === 'country' || field === 'email')) continue;
    if (field === 'billingProfile' && value === '{}') continue;
    if (existing[field] !== value) changes[field] = value;
  }
  return changes as CustomerChanges;
}
