import { randomUUID } from 'node:crypto';
import { collection, resourceAttributes } from './collections.ts';
import { bodyObject, customerOf } from './customer-access.ts';
import type { PartnerCenterCall, PartnerCenterResponse, PartnerCenterRoute } from './dispatcher.ts';
import { invalidProperty, PartnerCenterError, subscriptionNotFound } from './errors.ts';
import { syncLicencePool } from './licence-pool.ts';
import type { Subscription } from './model.ts';
import { applyQuantity, cancellationAllowedUntil, isoDate, refundableLots } from './terms.ts';
import { customTermEndDatesRoute } from './term-end-dates.ts';

/** Finishes a slow (202) quantity change whose time has come; every read and write passes here first. */
export function settle(call: PartnerCenterCall, subscription: Subscription): void {
  const pending = subscription.pending;
  if (!pending || call.now < pending.completesAt) return;
  applyQuantity(subscription, pending.quantity, pending.completesAt);
  subscription.pending = undefined;
  subscription.status = 'active';
  subscription.etag = randomUUID();
  syncLicencePool(call.context.state, subscription.customerId);
}

export function subscriptionResource(subscription: Subscription, now: number): Record<string, unknown> {
  const lots = refundableLots(subscription, now);
  const base = `/customers/${subscription.customerId}/subscriptions/${subscription.id}`;
  const resource: Record<string, unknown> = {
    id: subscription.id,
    offerId: subscription.offerId,
    offerName: subscription.offerName,
    friendlyName: subscription.friendlyName,
    quantity: subscription.quantity,
    unitType: 'Licenses',
    creationDate: isoDate(subscription.creationDate),
    effectiveStartDate: isoDate(subscription.termStart),
    commitmentEndDate: isoDate(subscription.commitmentEndDate),
    status: subscription.status,
    autoRenewEnabled: subscription.autoRenewEnabled,
    billingType: 'license',
    billingCycle: subscription.billingCycle,
    termDuration: subscription.termDuration,
    renewalTermDuration: subscription.termDuration,
    isTrial: false,
    hasPurchasableAddons: false,
    contractType: 'subscription',
    orderId: subscription.orderId,
    suspensionReasons: subscription.status === 'suspended' ? ['CustomerCancellation'] : [],
    scheduledNextTermInstructions: subscription.scheduledNextTermInstructions,
    links: {
      self: { uri: base, method: 'GET', headers: [] },
      provisioningStatus: { uri: `${base}/provisioningstatus`, method: 'GET', headers: [] },
    },
    attributes: resourceAttributes('Subscription', subscription.etag),
  };
  if (subscription.isNewCommerce) {
    const [productId, skuId, availabilityId] = subscription.offerId.split(':');
    resource.productType = { id: 'OnlineServicesNCE', displayName: 'OnlineServicesNCE' };
    resource.cancellationAllowedUntilDate = isoDate(cancellationAllowedUntil(subscription));
    resource.refundOptions = [{ type: 'Full', expiresAt: isoDate(cancellationAllowedUntil(subscription)) }];
    resource.refundableQuantity = {
      totalQuantity: lots.reduce((sum, lot) => sum + lot.quantity, 0),
      details: lots.map((lot) => ({ quantity: lot.quantity, allowedUntilDateTime: isoDate(lot.addedAt + 168 * 3600 * 1000) })),
    };
    Object.assign(resource.links as object, {
      product: { uri: `/products/${productId}`, method: 'GET', headers: [] },
      sku: { uri: `/products/${productId}/skus/${skuId}`, method: 'GET', headers: [] },
      availability: { uri: `/products/${productId}/skus/${skuId}/availabilities/${availabilityId}`, method: 'GET', headers: [] },
    });
  }
  return resource;
}

function subscriptionOf(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): Subscription {
  const { customer } = customerOf(call, parameters.customerId ?? '');
  const subscription = call.context.state.partnerCenter.subscriptions.get(parameters.subscriptionId ?? '');
  if (!subscription || subscription.customerId !== customer.id) throw subscriptionNotFound(parameters.subscriptionId ?? '');
  settle(call, subscription);
  return subscription;
}

function listSubscriptions(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const { customer } = customerOf(call, parameters.customerId ?? '');
  const subscriptions = call.context.state.partnerCenter.subscriptionsOf(customer.id);
  for (const subscription of subscriptions) settle(call, subscription);
  return { status: 200, body: collection(call, subscriptions.map((subscription) => subscriptionResource(subscription, call.now))) };
}

function getSubscription(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  return { status: 200, body: subscriptionResource(subscriptionOf(call, parameters), call.now) };
}

function provisioningStatus(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const subscription = subscriptionOf(call, parameters);
  return {
    status: 200,
    body: {
      skuId: subscription.licenseSkuId,
      status: subscription.pending ? 'pending' : 'success',
      quantity: subscription.pending?.quantity ?? subscription.quantity,
      attributes: resourceAttributes('SubscriptionProvisioningStatus'),
    },
  };
}

/** The etag the client holds: `If-Match`, else the one in the body it sends back (the GET-modify-PATCH pattern). */
function presentedEtag(call: PartnerCenterCall, body: Record<string, unknown>): string | undefined {
  const header = call.request.headers.get('if-match');
  if (header) return header.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  const attributes = body.attributes as Record<string, unknown> | undefined;
  return typeof attributes?.etag === 'string' ? attributes.etag : undefined;
}

/** Whether this quantity change is one of the configured share answered 202 (deterministic accumulator). */
function takeSlowChange(call: PartnerCenterCall): boolean {
  const partner = call.caller.partner;
  partner.slowChangeCredit += partner.slowChangeShare;
  if (partner.slowChangeCredit < 1) return false;
  partner.slowChangeCredit -= 1;
  return true;
}

/**
 * PATCH with the (full) subscription: quantity, status, autoRenewEnabled, friendlyName,
 * scheduledNextTermInstructions. Everything is checked before anything changes.
 */
function updateSubscription(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const subscription = subscriptionOf(call, parameters);
  const body = bodyObject(call);
  const etag = presentedEtag(call, body);
  // EMULATOR CHOICE: code 412 with this text; Microsoft documents only the status.
  if (etag !== undefined && etag !== subscription.etag) {
    throw new PartnerCenterError(412, 412, 'The subscription was changed since it was read; GET it again and retry with its etag.');
  }
  // EMULATOR CHOICE: a subscription with a change in flight is locked with 409 800060 ("order in progress").
  if (subscription.pending) throw new PartnerCenterError(409, 800060, 'A change to this subscription is still being provisioned; retry when it completes.');
  if (subscription.status === 'deleted') throw invalidProperty('A deleted subscription cannot be changed.');

  const quantity = body.quantity ?? subscription.quantity;
  if (!Number.isInteger(quantity)) throw invalidProperty('Quantity must be an integer.');
  const newQuantity = quantity as number;
  const status = body.status ?? subscription.status;
  if (status !== 'active' && status !== 'suspended' && status !== 'deleted') throw invalidProperty(`Status ${String(status)} cannot be set.`);
  const quantityChanges = newQuantity !== subscription.quantity;
  const statusChanges = status !== subscription.status;

  if (quantityChanges && statusChanges) throw new PartnerCenterError(400, 2001, 'The quantity cannot be changed while the subscription status changes.');
  if (quantityChanges && subscription.status === 'suspended') throw new PartnerCenterError(400, 800091, 'The quantity of a suspended subscription cannot be changed.');
  if (quantityChanges && (newQuantity < subscription.minimumQuantity || newQuantity > subscription.maximumQuantity)) {
    throw new PartnerCenterError(400, 2002, `The quantity must be between ${subscription.minimumQuantity} and ${subscription.maximumQuantity}.`);
  }
  if (subscription.isNewCommerce && quantityChanges && newQuantity < subscription.quantity) {
    const refundable = refundableLots(subscription, call.now).reduce((sum, lot) => sum + lot.quantity, 0);
    if (subscription.quantity - newQuantity > refundable) {
      throw new PartnerCenterError(400, 800090, `The quantity cannot be decreased by more than ${refundable}: seats can be removed only within 7 days of being added.`);
    }
  }
  if (subscription.isNewCommerce && statusChanges) {
    // EMULATOR CHOICE: NCE subscriptions cannot be suspended by the partner (400 3000).
    if (status !== 'deleted') throw invalidProperty('New-commerce subscriptions can only be cancelled (status deleted).');
    if (call.now > cancellationAllowedUntil(subscription)) {
      throw new PartnerCenterError(400, 900117, 'The subscription can no longer be cancelled: the cancellation window (7 days after purchase or renewal) has passed.');
    }
  }
  if (body.autoRenewEnabled !== undefined && typeof body.autoRenewEnabled !== 'boolean') throw invalidProperty('AutoRenewEnabled must be true or false.');
  const instructions = body.scheduledNextTermInstructions;
  if (instructions !== undefined && instructions !== null) {
    const nextQuantity = (instructions as Record<string, unknown>).quantity;
    if (!Number.isInteger(nextQuantity) || (nextQuantity as number) < subscription.minimumQuantity || (nextQuantity as number) > subscription.maximumQuantity) {
      throw new PartnerCenterError(400, 2002, `ScheduledNextTermInstructions.Quantity must be between ${subscription.minimumQuantity} and ${subscription.maximumQuantity}.`);
    }
  }

  if (typeof body.autoRenewEnabled === 'boolean') subscription.autoRenewEnabled = body.autoRenewEnabled;
  if (typeof body.friendlyName === 'string') subscription.friendlyName = body.friendlyName;
  if (instructions !== undefined) subscription.scheduledNextTermInstructions = (instructions ?? null) as Record<string, unknown> | null;
  if (statusChanges) {
    subscription.status = status;
    if (status === 'deleted') subscription.autoRenewEnabled = false;
  }
  subscription.etag = randomUUID();
  if (quantityChanges && takeSlowChange(call)) {
    subscription.pending = { quantity: newQuantity, completesAt: call.now + call.caller.partner.slowChangeSeconds * 1000 };
    subscription.status = 'pending';
    return { status: 202, headers: { Location: `/v1/customers/${subscription.customerId}/subscriptions/${subscription.id}` } };
  }
  if (quantityChanges) applyQuantity(subscription, newQuantity, call.now);
  syncLicencePool(call.context.state, subscription.customerId);
  return { status: 200, body: subscriptionResource(subscription, call.now) };
}

const subscriptionPath = String.raw`^\/customers\/(?<customerId>[^/]+)\/subscriptions\/(?<subscriptionId>[^/]+)`;

export const subscriptionRoutes: readonly PartnerCenterRoute[] = [
  customTermEndDatesRoute,
  { method: 'GET', pattern: /^\/customers\/(?<customerId>[^/]+)\/subscriptions\/?$/, handler: listSubscriptions },
  { method: 'GET', pattern: new RegExp(`${subscriptionPath}\\/provisioningstatus\\/?$`), handler: provisioningStatus },
  { method: 'GET', pattern: new RegExp(`${subscriptionPath}\\/?$`), handler: getSubscription },
  { method: 'PATCH', pattern: new RegExp(`${subscriptionPath}\\/?$`), handler: updateSubscription },
];
