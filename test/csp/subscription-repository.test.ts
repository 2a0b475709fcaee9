import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCustomer } from '../../csp/data/customers.ts';
import { insertPartner } from '../../csp/data/partners.ts';
import {
  findLiveSubscriptionOfOffer, findSubscriptionByRef, insertBillingLine, insertOrderingSubscription, licencesOfCustomer, listBillingLines, listLegacyDueForDeletion, lockForChange, moveChange, openChanges, releaseSubscription, setChangeCart, updateSubscriptionIf, type NewSubscription,
} from '../../csp/data/subscriptions.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { testPartner } from './partner-fixture.ts';

const offer = 'CFQ7TTC0LH18:0001:CFQ7TTC0K971';
const at = (day: number) => new Date(Date.UTC(2026, 0, day));

/** Subscriptions, their changes and billing lines behave the same on SQLite and PostgreSQL. */
describe.each(dialects)('CSP subscription repository on %s', (dialect) => {
  let database: TestDatabase;
  let partnerId: string;
  let customerId: string;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    partnerId = (await insertPartner(database.db, testPartner('alpha', { isDefault: true })))!.id;
    customerId = (await insertCustomer(database.db, { partnerId, tenantId: '33333333-3333-3333-3333-333333333333', domain: 'fabrikam.onmicrosoft.com', companyName: 'Fabrikam', country: 'US', email: null, resellerId: null, organizationId: null, source: 'created' }))!.id;
  });
  afterAll(async () => {
    await database.drop();
  });

  const subscription = (overrides: Partial<NewSubscription> = {}): NewSubscription => ({
    partnerId, customerId, offerId: offer, offerName: 'Microsoft 365 Business Basic', isNewCommerce: 1, licenceSkuId: null, minimumQuantity: 1, maximumQuantity: 300,
    billingCycle: 'monthly', termDuration: 'P1M', name: 'Basic', quantity: 3, unitPriceMinor: 600, ...overrides,
  });

  it('keeps one ordering-or-active subscription per offer per customer by its unique index, with the order change and its request ids', async () => {
    const first = await insertOrderingSubscription(database.db, subscription(), { kind: 'order', cartRequestId: 'cart-req-1', requestedBy: 'cli:test', input: '{"quantity":3}' }, at(1));
    expect(first?.subscription).toMatchObject({ status: 'ordering', quantity: 3, lockedByChange: null, refundableQuantity: 0, autoRenew: 1, currency: 'USD', prorate: 1 });
    expect(first?.change).toMatchObject({ kind: 'order', state: 'queued', cartRequestId: 'cart-req-1', cartId: null });
    expect(first!.change.requestId).toMatch(/^[0-9a-f-]{36}$/);
    // A second order of the same offer makes nothing: the index refuses it, nothing half-written.
    expect(await insertOrderingSubscription(database.db, subscription({ quantity: 9 }), { kind: 'order', requestedBy: 'cli:test' }, at(1))).toBeUndefined();
    const changes = await database.db.selectFrom('cspSubscriptionChanges').selectAll().execute();
    expect(changes).toHaveLength(1);
    expect((await findLiveSubscriptionOfOffer(database.db, customerId, offer))?.id).toBe(first!.subscription.id);
    // A failed order frees the offer for a new one.
    await database.db.updateTable('cspSubscriptions').set({ status: 'failed' }).where('id', '=', first!.subscription.id).execute();
    const again = await insertOrderingSubscription(database.db, subscription({ id: 'sub-2', lockedByChange: 'order-2' }), { id: 'order-2', kind: 'order', requestedBy: 'cli:test' }, at(2));
    expect(again?.subscription.id).toBe('sub-2');
  });

  it('moves a change only from the state it is in (compare-and-set), records the cart once', async () => {
    const [order] = await openChanges(database.db, 'sub-2');
    expect(await moveChange(database.db, order!.id, ['queued'], 'submitted', at(2))).toBe(true);
    expect(await moveChange(database.db, order!.id, ['queued'], 'submitted', at(2))).toBe(false);
    await setChangeCart(database.db, order!.id, 'cart-1', at(2));
    await setChangeCart(database.db, order!.id, 'cart-2', at(2));
    expect((await openChanges(database.db, 'sub-2'))[0]).toMatchObject({ state: 'submitted', cartId: 'cart-1' });
    // Only the change holding the lock completes the order.
    expect(await releaseSubscription(database.db, 'sub-2', 'someone-else', { status: 'active' }, at(2), 'ordering')).toBe(false);
    expect(await releaseSubscription(database.db, 'sub-2', 'order-2', { status: 'active', partnerCenterId: 'pc-sub-2', termStartDate: '2026-01-02T00:00:00Z', commitmentEndDate: '2026-02-01T00:00:00Z' }, at(2), 'ordering')).toBe(true);
    expect(await moveChange(database.db, order!.id, ['submitted'], 'succeeded', at(2))).toBe(true);
    expect(await openChanges(database.db, 'sub-2')).toEqual([]);
    expect((await findSubscriptionByRef(database.db, 'PC-SUB-2'))?.id).toBe('sub-2');
  });

  it('locks a subscription for one change at a time', async () => {
    const first = await lockForChange(database.db, 'sub-2', { kind: 'quantity', input: '{"quantity":5}', previousQuantity: 3, requestedBy: 'cli:test' }, at(3));
    expect(first).toMatchObject({ kind: 'quantity', state: 'queued', previousQuantity: 3 });
    expect(await lockForChange(database.db, 'sub-2', { kind: 'terminate', requestedBy: 'cli:test' }, at(3))).toBeUndefined();
    expect((await openChanges(database.db, 'sub-2')).map((change) => change.kind)).toEqual(['quantity']);
    expect(await releaseSubscription(database.db, 'sub-2', first!.id, { quantity: 5 }, at(3))).toBe(true);
    expect(await lockForChange(database.db, 'sub-2', { kind: 'terminate', requestedBy: 'cli:test' }, at(3))).toBeDefined();
  });

  it('counts the customer\'s licences for the cap, and finds legacy subscriptions due for deletion', async () => {
    expect(await licencesOfCustomer(database.db, customerId)).toBe(5);
    expect(await licencesOfCustomer(database.db, customerId, 'sub-2')).toBe(0);
    await insertOrderingSubscription(database.db, subscription({ id: 'legacy-1', offerId: 'LEGACY-GUID', isNewCommerce: 0, quantity: 2 }), { kind: 'order', requestedBy: 'cli:test' }, at(4));
    await database.db.updateTable('cspSubscriptions').set({ status: 'suspended', deleteAfter: at(20).toISOString() }).where('id', '=', 'legacy-1').execute();
    expect(await listLegacyDueForDeletion(database.db, at(19))).toEqual([]);
    expect((await listLegacyDueForDeletion(database.db, at(20))).map((row) => row.id)).toEqual(['legacy-1']);
    expect(await updateSubscriptionIf(database.db, 'legacy-1', 'suspended', { status: 'deleted' }, at(20))).toBe(true);
    expect(await updateSubscriptionIf(database.db, 'legacy-1', 'suspended', { status: 'deleted' }, at(20))).toBe(false);
  });

  it('writes one billing line per change and lists them since a date', async () => {
    const line = { partnerId, customerId, subscriptionId: 'sub-2', changeId: 'order-2', kind: 'purchase' as const, offerId: offer, description: 'Basic: 3 × P1M monthly', quantity: 3, unitPriceMinor: 600, share: '1.0000', amountMinor: 1800, currency: 'USD', periodStart: '2026-01-02', periodEnd: '2026-02-01' };
    await insertBillingLine(database.db, line, at(2));
    await insertBillingLine(database.db, { ...line, amountMinor: 99 }, at(2));
    const lines = await listBillingLines(database.db, partnerId);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ amountMinor: 1800, share: '1.0000', createdAt: at(2).toISOString() });
    expect(await listBillingLines(database.db, partnerId, at(3))).toEqual([]);
  });
});
