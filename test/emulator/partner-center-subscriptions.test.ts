import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessBasic, businessBasicSkuId, control, legacyE3, pcErrorCode, pcRequest, seedCustomer, startPartnerCenterEmulator, type PartnerCenterEmulator } from './partner-center-harness.ts';

/** Subscriptions: etags, NCE 7-day windows (cancel, decrease), min/max, legacy suspend, 202 slow changes and the lock. */
let pc: PartnerCenterEmulator;

beforeAll(async () => {
  pc = await startPartnerCenterEmulator('subscriptioncsp');
});
afterAll(async () => {
  await pc.emulator.close();
});

const day = 24 * 3600;

/** A new customer with one subscription; returns the subscription's path under /v1 and its first GET. */
async function subscribed(name: string, offerId: string, quantity: number, extra: Record<string, unknown> = {}) {
  const customer = seedCustomer(pc, name, { subscriptions: [{ offerId, quantity, billingCycle: 'monthly', ...(offerId === businessBasic ? { termDuration: 'P1M' } : {}), ...extra }] });
  const list = await pcRequest(pc, 'GET', `/customers/${customer.id}/subscriptions`);
  const subscription = (list.body?.items as Record<string, unknown>[])[0] as Record<string, unknown>;
  return { customer, path: `/customers/${customer.id}/subscriptions/${subscription.id as string}`, subscription };
}

const etagOf = (resource: Record<string, unknown> | undefined) => (resource?.attributes as { etag: string }).etag;

describe('new-commerce subscriptions', () => {
  it('shows its windows and refundable seats, and needs the current etag', async () => {
    const { path, subscription } = await subscribed('windows', businessBasic, 10);
    expect(subscription).toMatchObject({ quantity: 10, status: 'active', termDuration: 'P1M', refundableQuantity: { totalQuantity: 10 }, attributes: { objectType: 'Subscription', etag: expect.any(String) } });
    expect(Date.parse(subscription.cancellationAllowedUntilDate as string) - Date.parse(subscription.creationDate as string)).toBe(168 * 3600 * 1000);
    const stale = await pcRequest(pc, 'PATCH', path, { ...subscription, quantity: 11 }, { 'If-Match': 'not-the-etag' });
    expect([stale.status, pcErrorCode(stale)]).toEqual([412, 412]);
    const staleInBody = await pcRequest(pc, 'PATCH', path, { ...subscription, quantity: 11, attributes: { etag: 'old', objectType: 'Subscription' } });
    expect(staleInBody.status).toBe(412);
    const updated = await pcRequest(pc, 'PATCH', path, { ...subscription, quantity: 12 }, { 'If-Match': etagOf(subscription) });
    expect(updated.status).toBe(200);
    expect(updated.body?.quantity).toBe(12);
    expect(etagOf(updated.body)).not.toBe(etagOf(subscription));
  });

  it('decreases seats only within 168 hours of adding them (800090 after), increases any time', async () => {
    const { customer, path } = await subscribed('decreases', businessBasic, 10);
    expect((await pcRequest(pc, 'PATCH', path, { quantity: 8 })).status).toBe(200);
    expect(pc.emulator.state.tenants.get(customer.id)?.skus.get(businessBasicSkuId)?.enabledUnits).toBe(8);
    await control(pc, 'POST', '/clock', { advanceSeconds: 8 * day });
    const late = await pcRequest(pc, 'PATCH', path, { quantity: 7 });
    expect([late.status, pcErrorCode(late)]).toEqual([400, 800090]);
    const increased = await pcRequest(pc, 'PATCH', path, { quantity: 11 });
    expect(increased.body?.refundableQuantity).toMatchObject({ totalQuantity: 3, details: [{ quantity: 3, allowedUntilDateTime: expect.any(String) }] });
    expect((await pcRequest(pc, 'PATCH', path, { quantity: 9 })).status).toBe(200);
    const belowAdded = await pcRequest(pc, 'PATCH', path, { quantity: 7 });
    expect([belowAdded.status, pcErrorCode(belowAdded)]).toEqual([400, 800090]);
  });

  it('cancels with status deleted inside the window, and answers 900117 after it', async () => {
    const inside = await subscribed('cancelnow', businessBasic, 4);
    const cancelled = await pcRequest(pc, 'PATCH', inside.path, { ...inside.subscription, status: 'deleted' });
    expect(cancelled.body).toMatchObject({ status: 'deleted', autoRenewEnabled: false });
    expect(pc.emulator.state.tenants.get(inside.customer.id)?.skus.get(businessBasicSkuId)?.enabledUnits).toBe(0);
    expect((await pcRequest(pc, 'PATCH', inside.path, { quantity: 5 })).status).toBe(400);
    const outside = await subscribed('cancellate', businessBasic, 4, { purchasedDaysAgo: 8 });
    const refused = await pcRequest(pc, 'PATCH', outside.path, { status: 'deleted' });
    expect([refused.status, pcErrorCode(refused)]).toEqual([400, 900117]);
    const suspend = await pcRequest(pc, 'PATCH', outside.path, { status: 'suspended' });
    expect([suspend.status, pcErrorCode(suspend)]).toEqual([400, 3000]);
  });

  it('enforces min/max on quantity and next-term instructions; sets auto-renew', async () => {
    const { path } = await subscribed('bounds', businessBasic, 2);
    const zero = await pcRequest(pc, 'PATCH', path, { quantity: 0 });
    expect([zero.status, pcErrorCode(zero)]).toEqual([400, 2002]);
    const tooMany = await pcRequest(pc, 'PATCH', path, { quantity: 301 });
    expect([tooMany.status, pcErrorCode(tooMany)]).toEqual([400, 2002]);
    const badNext = await pcRequest(pc, 'PATCH', path, { scheduledNextTermInstructions: { quantity: 400 } });
    expect([badNext.status, pcErrorCode(badNext)]).toEqual([400, 2002]);
    const instructions = { product: { productId: 'CFQ7TTC0LH18', skuId: '0001', availabilityId: 'CFQ7TTC0K971', billingCycle: 'monthly', termDuration: 'P1M' }, quantity: 1 };
    const updated = await pcRequest(pc, 'PATCH', path, { autoRenewEnabled: false, scheduledNextTermInstructions: instructions });
    expect(updated.body).toMatchObject({ autoRenewEnabled: false, scheduledNextTermInstructions: instructions });
    const missing = await pcRequest(pc, 'GET', path.replace(/[^/]+$/, '00000000-0000-0000-0000-000000000000'));
    expect([missing.status, pcErrorCode(missing)]).toEqual([404, 20003]);
  });
});

describe('slow quantity changes', () => {
  it('answers 202, is pending and locked (409 800060) until provisioning completes', async () => {
    const { customer, path } = await subscribed('slowly', businessBasic, 3);
    await control(pc, 'PUT', `/partner-center/partners/${pc.partner.id}/slow-changes`, { share: 1, seconds: 60 });
    const accepted = await pcRequest(pc, 'PATCH', path, { quantity: 6 });
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get('location')).toBe(`/v1${path}`);
    expect((await pcRequest(pc, 'GET', path)).body).toMatchObject({ status: 'pending', quantity: 3 });
    expect((await pcRequest(pc, 'GET', `${path}/provisioningstatus`)).body).toMatchObject({ status: 'pending', quantity: 6 });
    const locked = await pcRequest(pc, 'PATCH', path, { quantity: 7 });
    expect([locked.status, pcErrorCode(locked)]).toEqual([409, 800060]);
    await control(pc, 'PUT', `/partner-center/partners/${pc.partner.id}/slow-changes`, { share: 0 });
    await control(pc, 'POST', '/clock', { advanceSeconds: 61 });
    expect((await pcRequest(pc, 'GET', path)).body).toMatchObject({ status: 'active', quantity: 6 });
    expect((await pcRequest(pc, 'GET', `${path}/provisioningstatus`)).body?.status).toBe('success');
    expect(pc.emulator.state.tenants.get(customer.id)?.skus.get(businessBasicSkuId)?.enabledUnits).toBe(6);
  });

  it('makes the configured share of changes slow', async () => {
    const { path } = await subscribed('halfslow', businessBasic, 1);
    await control(pc, 'PUT', `/partner-center/partners/${pc.partner.id}/slow-changes`, { share: 0.5, seconds: 1 });
    const statuses: number[] = [];
    for (const quantity of [2, 3, 4, 5]) {
      statuses.push((await pcRequest(pc, 'PATCH', path, { quantity })).status);
      await control(pc, 'POST', '/clock', { advanceSeconds: 2 });
    }
    expect(statuses).toEqual([200, 202, 200, 202]);
    await control(pc, 'PUT', `/partner-center/partners/${pc.partner.id}/slow-changes`, { share: 0 });
  });
});

describe('legacy subscriptions', () => {
  it('suspends and reactivates; quantity cannot change while suspended or together with the status', async () => {
    const { path } = await subscribed('legacy', legacyE3, 5);
    const both = await pcRequest(pc, 'PATCH', path, { status: 'suspended', quantity: 6 });
    expect([both.status, pcErrorCode(both)]).toEqual([400, 2001]);
    expect((await pcRequest(pc, 'PATCH', path, { status: 'suspended' })).body?.status).toBe('suspended');
    const whileSuspended = await pcRequest(pc, 'PATCH', path, { quantity: 6 });
    expect([whileSuspended.status, pcErrorCode(whileSuspended)]).toEqual([400, 800091]);
    expect((await pcRequest(pc, 'PATCH', path, { status: 'active' })).body?.status).toBe('active');
    await control(pc, 'POST', '/clock', { advanceSeconds: 30 * day });
    expect((await pcRequest(pc, 'PATCH', path, { quantity: 2 })).body?.quantity).toBe(2);
  });
});
