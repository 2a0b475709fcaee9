import type { CspSubscription, CspSubscriptionChange, PriceSource } from '../data/tables.ts';
import { formatMinor } from './proration.ts';

/** What `subscription show | list` print (JSON field names documented in docs/csp.md). */
export interface SubscriptionView {
  readonly id: string;
  readonly partnerCenterId: string | null;
  readonly orderId: string | null;
  readonly offerId: string;
  readonly offerName: string;
  readonly name: string;
  readonly newCommerce: boolean;
  readonly quantity: number;
  readonly minimumQuantity: number;
  readonly maximumQuantity: number;
  readonly status: CspSubscription['status'];
  readonly billingCycle: string;
  readonly termDuration: string;
  readonly termStartDate: string | null;
  readonly commitmentEndDate: string | null;
  readonly customTermEndDate: string | null;
  readonly cancellationAllowedUntil: string | null;
  readonly refundableQuantity: number;
  readonly autoRenew: boolean;
  readonly scheduledQuantity: number | null;
  readonly locked: boolean;
  readonly lockedByChange: string | null;
  readonly unitPrice: string;
  readonly currency: string;
  /** Where the unit price came from: `partner` (its price list), `catalog` or `none`. */
  readonly priceSource: PriceSource;
  readonly deleteAfter: string | null;
  readonly createdAt: string;
}

export interface ChangeView {
  readonly id: string;
  readonly kind: CspSubscriptionChange['kind'];
  readonly state: CspSubscriptionChange['state'];
  readonly requestId: string;
  readonly jobId: string | null;
  readonly errorCode: string | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

export function subscriptionView(subscription: CspSubscription): SubscriptionView {
  return {
    id: subscription.id,
    partnerCenterId: subscription.partnerCenterId,
    orderId: subscription.orderId,
    offerId: subscription.offerId,
    offerName: subscription.offerName,
    name: subscription.name,
    newCommerce: subscription.isNewCommerce === 1,
    quantity: subscription.quantity,
    minimumQuantity: subscription.minimumQuantity,
    maximumQuantity: subscription.maximumQuantity,
    status: subscription.status,
    billingCycle: subscription.billingCycle,
    termDuration: subscription.termDuration,
    termStartDate: subscription.termStartDate,
    commitmentEndDate: subscription.commitmentEndDate,
    customTermEndDate: subscription.customTermEndDate,
    cancellationAllowedUntil: subscription.cancellationAllowedUntil,
    refundableQuantity: subscription.refundableQuantity,
    autoRenew: subscription.autoRenew === 1,
    scheduledQuantity: subscription.scheduledQuantity,
    locked: subscription.lockedByChange !== null,
    lockedByChange: subscription.lockedByChange,
    unitPrice: formatMinor(subscription.unitPriceMinor),
    currency: subscription.currency,
    priceSource: subscription.priceSource,
    deleteAfter: subscription.deleteAfter,
    createdAt: subscription.createdAt,
  };
}

export function changeView(change: CspSubscriptionChange): ChangeView {
  return { id: change.id, kind: change.kind, state: change.state, requestId: change.requestId, jobId: change.jobId, errorCode: change.errorCode, createdAt: change.createdAt, finishedAt: change.finishedAt };
}

export function describeSubscription(view: SubscriptionView): string {
  return [
    `subscription ${view.id} (${view.partnerCenterId ?? 'not yet in Partner Center'}): ${view.name}, ${view.quantity} licences, ${view.status}${view.locked ? ', locked by a change in progress' : ''}`,
    `  offer ${view.offerId} (${view.newCommerce ? 'new commerce' : 'legacy'}), ${view.termDuration} billed ${view.billingCycle}, ${view.priceSource === 'none' ? 'no price known' : `${view.unitPrice} ${view.currency} per licence and term (${view.priceSource === 'partner' ? 'partner price list' : 'catalog list price'})`}`,
    ...(view.commitmentEndDate ? [`  term ${view.termStartDate?.slice(0, 10) ?? '?'} – ${view.commitmentEndDate.slice(0, 10)}, auto-renew ${view.autoRenew ? 'on' : 'off'}${view.scheduledQuantity !== null ? `, next term ${view.scheduledQuantity} licences` : ''}`] : []),
    ...(view.newCommerce && view.cancellationAllowedUntil ? [`  cancellable until ${view.cancellationAllowedUntil}; ${view.refundableQuantity} licences can still be removed`] : []),
    ...(view.deleteAfter ? [`  suspended; deleted after ${view.deleteAfter}`] : []),
  ].join('\n');
}
