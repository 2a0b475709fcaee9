import type { Clock } from '../../core/clock.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import type { Db } from '../../core/db/database.ts';
import { isLanyardError, LanyardError } from '../../core/errors.ts';
import type { JobDefinition, RunningJob } from '../../core/jobs/job-runner.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import { findCustomerById } from '../data/customers.ts';
import { findPartnerById } from '../data/partners.ts';
import { findChange, findSubscription, insertBillingLine, moveChange, releaseSubscription, setChangeCart } from '../data/subscriptions.ts';
import type { CspCustomer, CspPartner, CspSubscription, CspSubscriptionChange } from '../data/tables.ts';
import { openPartnerCenter } from '../partner-center/open-partner-center.ts';
import type { PartnerCenterClient } from '../partner-center/partner-center-client.ts';
import { fieldsFromPartnerCenter, readPartnerCenterSubscription, subscriptionPath, type PartnerCenterSubscription } from './partner-center-subscription.ts';
import { findPlacedOrder, isCartAlreadySubmitted } from './placed-order.ts';
import { formatShare, increaseCharge, purchaseCharge, type TermDuration } from './proration.ts';

export const subscriptionChangeJobKind = 'csp.subscription-change';
/** Attempts of one change: enough to wait out a slow (202) provisioning polled every 15 s. */
export const subscriptionChangeMaxAttempts = 10;
const dayMs = 86_400_000;

export interface SubscriptionJobDeps {
  readonly db: Db;
  readonly secretBox: SecretBox;
  readonly clock: Clock;
}

/** What an order change asks for (the change's `input`). */
export interface OrderInput {
  readonly offerId: string;
  readonly quantity: number;
  readonly termDuration: TermDuration;
  readonly billingCycle: 'monthly' | 'annual';
  readonly name: string;
  readonly customTermEndDate: string | null;
}

interface CheckoutResult {
  orders?: { id: string; lineItems: { subscriptionId: string }[] }[];
  orderErrors?: { code?: unknown; description?: string }[];
}

/** A refusal retrying may fix: Partner Center away or busy, the network, or a 202 still provisioning. */
function isRetryable(error: unknown): boolean {
  if (isLanyardError(error)) return error.status >= 500 || error.status === 429;
  return true;
}

const provisioning = () => new LanyardError('CSP_SUBSCRIPTION_PROVISIONING', 'Microsoft is still provisioning the change; the subscription stays locked until it completes.');

/**
 * One change of a subscription (order, quantity, terminate, auto-renew, schedule), run by the one
 * job runner: leased, retried with the SAME `MS-RequestId` (stored on the change before the first
 * call), idempotent, audited. Idempotent because every step either replays (Partner Center answers
 * a repeated cart creation or checkout carrying the same request id with the first answer) or
 * looks first (a PATCH is skipped when the subscription already has what it sets), and the billing
 * line is unique per change. A 202 (slow provisioning) leaves the change `provisioning` and the
 * subscription locked; the job looks again every 15 s until Partner Center says it is done.
 */
export function subscriptionChangeJob(deps: SubscriptionJobDeps): JobDefinition {
  return {
    kind: subscriptionChangeJobKind,
    leaseSeconds: 10,
    isRetryable,
    retryDelaySeconds: (attempt) => Math.min(60, 5 * attempt),
    run: (payload, job) => runChange(deps, (payload as { changeId: string }).changeId, job),
  };
}

async function runChange(deps: SubscriptionJobDeps, changeId: string, job: RunningJob): Promise<unknown> {
  const change = await findChange(deps.db, changeId);
  if (!change) return { changeId, missing: true };
  if (change.state === 'succeeded' || change.state === 'failed') return { changeId, state: change.state };
  const subscription = (await findSubscription(deps.db, change.subscriptionId))!;
  const customer = (await findCustomerById(deps.db, subscription.customerId))!;
  const partner = (await findPartnerById(deps.db, subscription.partnerId))!;
  const pc = openPartnerCenter(deps, partner, `job:${subscriptionChangeJobKind}`);
  await moveChange(deps.db, change.id, ['queued'], 'submitted', deps.clock.now());
  try {
    const result = await perform({ deps, pc, change, subscription, customer, partner });
    await recordAuditEvent(deps.db, { actor: change.requestedBy, action: `csp.subscription.${change.kind}`, target: subscription.id, outcome: 'success', details: { changeId: change.id, requestId: change.requestId, customer: customer.domain, ...result } }, deps.clock.now());
    return { changeId, state: 'succeeded', ...result };
  } catch (error) {
    if (isRetryable(error) && job.attempt < subscriptionChangeMaxAttempts) throw error;
    await failChange(deps, change, subscription, customer, error);
    throw error;
  }
}

interface ChangeContext {
  readonly deps: SubscriptionJobDeps;
  readonly pc: PartnerCenterClient;
  readonly change: CspSubscriptionChange;
  readonly subscription: CspSubscription;
  readonly customer: CspCustomer;
  readonly partner: CspPartner;
}

async function perform(context: ChangeContext): Promise<Record<string, unknown>> {
  switch (context.change.kind) {
    case 'order':
      return placeOrder(context);
    case 'quantity':
      return changeQuantity(context);
    case 'terminate':
      return terminate(context);
    case 'auto-renew':
    case 'schedule':
      return patchSettings(context);
  }
}

/** Cart, then checkout, each with its stored MS-RequestId; then the subscription as Partner Center made it. */
async function placeOrder({ deps, pc, change, subscription, customer }: ChangeContext): Promise<Record<string, unknown>> {
  const input = JSON.parse(change.input) as OrderInput;
  const customerPath = `/v1/customers/${encodeURIComponent(customer.tenantId)}`;
  let cartId = change.cartId;
  if (!cartId) {
    const line = {
      id: 0,
      catalogItemId: input.offerId,
      quantity: input.quantity,
      billingCycle: input.billingCycle,
      ...(subscription.isNewCommerce ? { termDuration: input.termDuration } : {}),
      ...(input.customTermEndDate ? { customTermEndDate: input.customTermEndDate } : {}),
      friendlyName: input.name,
    };
    const cart = await pc.call<{ id: string }>('POST', `${customerPath}/carts`, { requestId: change.cartRequestId!, body: { lineItems: [line] } });
    cartId = cart.body.id;
    await setChangeCart(deps.db, change.id, cartId, deps.clock.now());
  }
  let checkout: { status: number; body: CheckoutResult };
  try {
    checkout = await pc.call<CheckoutResult>('POST', `${customerPath}/carts/${encodeURIComponent(cartId)}/checkout`, { requestId: change.requestId });
  } catch (error) {
    // A retry Partner Center did not replay: the first checkout placed the order; find it.
    if (!isCartAlreadySubmitted(error)) throw error;
    const placed = await findPlacedOrder(deps.db, pc, customer, { ...change, cartId }, { offerId: input.offerId, quantity: input.quantity, name: input.name, termDuration: subscription.isNewCommerce ? input.termDuration : null });
    checkout = { status: 200, body: { orders: [placed] } };
  }
  const order = checkout.body.orders?.[0];
  const partnerCenterId = order?.lineItems[0]?.subscriptionId;
  if (!order || !partnerCenterId) {
    const refusal = checkout.body.orderErrors?.[0];
    throw new LanyardError('PARTNER_CENTER_REFUSED', `Partner Center placed no order: ${refusal?.description ?? 'the checkout returned no order'}`, { status: checkout.status, partnerCenterCode: refusal?.code === undefined ? null : String(refusal.code), description: refusal?.description ?? null });
  }
  const resource = await readPartnerCenterSubscription(pc, customer, { partnerCenterId });
  const start = resource.effectiveStartDate ?? deps.clock.now().toISOString();
  const charge = purchaseCharge({ unitPriceMinor: subscription.unitPriceMinor, quantity: resource.quantity, on: start, duration: input.termDuration, customTermEnd: input.customTermEndDate ?? resource.commitmentEndDate ?? null });
  await insertBillingLine(deps.db, {
    partnerId: subscription.partnerId,
    customerId: subscription.customerId,
    subscriptionId: subscription.id,
    changeId: change.id,
    kind: 'purchase',
    offerId: subscription.offerId,
    description: `${input.name}: ${resource.quantity} × ${input.termDuration} ${input.billingCycle}${input.customTermEndDate ? ` co-termed to ${input.customTermEndDate.slice(0, 10)}` : ''}`,
    quantity: resource.quantity,
    unitPriceMinor: subscription.unitPriceMinor,
    share: formatShare(charge.share),
    amountMinor: charge.amountMinor,
    currency: subscription.currency,
    priceSource: subscription.priceSource,
    periodStart: charge.periodStart,
    periodEnd: charge.periodEnd,
  }, deps.clock.now());
  await releaseSubscription(deps.db, subscription.id, change.id, { ...fieldsFromPartnerCenter(resource), orderId: order.id, status: 'active' }, deps.clock.now(), 'ordering');
  await moveChange(deps.db, change.id, ['submitted'], 'succeeded', deps.clock.now());
  return { orderId: order.id, partnerCenterId, quantity: resource.quantity, amountMinor: charge.amountMinor };
}

/**
 * PATCH the full resource with the new quantity and its etag, unless Partner Center already has it
 * (a retry after the first PATCH went through). 202 → provisioning: locked, looked at again later.
 */
async function changeQuantity({ deps, pc, change, subscription, customer }: ChangeContext): Promise<Record<string, unknown>> {
  const target = (JSON.parse(change.input) as { quantity: number }).quantity;
  let resource = await readPartnerCenterSubscription(pc, customer, subscription);
  if (resource.status === 'pending') {
    await moveChange(deps.db, change.id, ['submitted'], 'provisioning', deps.clock.now());
    throw provisioning();
  }
  if (resource.quantity !== target) {
    const answer = await pc.call<PartnerCenterSubscription>('PATCH', subscriptionPath(customer, subscription.partnerCenterId!), {
      requestId: change.requestId,
      ...(resource.attributes?.etag ? { ifMatch: resource.attributes.etag } : {}),
      body: { ...resource, quantity: target },
    });
    if (answer.status === 202) {
      await moveChange(deps.db, change.id, ['submitted'], 'provisioning', deps.clock.now());
      throw provisioning();
    }
    resource = answer.body;
  }
  const previous = change.previousQuantity ?? subscription.quantity;
  const added = target - previous;
  let amountMinor = 0;
  if (added > 0 && subscription.termStartDate && subscription.commitmentEndDate) {
    const charge = increaseCharge({ unitPriceMinor: subscription.unitPriceMinor, added, on: change.createdAt, termStart: subscription.termStartDate, termEnd: subscription.commitmentEndDate, prorate: subscription.prorate === 1 });
    amountMinor = charge.amountMinor;
    await insertBillingLine(deps.db, {
      partnerId: subscription.partnerId,
      customerId: subscription.customerId,
      subscriptionId: subscription.id,
      changeId: change.id,
      kind: 'increase',
      offerId: subscription.offerId,
      description: `${subscription.name}: ${previous} → ${target} licences${subscription.prorate === 1 ? ', prorated' : ''}`,
      quantity: added,
      unitPriceMinor: subscription.unitPriceMinor,
      share: formatShare(charge.share),
      amountMinor: charge.amountMinor,
      currency: subscription.currency,
      priceSource: subscription.priceSource,
      periodStart: charge.periodStart,
      periodEnd: charge.periodEnd,
    }, deps.clock.now());
  }
  await releaseSubscription(deps.db, subscription.id, change.id, fieldsFromPartnerCenter(resource), deps.clock.now());
  await moveChange(deps.db, change.id, ['submitted', 'provisioning'], 'succeeded', deps.clock.now());
  return { previousQuantity: previous, quantity: target, amountMinor };
}

/**
 * New commerce: cancel (status deleted), which Partner Center allows only inside its window.
 * Legacy: suspend now; the periodic legacy-deletion job deletes it after the partner's delay.
 */
async function terminate({ deps, pc, change, subscription, customer, partner }: ChangeContext): Promise<Record<string, unknown>> {
  const target = subscription.isNewCommerce ? 'deleted' : 'suspended';
  let resource = await readPartnerCenterSubscription(pc, customer, subscription);
  if (resource.status !== target) {
    const answer = await pc.call<PartnerCenterSubscription>('PATCH', subscriptionPath(customer, subscription.partnerCenterId!), {
      requestId: change.requestId,
      ...(resource.attributes?.etag ? { ifMatch: resource.attributes.etag } : {}),
      body: { ...resource, status: target },
    });
    resource = answer.body;
  }
  const deleteAfter = subscription.isNewCommerce ? null : new Date(deps.clock.now().getTime() + partner.legacyTerminationDays * dayMs).toISOString();
  await releaseSubscription(deps.db, subscription.id, change.id, { ...fieldsFromPartnerCenter(resource), status: target, deleteAfter }, deps.clock.now());
  await moveChange(deps.db, change.id, ['submitted'], 'succeeded', deps.clock.now());
  return { status: target, deleteAfter };
}

/** Auto-renew on/off, or the quantity of the next term (`scheduledNextTermInstructions`). */
async function patchSettings({ deps, pc, change, subscription, customer }: ChangeContext): Promise<Record<string, unknown>> {
  const input = JSON.parse(change.input) as { autoRenew?: boolean; quantity?: number };
  let resource = await readPartnerCenterSubscription(pc, customer, subscription);
  const body: Record<string, unknown> = { ...resource };
  if (change.kind === 'auto-renew') body.autoRenewEnabled = input.autoRenew;
  else {
    const [productId, skuId, availabilityId] = subscription.offerId.split(':');
    body.scheduledNextTermInstructions = { product: { productId, skuId, availabilityId, billingCycle: subscription.billingCycle, termDuration: subscription.termDuration }, quantity: input.quantity };
  }
  const already = change.kind === 'auto-renew' ? resource.autoRenewEnabled === input.autoRenew : resource.scheduledNextTermInstructions?.quantity === input.quantity;
  if (!already) {
    const answer = await pc.call<PartnerCenterSubscription>('PATCH', subscriptionPath(customer, subscription.partnerCenterId!), {
      requestId: change.requestId,
      ...(resource.attributes?.etag ? { ifMatch: resource.attributes.etag } : {}),
      body,
    });
    resource = answer.body;
  }
  await releaseSubscription(deps.db, subscription.id, change.id, fieldsFromPartnerCenter(resource), deps.clock.now());
  await moveChange(deps.db, change.id, ['submitted'], 'succeeded', deps.clock.now());
  return change.kind === 'auto-renew' ? { autoRenew: input.autoRenew } : { scheduledQuantity: input.quantity };
}

/**
 * A change whose job ended `failed` without the change knowing (its attempts ran out while each
 * holder died, JOB_ATTEMPTS_EXHAUSTED): fails the change the same way, so the lock is released.
 */
export async function failAbandonedChange(deps: SubscriptionJobDeps, change: CspSubscriptionChange, job: { lastErrorCode: string | null; lastErrorMessage: string | null }): Promise<void> {
  const subscription = (await findSubscription(deps.db, change.subscriptionId))!;
  const customer = (await findCustomerById(deps.db, subscription.customerId))!;
  const error = new LanyardError('JOB_ATTEMPTS_EXHAUSTED', job.lastErrorMessage ?? 'the change used up its attempts', { jobErrorCode: job.lastErrorCode });
  await failChange(deps, change, subscription, customer, error);
}

/** A refusal retrying cannot fix: the change ends failed with the code, the lock is released, an order frees its offer. */
async function failChange(deps: SubscriptionJobDeps, change: CspSubscriptionChange, subscription: CspSubscription, customer: CspCustomer, error: unknown): Promise<void> {
  const now = deps.clock.now();
  const code = isLanyardError(error) ? error.code : 'JOB_ERROR';
  const message = error instanceof Error ? error.message : String(error);
  const details = isLanyardError(error) ? (error.details ?? null) : null;
  await moveChange(deps.db, change.id, ['queued', 'submitted', 'provisioning'], 'failed', now, { errorCode: code, errorMessage: message, errorDetails: details ? JSON.stringify(details) : null });
  if (change.kind === 'order') await releaseSubscription(deps.db, subscription.id, change.id, { status: 'failed' }, now, 'ordering');
  else await releaseSubscription(deps.db, subscription.id, change.id, {}, now);
  await recordAuditEvent(deps.db, { actor: change.requestedBy, action: `csp.subscription.${change.kind}`, target: subscription.id, outcome: 'failure', reason: code, details: { changeId: change.id, requestId: change.requestId, customer: customer.domain } }, now);
}
