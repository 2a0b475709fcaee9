import { isLanyardError } from '../../core/errors.ts';
import { noPriceWarning } from '../prices/price-list.ts';
import type { CspPartner, CspSubscription, PriceSource } from '../data/tables.ts';
import { termStateOf } from './partner-center-subscription.ts';
import { formatMinor, formatShare, increaseCharge, purchaseCharge, type IncreaseCharge } from './proration.ts';
import { planOrder, planQuantity, planTermination, subscriptionOrThrow, type OrderRequest, type SubscriptionDeps } from './subscription-service.ts';
import { subscriptionView, type SubscriptionView } from './subscription-view.ts';

/**
 * Previews of a change before it is confirmed: the same checks as the change itself
 * (`planOrder`, `planQuantity`, `planTermination` in subscription-service.ts), and the charge the
 * change's billing line will carry, computed with the same price choice and proration functions the
 * change job uses. Nothing is written and nothing is sent to Partner Center but reads.
 */

/** The charge a change will bill, as the billing line will state it (amounts as decimals). */
export interface ChargePreview {
  readonly kind: 'purchase' | 'increase' | 'none';
  readonly quantity: number;
  readonly unitPrice: string;
  readonly currency: string;
  readonly priceSource: PriceSource;
  /** Share of a full term charged, four decimals (1.0000 for a full term). */
  readonly share: string;
  readonly amount: string;
  readonly periodStart: string | null;
  readonly periodEnd: string | null;
  readonly prorated: boolean;
  /** The order's documented warning when no price is known (the billing line will be 0). */
  readonly warning: string | null;
}

export interface OrderPreview {
  readonly customer: string;
  readonly offerId: string;
  readonly offerName: string;
  readonly newCommerce: boolean;
  readonly name: string;
  readonly quantity: number;
  readonly minimumQuantity: number;
  readonly maximumQuantity: number;
  readonly termDuration: string;
  readonly billingCycle: string;
  readonly customTermEndDate: string | null;
  readonly charge: ChargePreview;
}

const chargeOf = (kind: ChargePreview['kind'], quantity: number, price: { unitPriceMinor: number; currency: string; priceSource: PriceSource }, charge: IncreaseCharge | null, prorated: boolean, warning: string | null): ChargePreview => ({
  kind,
  quantity,
  unitPrice: formatMinor(price.unitPriceMinor),
  currency: price.currency,
  priceSource: price.priceSource,
  share: formatShare(charge?.share ?? 0),
  amount: formatMinor(charge?.amountMinor ?? 0),
  periodStart: charge?.periodStart ?? null,
  periodEnd: charge?.periodEnd ?? null,
  prorated,
  warning,
});

/** What `csp subscription order` would order and bill today (the purchase line, co-termed share included). */
export async function previewOrder(deps: SubscriptionDeps, request: OrderRequest, actor: string): Promise<OrderPreview> {
  const plan = await planOrder(deps, request, actor);
  const { offer, term, price } = plan;
  const charge = purchaseCharge({ unitPriceMinor: price.unitPriceMinor, quantity: plan.quantity, on: deps.clock.now(), duration: term.termDuration, customTermEnd: plan.customTermEndDate });
  const warning = price.priceSource === 'none' ? noPriceWarning(plan.partner.slug, offer.offerId, term.termDuration, term.billingCycle) : null;
  return {
    customer: plan.customer.domain,
    offerId: offer.offerId,
    offerName: offer.name,
    newCommerce: offer.isNewCommerce,
    name: plan.name,
    quantity: plan.quantity,
    minimumQuantity: offer.minimumQuantity,
    maximumQuantity: offer.maximumQuantity,
    termDuration: term.termDuration,
    billingCycle: term.billingCycle,
    customTermEndDate: plan.customTermEndDate,
    charge: chargeOf('purchase', plan.quantity, price, charge, plan.customTermEndDate !== null, warning),
  };
}

export interface QuantityPreview {
  readonly subscription: SubscriptionView;
  readonly from: number;
  readonly to: number;
  /** An increase's prorated charge; a decrease bills nothing (kind `none`). */
  readonly charge: ChargePreview;
}

const storedPrice = (subscription: CspSubscription) => ({ unitPriceMinor: subscription.unitPriceMinor, currency: subscription.currency, priceSource: subscription.priceSource });

function warningFor(partner: CspPartner, subscription: CspSubscription): string | null {
  return subscription.priceSource === 'none' ? noPriceWarning(partner.slug, subscription.offerId, subscription.termDuration, subscription.billingCycle) : null;
}

/** What `csp subscription set-quantity` (1 or more) would change and bill today. */
export async function previewQuantity(deps: SubscriptionDeps, ref: string, value: string, actor: string): Promise<QuantityPreview> {
  const { subscription, partner, quantity } = await planQuantity(deps, ref, value, actor);
  const added = quantity - subscription.quantity;
  const prorate = subscription.prorate === 1;
  const charge = added > 0 && subscription.termStartDate && subscription.commitmentEndDate
    ? chargeOf('increase', added, storedPrice(subscription), increaseCharge({ unitPriceMinor: subscription.unitPriceMinor, added, on: deps.clock.now(), termStart: subscription.termStartDate, termEnd: subscription.commitmentEndDate, prorate }), prorate, warningFor(partner, subscription))
    : chargeOf('none', 0, storedPrice(subscription), null, false, null);
  return { subscription: subscriptionView(subscription), from: subscription.quantity, to: quantity, charge };
}

export interface TerminationPreview {
  readonly subscription: SubscriptionView;
  /** `cancel` (new commerce, inside Microsoft's window), `suspend` (legacy), or `refused` (outside the window). */
  readonly outcome: 'cancel' | 'suspend' | 'refused';
  /** Partner Center's window as read now (termStateOf); null for legacy. */
  readonly window: { readonly cancellationAllowedUntil: string | null; readonly refundableQuantity: number; readonly commitmentEndDate: string | null; readonly autoRenew: boolean } | null;
  /** Legacy: days between the suspension and the deletion (the partner's setting). */
  readonly legacyTerminationDays: number;
  /** Outside the window: Partner Center's code, the sentence and the alternatives (docs/csp.md). */
  readonly refusal: { readonly code: string; readonly message: string; readonly partnerCenterCode: string | null; readonly alternatives: readonly string[] } | null;
}

/** Whether `csp subscription terminate` would go through now, and what happens instead when it would not. */
export async function previewTermination(deps: SubscriptionDeps, ref: string, actor: string): Promise<TerminationPreview> {
  try {
    const { subscription, partner, resource } = await planTermination(deps, ref, actor);
    const state = resource ? termStateOf(resource) : null;
    return {
      subscription: subscriptionView(subscription),
      outcome: resource ? 'cancel' : 'suspend',
      window: state ? { cancellationAllowedUntil: state.cancellationAllowedUntil, refundableQuantity: state.refundableQuantity, commitmentEndDate: state.commitmentEndDate, autoRenew: state.autoRenew === 1 } : null,
      legacyTerminationDays: partner.legacyTerminationDays,
      refusal: null,
    };
  } catch (error) {
    if (!isLanyardError(error) || error.code !== 'CSP_OUTSIDE_CHANGE_WINDOW') throw error;
    const details = error.details as { partnerCenterCode?: string; cancellationAllowedUntilDate?: string | null; commitmentEndDate?: string | null; alternatives?: string[] };
    const subscription = await subscriptionOrThrow(deps.db, ref);
    return {
      subscription: subscriptionView(subscription),
      outcome: 'refused',
      window: { cancellationAllowedUntil: details.cancellationAllowedUntilDate ?? null, refundableQuantity: 0, commitmentEndDate: details.commitmentEndDate ?? null, autoRenew: subscription.autoRenew === 1 },
      legacyTerminationDays: 0,
      refusal: { code: error.code, message: error.message, partnerCenterCode: details.partnerCenterCode ?? null, alternatives: details.alternatives ?? [] },
    };
  }
}
