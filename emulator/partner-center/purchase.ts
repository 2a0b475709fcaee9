import { randomUUID } from 'node:crypto';
import { resolvePurchasable, type Purchasable } from './catalog.ts';
import type { PartnerCenterCall } from './dispatcher.ts';
import { invalidProperty, PartnerCenterError } from './errors.ts';
import { syncLicencePool } from './licence-pool.ts';
import type { BillingCycle, Customer, Order, OrderLine, Subscription } from './model.ts';
import { allowedTermEnds } from './term-end-dates.ts';
import { termEnd } from './terms.ts';

/** One line to buy, from an order line item or a cart line item. */
export interface PurchaseLine {
  readonly lineItemNumber: number;
  readonly offerId: string;
  readonly quantity: unknown;
  readonly termDuration: string | undefined;
  readonly billingCycle: string;
  readonly customTermEndDate: string | undefined;
  readonly friendlyName: string | undefined;
}

/**
 * Purchases need the customer's accepted Microsoft Customer Agreement (reference C.3): 403 13605
 * otherwise, with the documented description.
 */
export function requireAcceptedAgreement(customer: Customer): void {
  if (customer.agreements.length > 0) return;
  throw new PartnerCenterError(
    403,
    13605,
    'Either a partner confirmation of the customer acceptance of the Microsoft Customer Agreement must be provided or the customer must accept the MCA in the Microsoft Admin Center before placing an order.',
  );
}

/** Checks one line against the catalog, the quantity bounds (2002) and the co-terming choices (800002). */
export function checkLine(call: PartnerCenterCall, customer: Customer, line: PurchaseLine): Purchasable {
  const purchasable = resolvePurchasable(call.context.state.partnerCenter.catalog, line.offerId, line.termDuration, line.billingCycle);
  if (!Number.isInteger(line.quantity)) throw invalidProperty(`Line ${line.lineItemNumber}: quantity must be an integer.`);
  const quantity = line.quantity as number;
  if (quantity < purchasable.minimumQuantity || quantity > purchasable.maximumQuantity) {
    throw new PartnerCenterError(400, 2002, `Line ${line.lineItemNumber}: the quantity must be between ${purchasable.minimumQuantity} and ${purchasable.maximumQuantity}.`);
  }
  if (line.customTermEndDate !== undefined) {
    const wanted = Date.parse(line.customTermEndDate);
    const allowed = purchasable.isNewCommerce
      ? allowedTermEnds(call, customer.id, purchasable.termDuration, call.now).map((end) => Date.parse(end.allowedCustomTermEndDate))
      : [];
    if (!allowed.includes(wanted)) {
      throw new PartnerCenterError(400, 800002, `Line ${line.lineItemNumber}: customTermEndDate ${line.customTermEndDate} is not one of the allowed custom term end dates.`);
    }
  }
  return purchasable;
}

/**
 * Creates the order and one active subscription per line. EMULATOR CHOICE: provisioning is immediate,
 * so the order is `completed` at once.
 */
export function placeOrder(call: PartnerCenterCall, customer: Customer, lines: readonly PurchaseLine[], orderBillingCycle: BillingCycle): Order {
  const checked = lines.map((line) => ({ line, purchasable: checkLine(call, customer, line) }));
  const orderId = randomUUID().replaceAll('-', '');
  const { partnerCenter } = call.context.state;
  const orderLines: OrderLine[] = checked.map(({ line, purchasable }) => {
    const start = call.now;
    const commitmentEnd = line.customTermEndDate === undefined ? termEnd(start, purchasable.termDuration) : Date.parse(line.customTermEndDate);
    const subscription = newSubscription(customer.id, orderId, purchasable, line.quantity as number, start, commitmentEnd, line.friendlyName);
    partnerCenter.subscriptions.set(subscription.id, subscription);
    return {
      lineItemNumber: line.lineItemNumber,
      offerId: purchasable.offerId,
      subscriptionId: subscription.id,
      termDuration: purchasable.isNewCommerce ? purchasable.termDuration : undefined,
      billingCycle: purchasable.billingCycle,
      friendlyName: subscription.friendlyName,
      quantity: subscription.quantity,
      customTermEndDate: line.customTermEndDate,
    };
  });
  const order: Order = { id: orderId, customerId: customer.id, billingCycle: orderBillingCycle, lineItems: orderLines, creationDate: call.now };
  partnerCenter.orders.set(order.id, order);
  syncLicencePool(call.context.state, customer.id);
  return order;
}

/** A subscription as a purchase creates it: active, its seats refundable from `start`. */
export function newSubscription(
  customerId: string,
  orderId: string,
  purchasable: Purchasable,
  quantity: number,
  start: number,
  commitmentEnd: number,
  friendlyName: string | undefined,
): Subscription {
  return {
    id: randomUUID(),
    customerId,
    orderId,
    offerId: purchasable.offerId,
    offerName: purchasable.offerName,
    isNewCommerce: purchasable.isNewCommerce,
    licenseSkuId: purchasable.licenseSkuId,
    skuPartNumber: purchasable.skuPartNumber,
    minimumQuantity: purchasable.minimumQuantity,
    maximumQuantity: purchasable.maximumQuantity,
    friendlyName: friendlyName ?? purchasable.offerName,
    quantity,
    status: 'active',
    autoRenewEnabled: true,
    billingCycle: purchasable.billingCycle,
    termDuration: purchasable.termDuration,
    creationDate: start,
    termStart: start,
    commitmentEndDate: commitmentEnd,
    seatLots: [{ quantity, addedAt: start }],
    scheduledNextTermInstructions: null,
    etag: randomUUID(),
    pending: undefined,
  };
}

export function orderResource(order: Order): Record<string, unknown> {
  const base = `/customers/${order.customerId}/orders/${order.id}`;
  return {
    id: order.id,
    alternateId: order.id.slice(0, 12),
    referenceCustomerId: order.customerId,
    billingCycle: order.billingCycle,
    currencyCode: 'USD',
    currencySymbol: '$',
    lineItems: order.lineItems.map((line) => {
      const [productId, skuId, availabilityId] = line.offerId.split(':');
      return {
        lineItemNumber: line.lineItemNumber,
        offerId: line.offerId,
        subscriptionId: line.subscriptionId,
        ...(line.termDuration ? { termDuration: line.termDuration } : {}),
        ...(line.customTermEndDate ? { customTermEndDate: line.customTermEndDate } : {}),
        transactionType: 'New',
        friendlyName: line.friendlyName,
        quantity: line.quantity,
        ...(availabilityId
          ? {
              links: {
                product: { uri: `/products/${productId}?country=US`, method: 'GET', headers: [] },
                sku: { uri: `/products/${productId}/skus/${skuId}?country=US`, method: 'GET', headers: [] },
                availability: { uri: `/products/${productId}/skus/${skuId}/availabilities/${availabilityId}?country=US`, method: 'GET', headers: [] },
              },
            }
          : {}),
      };
    }),
    creationDate: new Date(order.creationDate).toISOString(),
    status: 'completed',
    links: {
      self: { uri: base, method: 'GET', headers: [] },
      provisioningStatus: { uri: `${base}/provisioningstatus`, method: 'GET', headers: [] },
    },
    attributes: { objectType: 'Order' },
  };
}
