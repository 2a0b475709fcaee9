import { randomUUID } from 'node:crypto';
import { collection } from './collections.ts';
import { bodyObject, customerOf, stringField } from './customer-access.ts';
import type { PartnerCenterCall, PartnerCenterResponse, PartnerCenterRoute } from './dispatcher.ts';
import { invalidProperty, notFound, PartnerCenterError } from './errors.ts';
import type { BillingCycle, Cart, CartLine, Customer } from './model.ts';
import { checkLine, orderResource, placeOrder, requireAcceptedAgreement, type PurchaseLine } from './purchase.ts';

/** Carts live 7 days (reference C.5). */
const cartLifetimeMilliseconds = 7 * 24 * 60 * 60 * 1000;

function lineItems(body: Record<string, unknown>): Record<string, unknown>[] {
  const items = body.lineItems;
  if (!Array.isArray(items) || items.length === 0) throw invalidProperty('LineItems must list at least one line item.');
  return items.map((item) => {
    if (typeof item !== 'object' || item === null) throw invalidProperty('Each line item must be an object.');
    return item as Record<string, unknown>;
  });
}

function billingCycleOf(value: unknown, fallback: string | undefined): string {
  const cycle = typeof value === 'string' ? value : fallback;
  if (!cycle) throw invalidProperty('BillingCycle is required.');
  return cycle;
}

/** `POST /v1/customers/{id}/orders` → 201 Order (legacy offer GUIDs and NCE catalog item ids alike). */
function createOrder(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const { customer } = customerOf(call, parameters.customerId ?? '');
  requireAcceptedAgreement(customer);
  const body = bodyObject(call);
  const orderCycle = stringField(body, 'billingCycle');
  const lines: PurchaseLine[] = lineItems(body).map((item, index) => ({
    lineItemNumber: typeof item.lineItemNumber === 'number' ? item.lineItemNumber : index,
    offerId: stringField(item, 'offerId') ?? '',
    quantity: item.quantity,
    termDuration: stringField(item, 'termDuration'),
    billingCycle: billingCycleOf(item.billingCycle, orderCycle),
    customTermEndDate: stringField(item, 'customTermEndDate'),
    friendlyName: stringField(item, 'friendlyName'),
  }));
  const order = placeOrder(call, customer, lines, (orderCycle ?? lines[0]?.billingCycle ?? 'monthly').toLowerCase() as BillingCycle);
  return { status: 201, body: orderResource(order) };
}

function listOrders(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const { customer } = customerOf(call, parameters.customerId ?? '');
  const orders = [...call.context.state.partnerCenter.orders.values()].filter((order) => order.customerId === customer.id);
  return { status: 200, body: collection(call, orders.map(orderResource)) };
}

function getOrder(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const { customer } = customerOf(call, parameters.customerId ?? '');
  const order = call.context.state.partnerCenter.orders.get(parameters.orderId ?? '');
  if (!order || order.customerId !== customer.id) throw notFound(`Order ${parameters.orderId ?? ''}`);
  return { status: 200, body: orderResource(order) };
}

function cartLines(call: PartnerCenterCall, customer: Customer, body: Record<string, unknown>): CartLine[] {
  return lineItems(body).map((item, index) => {
    const line: CartLine = {
      id: typeof item.id === 'number' ? item.id : index,
      catalogItemId: stringField(item, 'catalogItemId') ?? '',
      quantity: item.quantity as number,
      billingCycle: billingCycleOf(item.billingCycle, undefined).toLowerCase() as BillingCycle,
      termDuration: stringField(item, 'termDuration') as CartLine['termDuration'],
      customTermEndDate: stringField(item, 'customTermEndDate'),
      friendlyName: stringField(item, 'friendlyName'),
    };
    checkLine(call, customer, purchaseLine(line));
    return line;
  });
}

function purchaseLine(line: CartLine): PurchaseLine {
  return {
    lineItemNumber: line.id,
    offerId: line.catalogItemId,
    quantity: line.quantity,
    termDuration: line.termDuration,
    billingCycle: line.billingCycle,
    customTermEndDate: line.customTermEndDate,
    friendlyName: line.friendlyName,
  };
}

function cartResource(cart: Cart): Record<string, unknown> {
  return {
    id: cart.id,
    creationTimestamp: new Date(cart.creationTimestamp).toISOString(),
    lastModifiedTimestamp: new Date(cart.lastModifiedTimestamp).toISOString(),
    expirationTimestamp: new Date(cart.expirationTimestamp).toISOString(),
    lastModifiedUser: cart.lastModifiedUser,
    lineItems: cart.lineItems.map((line) => ({ ...line, currencyCode: 'USD', provisioningContext: {}, orderGroup: '0' })),
    status: cart.status,
    attributes: { objectType: 'Cart' },
  };
}

/** The customer's cart, still open: an expired one is gone (EMULATOR CHOICE: 404 1000), a checked-out one is 800065. */
function openCart(call: PartnerCenterCall, customer: Customer, cartId: string): Cart {
  const cart = call.context.state.partnerCenter.carts.get(cartId);
  if (!cart || cart.customerId !== customer.id || call.now >= cart.expirationTimestamp) throw notFound(`Cart ${cartId}`);
  if (cart.status !== 'Active') throw new PartnerCenterError(400, 800065, 'The cart has already been submitted.');
  return cart;
}

function createCart(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const { customer } = customerOf(call, parameters.customerId ?? '');
  const lines = cartLines(call, customer, bodyObject(call));
  const cart: Cart = {
    id: randomUUID(),
    customerId: customer.id,
    creationTimestamp: call.now,
    lastModifiedTimestamp: call.now,
    expirationTimestamp: call.now + cartLifetimeMilliseconds,
    lastModifiedUser: call.caller.userId as string,
    lineItems: lines,
    status: 'Active',
  };
  call.context.state.partnerCenter.carts.set(cart.id, cart);
  return { status: 201, body: cartResource(cart) };
}

function updateCart(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const { customer } = customerOf(call, parameters.customerId ?? '');
  const cart = openCart(call, customer, parameters.cartId ?? '');
  cart.lineItems = cartLines(call, customer, bodyObject(call));
  cart.lastModifiedTimestamp = call.now;
  cart.lastModifiedUser = call.caller.userId as string;
  return { status: 200, body: cartResource(cart) };
}

/** `POST …/carts/{id}/checkout` → 201 CartCheckoutResult with the order; the cart cannot be checked out twice. */
function checkoutCart(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const { customer } = customerOf(call, parameters.customerId ?? '');
  const cart = openCart(call, customer, parameters.cartId ?? '');
  requireAcceptedAgreement(customer);
  const order = placeOrder(call, customer, cart.lineItems.map(purchaseLine), cart.lineItems[0]?.billingCycle ?? 'monthly');
  cart.status = 'Ordered';
  return { status: 201, body: { orders: [orderResource(order)], orderErrors: [], attributes: { objectType: 'CartCheckoutResult' } } };
}

const customerPath = String.raw`^\/customers\/(?<customerId>[^/]+)`;

export const orderRoutes: readonly PartnerCenterRoute[] = [
  { method: 'GET', pattern: new RegExp(`${customerPath}\\/orders\\/?$`), handler: listOrders },
  { method: 'POST', pattern: new RegExp(`${customerPath}\\/orders\\/?$`), handler: createOrder, appPlusUser: true, idempotent: true },
  { method: 'GET', pattern: new RegExp(`${customerPath}\\/orders\\/(?<orderId>[^/]+)\\/?$`), handler: getOrder },
  { method: 'POST', pattern: new RegExp(`${customerPath}\\/carts\\/?$`), handler: createCart, appPlusUser: true, idempotent: true },
  { method: 'PUT', pattern: new RegExp(`${customerPath}\\/carts\\/(?<cartId>[^/]+)\\/?$`), handler: updateCart, appPlusUser: true },
  { method: 'POST', pattern: new RegExp(`${customerPath}\\/carts\\/(?<cartId>[^/]+)\\/checkout\\/?$`), handler: checkoutCart, appPlusUser: true, idempotent: true },
];
