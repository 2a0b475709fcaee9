/**
 * Aligned renewals ("co-terming"), pure: which of Partner Center's allowed custom term end dates
 * a new subscription takes, and which term and billing cycle it gets, from the customer's existing
 * subscriptions. Partner Center lists the allowed dates (`GET …/subscriptions/customTermEndDates`);
 * Lanyard only chooses among them, so the order line and Microsoft's invoice agree.
 */

export interface AllowedTermEnd {
  readonly allowedCustomTermEndDate: string;
  readonly allowedCustomTermEndDateType?: string;
  readonly alignedSubscriptionId?: string;
}

export interface ExistingSubscription {
  readonly partnerCenterId: string | null;
  readonly isNewCommerce: boolean;
  readonly status: string;
  readonly termDuration: string;
  readonly billingCycle: string;
  readonly commitmentEndDate: string | null;
  readonly createdAt: string;
}

const sameDay = (a: string, b: string) => a.slice(0, 10) === b.slice(0, 10);

/** The customer's first (oldest) active new-commerce subscription: its renewal period rules the later ones. */
export function firstPurchase(existing: readonly ExistingSubscription[]): ExistingSubscription | undefined {
  return [...existing].filter((subscription) => subscription.isNewCommerce && subscription.status === 'active' && subscription.commitmentEndDate).sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
}

/**
 * The custom term end a new subscription is co-termed to: the commitment end of the customer's
 * first active subscription when Partner Center allows it (a `subscriptionAligned` date, or any
 * allowed date that is the same day), else none (the default term end: nothing to align with, or
 * the existing term ends after the new one would).
 */
export function coTermEnd(allowed: readonly AllowedTermEnd[], existing: readonly ExistingSubscription[]): string | undefined {
  const first = firstPurchase(existing);
  if (!first?.commitmentEndDate) return undefined;
  const match = allowed.find((end) => (first.partnerCenterId && end.alignedSubscriptionId === first.partnerCenterId) || sameDay(end.allowedCustomTermEndDate, first.commitmentEndDate!));
  return match?.allowedCustomTermEndDate;
}

/** The term and billing cycle of a new order: what was asked, else (aligned) the first purchase's, else P1M monthly. */
export function orderTerms(asked: { term?: string; billing?: string }, align: boolean, existing: readonly ExistingSubscription[]): { term: string; billing: string } {
  const first = align ? firstPurchase(existing) : undefined;
  return { term: asked.term ?? first?.termDuration ?? 'P1M', billing: asked.billing ?? first?.billingCycle ?? 'monthly' };
}
