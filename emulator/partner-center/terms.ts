import type { SeatLot, Subscription, TermDuration } from './model.ts';

/** NCE's cancellation and seat-reduction window: 7 days (168 hours) from when seats were added. */
export const adjustmentWindowMilliseconds = 168 * 60 * 60 * 1000;
const dayMilliseconds = 24 * 60 * 60 * 1000;

/** The last day of a term starting on `start` (UTC midnight): start + duration − 1 day. */
export function termEnd(start: number, duration: TermDuration): number {
  const date = new Date(start);
  const day = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  const end = new Date(day);
  if (duration === 'P1M') end.setUTCMonth(end.getUTCMonth() + 1);
  else end.setUTCFullYear(end.getUTCFullYear() + (duration === 'P1Y' ? 1 : 3));
  return end.getTime() - dayMilliseconds;
}

export function isoDate(time: number): string {
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Seats still inside their 168-hour window, newest first (the ones a decrease gives back). */
export function refundableLots(subscription: Subscription, now: number): SeatLot[] {
  if (!subscription.isNewCommerce) return [];
  return subscription.seatLots.filter((lot) => now < lot.addedAt + adjustmentWindowMilliseconds).reverse();
}

export function cancellationAllowedUntil(subscription: Subscription): number {
  return subscription.termStart + adjustmentWindowMilliseconds;
}

/** Sets the quantity: an increase is a new lot at `at`; a decrease takes seats from the newest lots. */
export function applyQuantity(subscription: Subscription, quantity: number, at: number): void {
  let change = quantity - subscription.quantity;
  if (change > 0) subscription.seatLots.push({ quantity: change, addedAt: at });
  for (let index = subscription.seatLots.length - 1; change < 0 && index >= 0; index--) {
    const lot = subscription.seatLots[index] as SeatLot;
    const taken = Math.min(lot.quantity, -change);
    lot.quantity -= taken;
    change += taken;
  }
  subscription.seatLots = subscription.seatLots.filter((lot) => lot.quantity > 0);
  subscription.quantity = quantity;
}
