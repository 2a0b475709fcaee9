import type { Db } from '../../core/db/database.ts';
import { findSubscriptionByPartnerCenterId, insertImportedSubscription, updateImportedSubscription, type ImportedFields } from '../data/imported-subscriptions.ts';
import type { CspCustomer, CspPartner, CspSubscription } from '../data/tables.ts';
import type { PartnerCenterClient } from '../partner-center/partner-center-client.ts';
import { listOffers, type Offer } from './offers.ts';
import { termStateOf, type PartnerCenterSubscription } from './partner-center-subscription.ts';

export type SubscriptionImportOutcome = 'created' | 'updated' | 'unchanged' | 'conflict' | 'locked';

export interface ImportedSubscription {
  readonly partnerCenterId: string;
  readonly offerId: string;
  readonly quantity: number;
  readonly status: string;
  readonly outcome: SubscriptionImportOutcome;
  /** Lanyard's id of the row (absent for a conflict, where nothing was written). */
  readonly id?: string;
  /** The fields an update changed (or would change, in a dry run). */
  readonly changed: readonly string[];
  /** Why a `conflict` or `locked` subscription was left alone. */
  readonly reason?: string;
}

/**
 * The partner's catalog, read once per country in one import (listOffers walks products, SKUs and
 * availabilities: too many calls to repeat for every customer).
 */
export function catalogReader(pc: PartnerCenterClient): (country: string) => Promise<readonly Offer[]> {
  const cache = new Map<string, Promise<Offer[]>>();
  return (country) => {
    let offers = cache.get(country);
    if (!offers) {
      offers = listOffers(pc, country);
      cache.set(country, offers);
    }
    return offers;
  };
}

/** Partner Center's status in Lanyard's words. `pending` is a subscription being provisioned: it holds its seats. */
function statusOf(resource: PartnerCenterSubscription): CspSubscription['status'] {
  switch (resource.status.toLowerCase()) {
    case 'active':
    case 'pending':
      return 'active';
    case 'suspended':
      return 'suspended';
    default:
      // deleted, expired, disabled: it holds nothing any more.
      return 'deleted';
  }
}

const termDurations = ['P1M', 'P1Y', 'P3Y'] as const;

function fieldsOf(resource: PartnerCenterSubscription, fallback: { termDuration: CspSubscription['termDuration']; billingCycle: CspSubscription['billingCycle'] }): ImportedFields {
  const term = termDurations.find((duration) => duration === resource.termDuration) ?? fallback.termDuration;
  const cycle = String(resource.billingCycle ?? '').toLowerCase();
  return {
    ...termStateOf(resource),
    status: statusOf(resource),
    termDuration: term,
    billingCycle: cycle === 'annual' || cycle === 'monthly' ? cycle : fallback.billingCycle,
    orderId: resource.orderId ?? null,
  };
}

function changedFields(existing: CspSubscription, seen: ImportedFields): Partial<ImportedFields> {
  const changes: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(seen) as [keyof ImportedFields, unknown][]) {
    // Partner Center may omit the order id on a read; keep the one Lanyard recorded at the order.
    if (field === 'orderId' && value === null) continue;
    if (existing[field] !== value) changes[field] = value;
  }
  return changes as Partial<ImportedFields>;
}

/**
 * Brings a customer's Partner Center subscriptions (`GET /v1/customers/{id}/subscriptions`, read by
 * the caller) into `csp_subscriptions`: matched by Partner Center's subscription id; one Lanyard has
 * is updated with what Partner Center says (quantity, status, term, commitment end, cancellation
 * window, refundable seats, auto-renew, scheduled quantity, etag) and left untouched when nothing
 * differs; one it lacks is added with the catalog's facts (minimum / maximum, seat-based, price).
 * A Partner Center state that breaks the one-live-subscription-per-offer rule (two active
 * subscriptions of one offer) is reported as `conflict` and the second is not recorded; a row a
 * change holds is reported `locked` and left to that change.
 *
 * @example
 *   const rows = await importSubscriptions(db, pc, partner, customer, resources, { dryRun: false, catalog: catalogReader(pc), now });
 */
export async function importSubscriptions(
  db: Db,
  partner: CspPartner,
  customer: CspCustomer,
  resources: readonly PartnerCenterSubscription[],
  options: { dryRun: boolean; catalog: (country: string) => Promise<readonly Offer[]>; now: Date },
): Promise<ImportedSubscription[]> {
  const report: ImportedSubscription[] = [];
  for (const resource of resources) {
    const partnerCenterId = resource.id.toLowerCase();
    const base = { partnerCenterId, offerId: resource.offerId, quantity: resource.quantity, status: resource.status };
    const existing = await findSubscriptionByPartnerCenterId(db, partnerCenterId);
    if (existing) {
      report.push(await refresh(db, existing, resource, base, options));
      continue;
    }
    const offer = (await options.catalog(customer.country ?? 'US')).find((candidate) => candidate.offerId.toLowerCase() === resource.offerId.toLowerCase());
    const seen = fieldsOf(resource, { termDuration: offer?.isNewCommerce === false ? 'P1Y' : 'P1M', billingCycle: 'monthly' });
    const term = offer?.terms.find((candidate) => candidate.termDuration === seen.termDuration && candidate.billingCycle === seen.billingCycle) ?? offer?.terms[0];
    if (options.dryRun) {
      report.push({ ...base, outcome: 'created', changed: [] });
      continue;
    }
    const written = await insertImportedSubscription(db, {
      ...seen,
      partnerCenterId,
      partnerId: partner.id,
      customerId: customer.id,
      offerId: offer?.offerId ?? resource.offerId,
      offerName: offer?.name ?? String(resource.offerName ?? resource.offerId),
      isNewCommerce: (offer?.isNewCommerce ?? resource.offerId.includes(':')) ? 1 : 0,
      licenceSkuId: offer?.licenceSkuId ?? null,
      // An offer no longer in the catalog (retired): Partner Center's own bounds are unknown, so
      // Lanyard keeps what exists and lets Partner Center refuse what it would not take.
      minimumQuantity: offer?.minimumQuantity ?? 1,
      maximumQuantity: offer?.maximumQuantity ?? Math.max(resource.quantity, 10_000),
      seatBased: (offer?.seatBased ?? String(resource.unitType ?? 'Licenses') === 'Licenses') ? 1 : 0,
      name: String(resource.friendlyName ?? offer?.name ?? resource.offerName ?? resource.offerId),
      customTermEndDate: null,
      lockedByChange: null,
      unitPriceMinor: term?.unitPriceMinor ?? 0,
      currency: term?.currency ?? 'USD',
      priceSource: term?.listed ? 'catalog' : 'none',
      prorate: term?.prorate === false ? 0 : 1,
      deleteAfter: null,
    }, options.now);
    if (written.outcome === 'conflict') {
      report.push({ ...base, outcome: 'conflict', changed: [], reason: conflictReason(written.conflictsWith) });
    } else if (written.outcome === 'created') {
      report.push({ ...base, outcome: 'created', id: written.subscription.id, changed: [] });
    } else {
      // Another import recorded it between our read and our insert: refresh that row.
      report.push(await refresh(db, written.subscription, resource, base, options));
    }
  }
  return report;
}

async function refresh(
  db: Db,
  existing: CspSubscription,
  resource: PartnerCenterSubscription,
  base: Pick<ImportedSubscription, 'partnerCenterId' | 'offerId' | 'quantity' | 'status'>,
  options: { dryRun: boolean; now: Date },
): Promise<ImportedSubscription> {
  const changes = changedFields(existing, fieldsOf(resource, existing));
  const changed = Object.keys(changes);
  if (changed.length === 0) return { ...base, outcome: 'unchanged', id: existing.id, changed };
  if (existing.lockedByChange) return { ...base, outcome: 'locked', id: existing.id, changed, reason: `change ${existing.lockedByChange} is in progress; it records what Partner Center answers` };
  if (options.dryRun) return { ...base, outcome: 'updated', id: existing.id, changed };
  const written = await updateImportedSubscription(db, existing, changes, options.now);
  if (written.outcome === 'conflict') return { ...base, outcome: 'conflict', id: existing.id, changed: [], reason: conflictReason(written.conflictsWith) };
  if (written.outcome === 'locked') return { ...base, outcome: 'locked', id: existing.id, changed, reason: 'a change took the subscription meanwhile; it records what Partner Center answers' };
  return { ...base, outcome: 'updated', id: existing.id, changed };
}

function conflictReason(other: CspSubscription | undefined): string {
  const who = other ? `subscription ${other.id}${other.partnerCenterId ? ` (Partner Center ${other.partnerCenterId})` : ''}, ${other.status}` : 'another live subscription';
  return `the customer already has ${who} of this offer, and Lanyard keeps one live subscription per offer; the second is not recorded (merge or cancel one in Partner Center, then import again)`;
}
