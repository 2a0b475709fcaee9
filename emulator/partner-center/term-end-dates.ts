import { collection } from './collections.ts';
import { customerOf } from './customer-access.ts';
import type { PartnerCenterCall, PartnerCenterResponse, PartnerCenterRoute } from './dispatcher.ts';
import { PartnerCenterError } from './errors.ts';
import type { TermDuration } from './model.ts';
import { isoDate, termEnd } from './terms.ts';

export interface AllowedTermEnd {
  readonly allowedCustomTermEndDate: string;
  readonly allowedCustomTermEndDateType: 'calendarMonthAligned' | 'subscriptionAligned';
  readonly alignedSubscriptionId?: string;
}

/**
 * The co-terming choices for a new purchase (custom-term-end-dates page): the end of the calendar month
 * before the default term end, and the commitment end of each active NCE subscription of the customer
 * that ends inside the new term. EMULATOR CHOICE: the item field names beyond the two end-date fields.
 */
export function allowedTermEnds(call: PartnerCenterCall, customerId: string, duration: TermDuration, start: number): AllowedTermEnd[] {
  const defaultEnd = termEnd(start, duration);
  const ends: AllowedTermEnd[] = [];
  // The last day of a month, at or before the default end (which already is one when the term starts on the 1st).
  const dayAfter = new Date(defaultEnd + 24 * 60 * 60 * 1000);
  const monthEnd = Date.UTC(dayAfter.getUTCFullYear(), dayAfter.getUTCMonth(), 0);
  if (monthEnd > start) ends.push({ allowedCustomTermEndDate: isoDate(monthEnd), allowedCustomTermEndDateType: 'calendarMonthAligned' });
  for (const subscription of call.context.state.partnerCenter.subscriptionsOf(customerId)) {
    if (!subscription.isNewCommerce || subscription.status !== 'active') continue;
    if (subscription.commitmentEndDate > start && subscription.commitmentEndDate <= defaultEnd) {
      ends.push({
        allowedCustomTermEndDate: isoDate(subscription.commitmentEndDate),
        allowedCustomTermEndDateType: 'subscriptionAligned',
        alignedSubscriptionId: subscription.id,
      });
    }
  }
  return ends;
}

export function parseTermDuration(value: string | null | undefined): TermDuration {
  if (value === 'P1M' || value === 'P1Y' || value === 'P3Y') return value;
  throw new PartnerCenterError(400, 400056, `Invalid input: term duration ${value ?? '(missing)'} must be P1M, P1Y or P3Y.`);
}

/** `GET /v1/customers/{id}/subscriptions/customTermEndDates?term_duration=P1M|P1Y|P3Y[&term_start_date=]`. */
function listCustomTermEndDates(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const { customer } = customerOf(call, parameters.customerId ?? '');
  const duration = parseTermDuration(call.request.query.get('term_duration'));
  const rawStart = call.request.query.get('term_start_date');
  const start = rawStart === null ? call.now : Date.parse(rawStart);
  if (Number.isNaN(start)) throw new PartnerCenterError(400, 400056, 'Invalid input: term_start_date must be a date.');
  return { status: 200, body: collection(call, allowedTermEnds(call, customer.id, duration, start)) };
}

export const customTermEndDatesRoute: PartnerCenterRoute = {
  method: 'GET',
  pattern: /^\/customers\/(?<customerId>[^/]+)\/subscriptions\/customTermEndDates\/?$/i,
  handler: listCustomTermEndDates,
};
