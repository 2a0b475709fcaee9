import type { Db } from '../../core/db/database.ts';
import { isLanyardError, LanyardError } from '../../core/errors.ts';
import { findSubscriptionByPartnerCenterId } from '../data/imported-subscriptions.ts';
import type { CspCustomer, CspSubscriptionChange } from '../data/tables.ts';
import type { PartnerCenterClient } from '../partner-center/partner-center-client.ts';

/** The fields of Partner Center's Order resource (reference C.5) a lost checkout is matched on. */
export interface PartnerCenterOrder {
  id: string;
  creationDate?: string;
  lineItems: { subscriptionId: string; offerId?: string; quantity?: number; friendlyName?: string; termDuration?: string }[];
}

/** The one line of the cart an order change checked out. */
export interface CartLineWanted {
  readonly offerId: string;
  readonly quantity: number;
  readonly name: string;
  readonly termDuration: string | null;
}

/** Partner Center's "the cart has already been submitted": a checkout that went through before. */
export function isCartAlreadySubmitted(error: unknown): boolean {
  return isLanyardError(error) && String(error.details?.partnerCenterCode ?? '') === '800065';
}

/** Clocks of Lanyard and Partner Center differ a little: an order this much older than the change still counts. */
const clockSkewMs = 5 * 60_000;

/**
 * The order a checkout placed when Partner Center answers a retry with 800065 ("cart already
 * submitted") instead of replaying the first answer (its MS-RequestId not recognised): the
 * customer's orders (`GET /v1/customers/{id}/orders`) created since the change was made, with one
 * line of the cart's offer, quantity, name and term, whose subscription Lanyard has not recorded.
 * Exactly one must match; none or several is CSP_PLACED_ORDER_NOT_FOUND (nothing is guessed), and
 * `csp customer import` then records whatever Partner Center has.
 *
 * @example
 *   const order = await findPlacedOrder(db, pc, customer, change, { offerId, quantity: 3, name: 'Office seats', termDuration: 'P1M' });
 */
export async function findPlacedOrder(db: Db, pc: PartnerCenterClient, customer: CspCustomer, change: CspSubscriptionChange, line: CartLineWanted): Promise<PartnerCenterOrder> {
  const orders = await pc.all<PartnerCenterOrder>(`/v1/customers/${encodeURIComponent(customer.tenantId)}/orders`);
  const since = Date.parse(change.createdAt) - clockSkewMs;
  const candidates: PartnerCenterOrder[] = [];
  for (const order of orders) {
    const only = order.lineItems.length === 1 ? order.lineItems[0]! : undefined;
    if (!only || !order.creationDate || Date.parse(order.creationDate) < since) continue;
    if (only.offerId?.toLowerCase() !== line.offerId.toLowerCase() || only.quantity !== line.quantity) continue;
    if (only.friendlyName !== undefined && only.friendlyName !== line.name) continue;
    if (line.termDuration && only.termDuration !== undefined && only.termDuration !== line.termDuration) continue;
    // An order whose subscription Lanyard already has belongs to another change (or an import).
    if (await findSubscriptionByPartnerCenterId(db, only.subscriptionId.toLowerCase())) continue;
    candidates.push(order);
  }
  if (candidates.length === 1) return candidates[0]!;
  const why = candidates.length === 0 ? 'no order of the customer matches it' : `${candidates.length} orders match it (${candidates.map((order) => order.id).join(', ')})`;
  throw new LanyardError('CSP_PLACED_ORDER_NOT_FOUND', `Partner Center says the cart ${change.cartId ?? ''} was already submitted (800065), but ${why}: ${line.quantity} × ${line.offerId} "${line.name}" since ${change.createdAt}. Run \`lanyard csp customer import <partner>\` to record what Partner Center has, and check the customer's orders in Partner Center`, {
    partnerCenterCode: '800065', cartId: change.cartId, candidates: candidates.map((order) => order.id),
  });
}
