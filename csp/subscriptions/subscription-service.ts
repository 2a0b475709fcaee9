import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../core/db/database.ts';
import { LanyardError } from '../../core/errors.ts';
import { enqueueJob } from '../../core/jobs/job-store.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import { requireCustomer } from '../customers/require-customer.ts';
import { findPartnerById } from '../data/partners.ts';
import {
  findLiveSubscriptionOfOffer, findSubscriptionByRef, insertOrderingSubscription, licencesOfCustomer, listSubscriptions, lockForChange, openChanges, setChangeJob, type CapGuard,
} from '../data/subscriptions.ts';
import type { CspCustomer, CspPartner, CspSubscription, CspSubscriptionChange } from '../data/tables.ts';
import { findCustomerById } from '../data/customers.ts';
import { openPartnerCenter } from '../partner-center/open-partner-center.ts';
import type { PartnerCenterClient } from '../partner-center/partner-center-client.ts';
import { coTermEnd, orderTerms, type AllowedTermEnd } from './alignment.ts';
import { choosePrice, type ChosenPrice } from '../prices/price-list.ts';
import { resolveOffer, type Offer, type OfferTerm } from './offers.ts';
import { readPartnerCenterSubscription, type PartnerCenterSubscription } from './partner-center-subscription.ts';
import { subscriptionChangeJobKind, subscriptionChangeMaxAttempts, type OrderInput } from './subscription-change-job.ts';

export interface SubscriptionDeps {
  readonly db: Db;
  readonly secretBox: SecretBox;
  readonly clock: Clock;
}

export interface OrderRequest {
  readonly customer: string;
  readonly offerId: string;
  readonly quantity: string | number;
  readonly term?: string;
  readonly billing?: string;
  readonly name?: string;
}

const terms = ['P1M', 'P1Y', 'P3Y'];
const cycles = ['monthly', 'annual'];

/** The two alternatives Partner Center offers outside its window, as the error's details say them. */
const windowAlternatives = (subscription: CspSubscription) => [
  `lanyard csp subscription auto-renew ${subscription.id} off   (the subscription ends at its term end, ${subscription.commitmentEndDate?.slice(0, 10) ?? 'its commitment end'})`,
  `lanyard csp subscription schedule-quantity ${subscription.id} <n>   (the next term starts with <n> licences)`,
];

function parseQuantity(value: string | number, allowZero: boolean): number {
  const text = String(value).trim();
  const quantity = /^\d{1,6}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(quantity) || (!allowZero && quantity === 0)) {
    throw new LanyardError('CSP_QUANTITY_INVALID', `the quantity must be a whole number${allowZero ? ' (0 terminates)' : ' of at least 1'}; got "${text}"`);
  }
  return quantity;
}

function checkRange(quantity: number, minimum: number, maximum: number, name: string): void {
  if (quantity < minimum || quantity > maximum) {
    throw new LanyardError('CSP_QUANTITY_OUT_OF_RANGE', `${name} takes between ${minimum} and ${maximum} licences; ${quantity} is outside`, { quantity, minimumQuantity: minimum, maximumQuantity: maximum });
  }
}

/**
 * The partner's licence cap per customer, over all the customer's seat-based subscriptions (other
 * offers too, imported ones too): `quantity` is what the subscription being ordered or changed
 * would hold; the others are counted from the table. Checked once early (before Partner Center is
 * asked anything) and again in the transaction that writes the change (`capGuard`), where the
 * customer's row is locked, so two orders or increases at once cannot both pass.
 */
async function checkCap(db: Db, partner: CspPartner, customer: CspCustomer, quantity: number, exceptSubscriptionId?: string): Promise<void> {
  if (partner.licenceCapPerCustomer < 0) return;
  const held = await licencesOfCustomer(db, customer.id, exceptSubscriptionId);
  if (held + quantity > partner.licenceCapPerCustomer) throw capExceeded(partner, customer, quantity, held);
}

function capGuard(partner: CspPartner, customer: CspCustomer, quantity: number): CapGuard | undefined {
  if (partner.licenceCapPerCustomer < 0) return undefined;
  return { cap: partner.licenceCapPerCustomer, quantity, refuse: (held) => capExceeded(partner, customer, quantity, held) };
}

function capExceeded(partner: CspPartner, customer: CspCustomer, quantity: number, held: number): LanyardError {
  const left = Math.max(0, partner.licenceCapPerCustomer - held);
  return new LanyardError('CSP_LICENCE_CAP_EXCEEDED', `partner ${partner.slug} sells at most ${partner.licenceCapPerCustomer} licences to one customer; ${customer.domain} holds ${held} in its other seat-based subscriptions, so ${quantity} here would make ${held + quantity} (at most ${left} fit)`, { cap: partner.licenceCapPerCustomer, held, requested: quantity, total: held + quantity, available: left });
}

async function enqueueChange(db: Db, change: CspSubscriptionChange, now: Date): Promise<CspSubscriptionChange> {
  // Keyed by the change: enqueueing it again (an order resumed after a crash) finds the same job.
  const job = await enqueueJob(db, { kind: subscriptionChangeJobKind, key: `csp-subscription-change:${change.id}`, payload: { changeId: change.id }, maxAttempts: subscriptionChangeMaxAttempts }, now);
  await setChangeJob(db, change.id, job.id);
  return { ...change, jobId: job.id };
}

async function partnerOf(db: Db, customer: CspCustomer): Promise<CspPartner> {
  return (await findPartnerById(db, customer.partnerId))!;
}

/**
 * Orders `quantity` licences of an offer for a customer: checks everything Lanyard can before the
 * call (agreement recorded, offer and term in the catalog, min/max, the partner's licence cap),
 * co-terms with the customer's existing subscriptions when the partner aligns renewals, then writes
 * the subscription (`ordering`) and its order change with its MS-RequestIds, and queues the job.
 * Asked again for the same offer while that order is unfinished (a process killed mid-order), it
 * returns the same change, so the job resumes with the same request ids and nothing is ordered twice.
 */
export async function orderSubscription(deps: SubscriptionDeps, request: OrderRequest, actor: string): Promise<{ subscription: CspSubscription; change: CspSubscriptionChange; resumed: boolean }> {
  const now = deps.clock.now();
  const { customer, quantity, live } = await orderBasics(deps, request);
  if (live) return resumeOrExists(deps, live, now);
  const plan = await planFor(deps, customer, quantity, request, actor);
  const { partner, offer, term, price, name, customTermEndDate } = plan;
  const input: OrderInput = { offerId: offer.offerId, quantity, termDuration: term.termDuration, billingCycle: term.billingCycle, name, customTermEndDate };
  const changeId = randomUUID();
  const written = await insertOrderingSubscription(
    deps.db,
    {
      partnerId: partner.id,
      customerId: customer.id,
      offerId: offer.offerId,
      offerName: offer.name,
      isNewCommerce: offer.isNewCommerce ? 1 : 0,
      licenceSkuId: offer.licenceSkuId,
      minimumQuantity: offer.minimumQuantity,
      maximumQuantity: offer.maximumQuantity,
      seatBased: offer.seatBased ? 1 : 0,
      billingCycle: term.billingCycle,
      termDuration: term.termDuration,
      name,
      quantity,
      customTermEndDate,
      unitPriceMinor: price.unitPriceMinor,
      currency: price.currency,
      priceSource: price.priceSource,
      prorate: term.prorate ? 1 : 0,
      lockedByChange: changeId,
    },
    { id: changeId, kind: 'order', cartRequestId: randomUUID(), input: JSON.stringify(input), previousQuantity: 0, requestedBy: actor },
    now,
    offer.seatBased ? capGuard(partner, customer, quantity) : undefined,
  );
  if (!written) {
    // Another order of this offer got in first (the unique index said so).
    const winner = await findLiveSubscriptionOfOffer(deps.db, customer.id, offer.offerId);
    if (winner) return resumeOrExists(deps, winner, now);
    throw new LanyardError('CSP_SUBSCRIPTION_EXISTS', `${customer.domain} already has a subscription of ${offer.name}`);
  }
  return { subscription: written.subscription, change: await enqueueChange(deps.db, written.change, now), resumed: false };
}

/** What an order would be, after every check an order makes before writing (nothing written, nothing ordered). */
export interface OrderPlan {
  readonly customer: CspCustomer;
  readonly partner: CspPartner;
  readonly offer: Offer;
  readonly term: OfferTerm;
  readonly quantity: number;
  readonly name: string;
  readonly customTermEndDate: string | null;
  readonly price: ChosenPrice;
}

/**
 * The order `request` would place, checked exactly as `orderSubscription` checks it (agreement,
 * catalog, term, min/max, licence cap, co-terming, price), without writing or ordering anything:
 * what a preview shows before the admin confirms. A live subscription of the offer is CSP_SUBSCRIPTION_EXISTS.
 */
export async function planOrder(deps: SubscriptionDeps, request: OrderRequest, actor: string): Promise<OrderPlan> {
  const { customer, quantity, live } = await orderBasics(deps, request);
  if (live) throw existsError(live);
  return planFor(deps, customer, quantity, request, actor);
}

async function orderBasics(deps: SubscriptionDeps, request: OrderRequest): Promise<{ customer: CspCustomer; quantity: number; live: CspSubscription | undefined }> {
  const customer = await requireCustomer(deps.db, request.customer);
  const quantity = parseQuantity(request.quantity, false);
  if (request.term !== undefined && !terms.includes(request.term)) throw new LanyardError('CSP_TERM_INVALID', `--term is P1M, P1Y or P3Y; got "${request.term}"`);
  if (request.billing !== undefined && !cycles.includes(request.billing)) throw new LanyardError('CSP_TERM_INVALID', `--billing is monthly or annual; got "${request.billing}"`);
  return { customer, quantity, live: await findLiveSubscriptionOfOffer(deps.db, customer.id, request.offerId.trim()) };
}

async function planFor(deps: SubscriptionDeps, customer: CspCustomer, quantity: number, request: OrderRequest, actor: string): Promise<OrderPlan> {
  if (!customer.agreementAcceptedAt) {
    throw new LanyardError('CSP_AGREEMENT_NOT_ACCEPTED', `${customer.domain} has no recorded acceptance of the Microsoft Customer Agreement, so Microsoft takes no order for it`, { remediation: 'Run `lanyard csp customer accept-agreement <customer> --first-name … --last-name … --email …` with a contact of the customer.' });
  }
  const partner = await partnerOf(deps.db, customer);
  const pc = openPartnerCenter(deps, partner, actor);
  const existing = (await listSubscriptions(deps.db, customer.id)).map((subscription) => ({ ...subscription, isNewCommerce: subscription.isNewCommerce === 1 }));
  const align = partner.alignRenewals === 1;
  const chosen = orderTerms({ term: request.term, billing: request.billing }, align, existing);
  const { offer, term } = await resolveOffer(pc, customer.country ?? 'US', request.offerId, { ...chosen, termAsked: request.term !== undefined, billingAsked: request.billing !== undefined });
  checkRange(quantity, offer.minimumQuantity, offer.maximumQuantity, offer.name);
  if (offer.seatBased) await checkCap(deps.db, partner, customer, quantity);
  const customTermEndDate = align && offer.isNewCommerce ? coTermEnd(await allowedTermEnds(pc, customer, term.termDuration), existing) ?? null : null;
  const price = await choosePrice(deps.db, partner.id, offer.offerId, term);
  return { customer, partner, offer, term, quantity, name: request.name?.trim() || offer.name, customTermEndDate, price };
}

function existsError(live: CspSubscription): LanyardError {
  return new LanyardError('CSP_SUBSCRIPTION_EXISTS', `the customer already has an active subscription of ${live.offerName} (${live.id}); change its quantity with \`lanyard csp subscription set-quantity ${live.id} <n>\``, { subscription: live.id });
}

async function resumeOrExists(deps: SubscriptionDeps, live: CspSubscription, now: Date): Promise<{ subscription: CspSubscription; change: CspSubscriptionChange; resumed: boolean }> {
  const order = (await openChanges(deps.db, live.id)).find((change) => change.kind === 'order');
  if (live.status === 'ordering' && order) return { subscription: live, change: await enqueueChange(deps.db, order, now), resumed: true };
  throw existsError(live);
}

async function allowedTermEnds(pc: PartnerCenterClient, customer: CspCustomer, duration: string): Promise<AllowedTermEnd[]> {
  return pc.all<AllowedTermEnd>(`/v1/customers/${encodeURIComponent(customer.tenantId)}/subscriptions/customTermEndDates`, { term_duration: duration });
}

export async function subscriptionOrThrow(db: Db, ref: string): Promise<CspSubscription> {
  const subscription = await findSubscriptionByRef(db, ref);
  if (!subscription) throw new LanyardError('CSP_SUBSCRIPTION_NOT_FOUND', `no subscription "${ref}" (Lanyard's id or Partner Center's); see \`lanyard csp subscription list <customer>\``);
  return subscription;
}

function lockedError(subscription: CspSubscription): LanyardError {
  return new LanyardError('CSP_SUBSCRIPTION_LOCKED', `a change to this subscription is still in progress (${subscription.lockedByChange}); wait until it completes, then try again`, { change: subscription.lockedByChange });
}

/** Locks the subscription for `change` (compare-and-set) and queues its job; CSP_SUBSCRIPTION_LOCKED when another holds it. */
async function startChange(deps: SubscriptionDeps, subscription: CspSubscription, change: { kind: CspSubscriptionChange['kind']; input: Record<string, unknown> }, actor: string, cap?: CapGuard & { readonly customerId: string }): Promise<{ subscription: CspSubscription; change: CspSubscriptionChange }> {
  const now = deps.clock.now();
  const written = await lockForChange(deps.db, subscription.id, { kind: change.kind, input: JSON.stringify(change.input), previousQuantity: subscription.quantity, requestedBy: actor }, now, ['active'], cap);
  if (!written) {
    const again = (await findSubscriptionByRef(deps.db, subscription.id))!;
    if (again.lockedByChange) throw lockedError(again);
    throw notChangeable(again);
  }
  return { subscription, change: await enqueueChange(deps.db, written, now) };
}

function notChangeable(subscription: CspSubscription): LanyardError {
  return new LanyardError('CSP_SUBSCRIPTION_NOT_CHANGEABLE', `the subscription is ${subscription.status}; only an active subscription can be changed`, { status: subscription.status });
}

async function changeable(deps: SubscriptionDeps, ref: string): Promise<{ subscription: CspSubscription; customer: CspCustomer; partner: CspPartner }> {
  const subscription = await subscriptionOrThrow(deps.db, ref);
  if (subscription.lockedByChange) throw lockedError(subscription);
  if (subscription.status !== 'active') throw notChangeable(subscription);
  const customer = (await findCustomerById(deps.db, subscription.customerId))!;
  return { subscription, customer, partner: await partnerOf(deps.db, customer) };
}

/**
 * Sets the quantity. 0 terminates (cost-free inside the window), unless `allowTermination` is false
 * (the portal: terminating is its own, more privileged action). An increase checks the maximum and
 * the partner's cap; a decrease checks the minimum, the new-commerce window (Partner Center's
 * `refundableQuantity`, read now) and, with "prevent decrease" on, the licences in use.
 */
export async function setQuantity(deps: SubscriptionDeps, ref: string, value: string | number, actor: string, options: { allowTermination?: boolean } = {}): Promise<{ subscription: CspSubscription; change: CspSubscriptionChange }> {
  const quantity = parseQuantity(value, options.allowTermination ?? true);
  if (quantity === 0) return terminateSubscription(deps, ref, actor);
  const { subscription, customer, partner } = await planQuantity(deps, ref, quantity, actor);
  const guard = quantity > subscription.quantity && subscription.seatBased === 1 ? capGuard(partner, customer, quantity) : undefined;
  return startChange(deps, subscription, { kind: 'quantity', input: { quantity } }, actor, guard ? { ...guard, customerId: customer.id } : undefined);
}

/**
 * A quantity change of at least 1, checked exactly as `setQuantity` checks it (range, cap, window,
 * licences in use), without writing anything: what a preview shows before the admin confirms.
 */
export async function planQuantity(deps: SubscriptionDeps, ref: string, value: string | number, actor: string): Promise<{ subscription: CspSubscription; customer: CspCustomer; partner: CspPartner; quantity: number }> {
  const quantity = parseQuantity(value, false);
  const { subscription, customer, partner } = await changeable(deps, ref);
  checkRange(quantity, subscription.minimumQuantity, subscription.maximumQuantity, subscription.name);
  if (quantity > subscription.quantity && subscription.seatBased === 1) await checkCap(deps.db, partner, customer, quantity, subscription.id);
  if (quantity < subscription.quantity) {
    const pc = openPartnerCenter(deps, partner, actor);
    const resource = await readPartnerCenterSubscription(pc, customer, subscription);
    if (subscription.isNewCommerce === 1) {
      const refundable = resource.refundableQuantity?.totalQuantity ?? 0;
      const removing = subscription.quantity - quantity;
      if (removing > refundable) {
        throw new LanyardError('CSP_OUTSIDE_CHANGE_WINDOW', `only ${refundable} of the ${subscription.quantity} licences can still be removed (seats can be removed within 7 days of being added; Partner Center 800090); removing ${removing} is not possible now. Instead: turn auto-renew off, or schedule ${quantity} licences for the next term`, {
          partnerCenterCode: '800090', refundableQuantity: refundable, cancellationAllowedUntilDate: resource.cancellationAllowedUntilDate ?? null, alternatives: windowAlternatives(subscription),
        });
      }
    }
    if (partner.preventDecreaseBelowConsumed === 1 && subscription.licenceSkuId) {
      const consumed = await consumedLicences(deps, pc, customer, subscription);
      if (quantity < consumed) {
        throw new LanyardError('CSP_DECREASE_BELOW_CONSUMED', `${consumed} licences of ${subscription.name} are assigned to users of ${customer.domain}; ${quantity} would be fewer. Remove licences from users first, or ask for at least ${consumed}`, { quantity, consumed });
      }
    }
  }
  return { subscription, customer, partner, quantity };
}

/**
 * The licences of this subscription's SKU in use (Partner Center's `/subscribedskus` consumedUnits),
 * less what the customer's other active subscriptions of the same SKU provide.
 */
async function consumedLicences(deps: SubscriptionDeps, pc: PartnerCenterClient, customer: CspCustomer, subscription: CspSubscription): Promise<number> {
  const skus = await pc.all<{ consumedUnits: number; productSku: { id: string } }>(`/v1/customers/${encodeURIComponent(customer.tenantId)}/subscribedskus`);
  const consumed = skus.find((sku) => sku.productSku.id.toLowerCase() === subscription.licenceSkuId!.toLowerCase())?.consumedUnits ?? 0;
  const others = (await listSubscriptions(deps.db, customer.id))
    .filter((other) => other.id !== subscription.id && other.status === 'active' && other.licenceSkuId?.toLowerCase() === subscription.licenceSkuId!.toLowerCase())
    .reduce((sum, other) => sum + other.quantity, 0);
  return Math.max(0, consumed - others);
}

/**
 * Terminates: new commerce cancels, only until Partner Center's `cancellationAllowedUntilDate`
 * (read now, not computed); after it Lanyard says so and names the alternatives. Legacy suspends
 * now and is deleted after the partner's termination delay.
 */
export async function terminateSubscription(deps: SubscriptionDeps, ref: string, actor: string): Promise<{ subscription: CspSubscription; change: CspSubscriptionChange }> {
  const { subscription } = await planTermination(deps, ref, actor);
  return startChange(deps, subscription, { kind: 'terminate', input: {} }, actor);
}

/**
 * A termination checked exactly as `terminateSubscription` checks it, without writing anything; for
 * new commerce with Partner Center's subscription as read now (its window), for a preview.
 * Outside the window: CSP_OUTSIDE_CHANGE_WINDOW with the alternatives.
 */
export async function planTermination(deps: SubscriptionDeps, ref: string, actor: string): Promise<{ subscription: CspSubscription; customer: CspCustomer; partner: CspPartner; resource: PartnerCenterSubscription | null }> {
  const { subscription, customer, partner } = await changeable(deps, ref);
  if (subscription.isNewCommerce !== 1) return { subscription, customer, partner, resource: null };
  const resource = await readPartnerCenterSubscription(openPartnerCenter(deps, partner, actor), customer, subscription);
  const until = resource.cancellationAllowedUntilDate;
  if (until && deps.clock.now().getTime() > Date.parse(until)) {
    throw new LanyardError('CSP_OUTSIDE_CHANGE_WINDOW', `the subscription could be cancelled until ${until} (7 days after its purchase or renewal; Partner Center 900117). Instead: turn auto-renew off so it ends on ${resource.commitmentEndDate?.slice(0, 10) ?? 'its term end'}, or schedule a lower quantity for the next term`, {
      partnerCenterCode: '900117', cancellationAllowedUntilDate: until, commitmentEndDate: resource.commitmentEndDate ?? null, alternatives: windowAlternatives(subscription),
    });
  }
  return { subscription, customer, partner, resource };
}

export async function setAutoRenew(deps: SubscriptionDeps, ref: string, value: string, actor: string): Promise<{ subscription: CspSubscription; change: CspSubscriptionChange }> {
  if (value !== 'on' && value !== 'off') throw new LanyardError('USAGE', 'usage: lanyard csp subscription auto-renew <subscription> on|off');
  const { subscription } = await changeable(deps, ref);
  return startChange(deps, subscription, { kind: 'auto-renew', input: { autoRenew: value === 'on' } }, actor);
}

/** The quantity of the next term (new commerce): how to go lower outside the window. */
export async function scheduleQuantity(deps: SubscriptionDeps, ref: string, value: string, actor: string): Promise<{ subscription: CspSubscription; change: CspSubscriptionChange }> {
  const quantity = parseQuantity(value, false);
  const { subscription } = await changeable(deps, ref);
  if (subscription.isNewCommerce !== 1) throw new LanyardError('CSP_SUBSCRIPTION_NOT_CHANGEABLE', 'only new-commerce subscriptions take a quantity for the next term; change a legacy subscription\'s quantity with `set-quantity`', { isNewCommerce: false });
  checkRange(quantity, subscription.minimumQuantity, subscription.maximumQuantity, subscription.name);
  return startChange(deps, subscription, { kind: 'schedule', input: { quantity } }, actor);
}
