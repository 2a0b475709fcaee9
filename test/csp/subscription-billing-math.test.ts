import { describe, expect, it } from 'vitest';
import { coTermEnd, orderTerms, type ExistingSubscription } from '../../csp/subscriptions/alignment.ts';
import { daysInclusive, formatMinor, increaseCharge, purchaseCharge, remainingShare, termEndDate } from '../../csp/subscriptions/proration.ts';

/** Proration and co-terming as worked examples: pure functions, no clock, no database. */
describe('term end dates', () => {
  it.each([
    ['2026-01-01', 'P1Y', '2026-12-31'],
    ['2026-01-01', 'P1M', '2026-01-31'],
    ['2026-02-01', 'P1M', '2026-02-28'],
    ['2028-02-01', 'P1M', '2028-02-29'], // leap year
    ['2028-02-29', 'P1Y', '2029-02-28'], // 29 February + 1 year rolls to 1 March, minus one day
    ['2026-01-31', 'P1M', '2026-03-02'], // 31 February rolls over, as the emulator's terms do
    ['2026-07-15', 'P3Y', '2029-07-14'],
  ] as const)('%s + %s ends on %s', (start, duration, end) => {
    expect(termEndDate(start, duration)).toBe(end);
  });

  it('counts days inclusively, leap years included', () => {
    expect(daysInclusive('2026-01-01', '2026-12-31')).toBe(365);
    expect(daysInclusive('2028-01-01', '2028-12-31')).toBe(366);
    expect(daysInclusive('2026-02-01T10:00:00Z', '2026-02-28T00:00:00Z')).toBe(28);
  });
});

describe('increase charges', () => {
  it.each([
    // The worked example: 1 seat bought 1 January at 100 € a year, raised to 2 on 1 July.
    { name: 'annual, half way (1 July)', unit: 10_000, added: 1, on: '2026-07-01', start: '2026-01-01', end: '2026-12-31', prorate: true, share: 184 / 365, amount: 5041 },
    { name: 'annual in a leap year, 1 July', unit: 10_000, added: 1, on: '2028-07-01', start: '2028-01-01', end: '2028-12-31', prorate: true, share: 184 / 366, amount: 5027 },
    { name: 'annual, first day: the whole year', unit: 10_000, added: 3, on: '2026-01-01', start: '2026-01-01', end: '2026-12-31', prorate: true, share: 1, amount: 30_000 },
    { name: 'annual, last day: one day', unit: 36_500, added: 1, on: '2026-12-31', start: '2026-01-01', end: '2026-12-31', prorate: true, share: 1 / 365, amount: 100 },
    { name: 'monthly term in February (28 days), on the 15th', unit: 600, added: 2, on: '2026-02-15', start: '2026-02-01', end: '2026-02-28', prorate: true, share: 14 / 28, amount: 600 },
    { name: 'monthly term in a 31-day month, on the 16th', unit: 3100, added: 1, on: '2026-03-16', start: '2026-03-01', end: '2026-03-31', prorate: true, share: 16 / 31, amount: 1600 },
    { name: 'monthly term in leap February, on the 15th', unit: 2900, added: 1, on: '2028-02-15', start: '2028-02-01', end: '2028-02-29', prorate: true, share: 15 / 29, amount: 1500 },
    { name: 'a product that does not prorate: full term', unit: 10_000, added: 1, on: '2026-07-01', start: '2026-01-01', end: '2026-12-31', prorate: false, share: 1, amount: 10_000 },
    { name: 'a decrease is free', unit: 10_000, added: -2, on: '2026-07-01', start: '2026-01-01', end: '2026-12-31', prorate: true, share: 0, amount: 0 },
    { name: 'after the term: nothing left', unit: 10_000, added: 1, on: '2027-01-05', start: '2026-01-01', end: '2026-12-31', prorate: true, share: 0, amount: 0 },
  ])('$name', ({ unit, added, on, start, end, prorate, share, amount }) => {
    const charge = increaseCharge({ unitPriceMinor: unit, added, on, termStart: start, termEnd: end, prorate });
    expect(charge.share).toBeCloseTo(share, 10);
    expect(charge.amountMinor).toBe(amount);
  });

  it('the worked example is about 50 €', () => {
    const charge = increaseCharge({ unitPriceMinor: 10_000, added: 1, on: '2026-07-01T09:30:00Z', termStart: '2026-01-01T00:00:00Z', termEnd: '2026-12-31T00:00:00Z', prorate: true });
    expect(formatMinor(charge.amountMinor)).toBe('50.41');
    expect([charge.periodStart, charge.periodEnd]).toEqual(['2026-07-01', '2026-12-31']);
  });

  it('shares stay within 0 and 1', () => {
    expect(remainingShare('2025-12-01', '2026-01-01', '2026-12-31')).toBe(1);
    expect(remainingShare('2027-01-01', '2026-01-01', '2026-12-31')).toBe(0);
  });
});

describe('purchase charges, co-termed or not', () => {
  it.each([
    { name: 'annual, full term', unit: 10_000, quantity: 2, on: '2026-01-01', duration: 'P1Y' as const, custom: null, share: 1, amount: 20_000, end: '2026-12-31' },
    { name: 'annual co-termed to 30 June (181 of 365 days)', unit: 10_000, quantity: 1, on: '2026-01-01', duration: 'P1Y' as const, custom: '2026-06-30T00:00:00Z', share: 181 / 365, amount: 4959, end: '2026-06-30' },
    { name: 'annual bought 1 July in a leap year, co-termed to 31 December', unit: 10_000, quantity: 1, on: '2027-07-01', duration: 'P1Y' as const, custom: '2027-12-31', share: 184 / 366, amount: 5027, end: '2027-12-31' },
    { name: 'monthly bought 10 March, co-termed to 31 March', unit: 600, quantity: 10, on: '2026-03-10', duration: 'P1M' as const, custom: '2026-03-31', share: 22 / 31, amount: 4258, end: '2026-03-31' },
  ])('$name', ({ unit, quantity, on, duration, custom, share, amount, end }) => {
    const charge = purchaseCharge({ unitPriceMinor: unit, quantity, on, duration, customTermEnd: custom });
    expect(charge.share).toBeCloseTo(share, 10);
    expect(charge.amountMinor).toBe(amount);
    expect(charge.periodEnd).toBe(end);
  });
});

describe('aligned renewals', () => {
  const existing = (overrides: Partial<ExistingSubscription> = {}): ExistingSubscription => ({
    partnerCenterId: 'sub-1', isNewCommerce: true, status: 'active', termDuration: 'P1Y', billingCycle: 'annual', commitmentEndDate: '2026-12-31T00:00:00Z', createdAt: '2026-01-01T00:00:00Z', ...overrides,
  });
  const allowed = [
    { allowedCustomTermEndDate: '2027-06-30T00:00:00Z', allowedCustomTermEndDateType: 'calendarMonthAligned' },
    { allowedCustomTermEndDate: '2026-12-31T00:00:00Z', allowedCustomTermEndDateType: 'subscriptionAligned', alignedSubscriptionId: 'sub-1' },
  ];

  it('co-terms with the first purchase when Partner Center allows its end date', () => {
    expect(coTermEnd(allowed, [existing()])).toBe('2026-12-31T00:00:00Z');
  });
  it('matches by day when Partner Center names no subscription', () => {
    expect(coTermEnd([{ allowedCustomTermEndDate: '2026-12-31T00:00:00Z' }], [existing({ partnerCenterId: null })])).toBe('2026-12-31T00:00:00Z');
  });
  it('takes the oldest active new-commerce subscription, not a later or legacy or cancelled one', () => {
    const subscriptions = [
      existing({ partnerCenterId: 'later', commitmentEndDate: '2027-06-30T00:00:00Z', createdAt: '2026-03-01T00:00:00Z' }),
      existing({ partnerCenterId: 'legacy', isNewCommerce: false, createdAt: '2025-01-01T00:00:00Z', commitmentEndDate: '2025-12-31T00:00:00Z' }),
      existing({ partnerCenterId: 'gone', status: 'deleted', createdAt: '2025-06-01T00:00:00Z' }),
      existing(),
    ];
    expect(coTermEnd(allowed, subscriptions)).toBe('2026-12-31T00:00:00Z');
  });
  it('has nothing to align with when the customer has no subscription, or the date is not allowed', () => {
    expect(coTermEnd(allowed, [])).toBeUndefined();
    expect(coTermEnd([allowed[0]!], [existing()])).toBeUndefined();
  });
  it('gives later orders the renewal period of the first purchase unless asked otherwise', () => {
    expect(orderTerms({}, true, [existing()])).toEqual({ term: 'P1Y', billing: 'annual' });
    expect(orderTerms({ billing: 'monthly' }, true, [existing()])).toEqual({ term: 'P1Y', billing: 'monthly' });
    expect(orderTerms({}, false, [existing()])).toEqual({ term: 'P1M', billing: 'monthly' });
    expect(orderTerms({}, true, [])).toEqual({ term: 'P1M', billing: 'monthly' });
  });
});
