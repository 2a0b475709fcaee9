import type { Updateable } from 'kysely';
import type { CspCustomer, CspSubscription, CspSubscriptionsTable } from '../data/tables.ts';
import type { PartnerCenterClient } from '../partner-center/partner-center-client.ts';

/** The fields of Partner Center's Subscription resource Lanyard reads (reference C.6). */
export interface PartnerCenterSubscription {
  id: string;
  offerId: string;
  orderId?: string;
  quantity: number;
  status: string;
  autoRenewEnabled?: boolean;
  effectiveStartDate?: string;
  commitmentEndDate?: string;
  cancellationAllowedUntilDate?: string;
  refundableQuantity?: { totalQuantity?: number; details?: unknown[] };
  scheduledNextTermInstructions?: { quantity?: number } | null;
  attributes?: { etag?: string };
  [field: string]: unknown;
}

export function subscriptionPath(customer: CspCustomer, partnerCenterId: string): string {
  return `/v1/customers/${encodeURIComponent(customer.tenantId)}/subscriptions/${encodeURIComponent(partnerCenterId)}`;
}

export async function readPartnerCenterSubscription(pc: PartnerCenterClient, customer: CspCustomer, subscription: Pick<CspSubscription, 'partnerCenterId'>): Promise<PartnerCenterSubscription> {
  return (await pc.call<PartnerCenterSubscription>('GET', subscriptionPath(customer, subscription.partnerCenterId!))).body;
}

/** What Lanyard keeps of Partner Center's answer: its own words for the window, never computed here. */
export function fieldsFromPartnerCenter(resource: PartnerCenterSubscription): Updateable<CspSubscriptionsTable> {
  return {
    partnerCenterId: resource.id,
    ...(resource.orderId ? { orderId: resource.orderId } : {}),
    ...termStateOf(resource),
  };
}

/** The quantity, term dates, window and renewal fields as Partner Center states them (a change's answer, an import). */
export function termStateOf(resource: PartnerCenterSubscription) {
  return {
    quantity: resource.quantity,
    termStartDate: resource.effectiveStartDate ?? null,
    commitmentEndDate: resource.commitmentEndDate ?? null,
    cancellationAllowedUntil: resource.cancellationAllowedUntilDate ?? null,
    refundableQuantity: resource.refundableQuantity?.totalQuantity ?? 0,
    refundableDetails: JSON.stringify(resource.refundableQuantity?.details ?? []),
    autoRenew: resource.autoRenewEnabled === false ? 0 : 1,
    scheduledQuantity: resource.scheduledNextTermInstructions?.quantity ?? null,
    etag: resource.attributes?.etag ?? null,
  };
}
