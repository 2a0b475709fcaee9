/**
 * Billing arithmetic, pure (no clock, no database): dates are calendar days in UTC, a term runs
 * from its first day to its last day inclusive (Partner Center's `commitmentEndDate` is the last
 * day), and money is in minor units (cents), rounded to the nearest cent once, at the end.
 */

export type TermDuration = 'P1M' | 'P1Y' | 'P3Y';
const dayMs = 86_400_000;

/** `2026-07-01T13:00:00Z` → the UTC day number of 2026-07-01. */
function dayOf(date: Date | string): number {
  const time = typeof date === 'string' ? Date.parse(date) : date.getTime();
  return Math.floor(time / dayMs);
}

export function isoDay(day: number): string {
  return new Date(day * dayMs).toISOString().slice(0, 10);
}

/** Days from `start` to `end`, both included (1 January to 31 December 2026 = 365). */
export function daysInclusive(start: Date | string, end: Date | string): number {
  return Math.max(0, dayOf(end) - dayOf(start) + 1);
}

/**
 * The last day of a term that starts on `start`: the same day `duration` later, minus one day
 * (1 January + P1Y → 31 December). A start on the 31st rolls over a shorter month as JavaScript's
 * date arithmetic does (31 January + P1M → 2 March), like the emulator; Partner Center's own
 * `commitmentEndDate` is used whenever it gave one.
 */
export function termEndDate(start: Date | string, duration: TermDuration): string {
  const first = new Date(dayOf(start) * dayMs);
  const end = new Date(first);
  if (duration === 'P1M') end.setUTCMonth(end.getUTCMonth() + 1);
  else end.setUTCFullYear(end.getUTCFullYear() + (duration === 'P1Y' ? 1 : 3));
  return isoDay(dayOf(end) - 1);
}

/**
 * The share of a renewal period still ahead on `on` (that day included): 1 July in a term of
 * 1 January – 31 December 2026 is 184/365. 0 after the period, 1 before it.
 */
export function remainingShare(on: Date | string, periodStart: Date | string, periodEnd: Date | string): number {
  const total = daysInclusive(periodStart, periodEnd);
  if (total === 0) return 0;
  const from = Math.max(dayOf(on), dayOf(periodStart));
  const left = Math.max(0, dayOf(periodEnd) - from + 1);
  return Math.min(1, left / total);
}

/** What `quantity` licences cost for `share` of a term priced `unitPriceMinor` each, in cents. */
export function proratedAmount(unitPriceMinor: number, quantity: number, share: number): number {
  return Math.round(unitPriceMinor * quantity * share);
}

export interface IncreaseCharge {
  readonly share: number;
  readonly amountMinor: number;
  readonly periodStart: string;
  readonly periodEnd: string;
}

/**
 * The charge for raising a subscription by `added` licences on `on`: prorated by the share of the
 * renewal period left when the product prorates, otherwise the full term price. A decrease is free.
 *
 * @example
 *   increaseCharge({ unitPriceMinor: 10_000, added: 1, on: '2026-07-01', termStart: '2026-01-01', termEnd: '2026-12-31', prorate: true })
 *   // → { share: 184 / 365, amountMinor: 5041, … }: about 50 € of a 100 € year
 */
export function increaseCharge(input: { unitPriceMinor: number; added: number; on: Date | string; termStart: string; termEnd: string; prorate: boolean }): IncreaseCharge {
  const share = input.added <= 0 ? 0 : input.prorate ? remainingShare(input.on, input.termStart, input.termEnd) : 1;
  return { share, amountMinor: proratedAmount(input.unitPriceMinor, Math.max(0, input.added), share), periodStart: isoDay(Math.max(dayOf(input.on), dayOf(input.termStart))), periodEnd: input.termEnd.slice(0, 10) };
}

/**
 * The charge for a purchase on `on` of a term `duration`, possibly co-termed to `customTermEnd`:
 * the full term price, or the share a shortened (co-termed) term is of a full one.
 */
export function purchaseCharge(input: { unitPriceMinor: number; quantity: number; on: Date | string; duration: TermDuration; customTermEnd?: string | null }): IncreaseCharge {
  const fullEnd = termEndDate(input.on, input.duration);
  const end = input.customTermEnd ? input.customTermEnd.slice(0, 10) : fullEnd;
  const share = Math.min(1, daysInclusive(input.on, end) / daysInclusive(input.on, fullEnd));
  return { share, amountMinor: proratedAmount(input.unitPriceMinor, input.quantity, share), periodStart: isoDay(dayOf(input.on)), periodEnd: end };
}

/** A share as stored and exported: four decimals. */
export function formatShare(share: number): string {
  return share.toFixed(4);
}

/** Cents as a decimal amount: 5041 → "50.41". */
export function formatMinor(amountMinor: number): string {
  const sign = amountMinor < 0 ? '-' : '';
  const absolute = Math.abs(amountMinor);
  return `${sign}${Math.floor(absolute / 100)}.${String(absolute % 100).padStart(2, '0')}`;
}
