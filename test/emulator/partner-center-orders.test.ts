import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchAccessToken, graphRequest } from './harness.ts';
import { businessBasic, businessBasicSkuId, control, legacyE3, pcErrorCode, pcRequest, seedCustomer, startPartnerCenterEmulator, type PartnerCenterEmulator } from './partner-center-harness.ts';

/** Catalog, co-terming dates, orders and carts: MCA enforcement, MS-RequestId replay, validation errors, the licence pool. */
let pc: PartnerCenterEmulator;
let customerId: string;

beforeAll(async () => {
  pc = await startPartnerCenterEmulator('ordercsp');
  customerId = seedCustomer(pc, 'buyer').id;
});
afterAll(async () => {
  await pc.emulator.close();
});

describe('catalog', () => {
  it('lists legacy offers, NCE products, SKUs and availabilities with terms', async () => {
    const offers = await pcRequest(pc, 'GET', '/offers?country=US');
    expect(offers.body?.items).toEqual([expect.objectContaining({ id: legacyE3, minimumQuantity: 1, maximumQuantity: 100, billing: 'license', attributes: { objectType: 'Offer' } })]);
    const products = await pcRequest(pc, 'GET', '/products?country=US&targetView=OnlineServices&targetSegment=commercial');
    expect(products.body?.items).toEqual([expect.objectContaining({ id: 'CFQ7TTC0LH18', productType: { id: 'OnlineServicesNCE', displayName: 'OnlineServicesNCE' } })]);
    const skus = await pcRequest(pc, 'GET', '/products/CFQ7TTC0LH18/skus?country=US');
    expect(skus.body?.items).toEqual([expect.objectContaining({ id: '0001', minimumQuantity: 1, maximumQuantity: 300, supportedBillingCycles: ['monthly', 'annual'] })]);
    const availabilities = await pcRequest(pc, 'GET', '/products/CFQ7TTC0LH18/skus/0001/availabilities?country=US');
    const availability = (availabilities.body?.items as Record<string, unknown>[])[0];
    expect(availability).toMatchObject({ catalogItemId: businessBasic, termsOfServiceLink: expect.stringMatching(/^https:/) });
    expect(availability?.terms).toEqual([
      expect.objectContaining({ duration: 'P1M', billingCycle: 'monthly', prorateImmediately: true }),
      expect.objectContaining({ duration: 'P1Y', billingCycle: 'annual' }),
    ]);
  });

  it('answers the documented catalog errors', async () => {
    const noCountry = await pcRequest(pc, 'GET', '/offers');
    expect([noCountry.status, pcErrorCode(noCountry)]).toEqual([400, 400056]);
    const segment = await pcRequest(pc, 'GET', '/products?country=US&targetView=OnlineServices&targetSegment=government');
    expect([segment.status, pcErrorCode(segment)]).toEqual([403, 400030]);
    const missing = await pcRequest(pc, 'GET', '/products/NOPE/skus?country=US');
    expect([missing.status, pcErrorCode(missing)]).toEqual([404, 400013]);
    const market = await pcRequest(pc, 'GET', '/offers?country=FR');
    expect([market.status, pcErrorCode(market)]).toEqual([403, 2030]);
  });
});

const nceLine = (quantity: number, extra: Record<string, unknown> = {}) => ({ LineItemNumber: 0, OfferId: businessBasic, Quantity: quantity, TermDuration: 'P1M', FriendlyName: 'Basic', ...extra });

describe('orders', () => {
  it('refuses to order for a customer without an accepted MCA (403 13605)', async () => {
    const noMca = seedCustomer(pc, 'nomca', { mcaAccepted: false });
    const result = await pcRequest(pc, 'POST', `/customers/${noMca.id}/orders`, { BillingCycle: 'monthly', LineItems: [nceLine(1)] });
    expect([result.status, pcErrorCode(result)]).toEqual([403, 13605]);
    expect(result.body?.description).toMatch(/Microsoft Customer Agreement/);
  });

  it('creates an NCE order whose subscription feeds Graph subscribedSkus; a retry with the same MS-RequestId creates nothing new', async () => {
    const headers = { 'MS-RequestId': '6d1f7c52-0a41-4d9e-9a55-1b0c7d51f001', 'MS-CorrelationId': 'order-correlation' };
    const first = await pcRequest(pc, 'POST', `/customers/${customerId}/orders`, { BillingCycle: 'monthly', LineItems: [nceLine(5)] }, headers);
    expect(first.status).toBe(201);
    expect(first.headers.get('ms-correlationid')).toBe('order-correlation');
    expect(first.body).toMatchObject({ referenceCustomerId: customerId, billingCycle: 'monthly', status: 'completed', attributes: { objectType: 'Order' } });
    const line = (first.body?.lineItems as Record<string, unknown>[])[0];
    expect(line).toMatchObject({ offerId: businessBasic, quantity: 5, termDuration: 'P1M', transactionType: 'New', subscriptionId: expect.any(String) });
    const retry = await pcRequest(pc, 'POST', `/customers/${customerId}/orders`, { BillingCycle: 'monthly', LineItems: [nceLine(5)] }, headers);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect((await pcRequest(pc, 'GET', `/customers/${customerId}/subscriptions`)).body?.totalCount).toBe(1);
    expect((await pcRequest(pc, 'GET', `/customers/${customerId}/orders/${first.body?.id as string}`)).body?.id).toBe(first.body?.id);

    const tenant = pc.emulator.state.tenants.get(customerId);
    expect(tenant?.skus.get(businessBasicSkuId)?.enabledUnits).toBe(5);
    const consent = { applicationId: pc.appId, applicationGrants: [{ enterpriseApplicationId: '00000003-0000-0000-c000-000000000000', scope: 'Organization.Read.All' }] };
    expect((await pcRequest(pc, 'POST', `/customers/${customerId}/applicationconsents`, consent)).status).toBe(201);
    const token = await fetchAccessToken(pc.emulator, { tenant: tenant as never, clientId: pc.appId, clientSecret: 'partner-secret' });
    const skus = await graphRequest(pc.emulator, token, 'GET', '/subscribedSkus');
    expect(skus.body?.value).toEqual([expect.objectContaining({ skuId: businessBasicSkuId, prepaidUnits: expect.objectContaining({ enabled: 5 }) })]);
  });

  it('answers a retry after a lost response with the order placed the first time', async () => {
    const buyer = seedCustomer(pc, 'lostanswer');
    await control(pc, 'POST', '/faults', { pathPattern: `^/v1/customers/${buyer.id}/orders$`, method: 'POST', dropConnection: 'after' });
    const headers = { 'MS-RequestId': '3f2e1d0c-9b8a-4765-a432-10fedcba9876' };
    const body = { billingCycle: 'monthly', lineItems: [nceLine(2)] };
    await expect(pcRequest(pc, 'POST', `/customers/${buyer.id}/orders`, body, headers)).rejects.toThrow();
    const retry = await pcRequest(pc, 'POST', `/customers/${buyer.id}/orders`, body, headers);
    expect(retry.status).toBe(201);
    expect((await pcRequest(pc, 'GET', `/customers/${buyer.id}/orders`)).body?.totalCount).toBe(1);
    const fresh = await pcRequest(pc, 'POST', `/customers/${buyer.id}/orders`, body, { 'MS-RequestId': '4a3b2c1d-0e9f-4876-b543-21fedcba9876' });
    expect(fresh.body?.id).not.toBe(retry.body?.id);
  });

  it('creates a legacy order from an offer GUID', async () => {
    const result = await pcRequest(pc, 'POST', `/customers/${customerId}/orders`, { billingCycle: 'annual', lineItems: [{ lineItemNumber: 0, offerId: legacyE3, quantity: 3 }] });
    expect(result.status).toBe(201);
    const subscription = await pcRequest(pc, 'GET', `/customers/${customerId}/subscriptions/${(result.body?.lineItems as { subscriptionId: string }[])[0]?.subscriptionId ?? ''}`);
    expect(subscription.body).toMatchObject({ offerId: legacyE3, billingCycle: 'annual', termDuration: 'P1Y', status: 'active' });
    expect(subscription.body?.cancellationAllowedUntilDate).toBeUndefined();
  });

  it('answers 800004 for an unknown offer or term, 2002 outside min/max, 400 for a bad co-term date', async () => {
    const order = (line: Record<string, unknown>) => pcRequest(pc, 'POST', `/customers/${customerId}/orders`, { billingCycle: 'monthly', lineItems: [line] });
    const unknown = await order(nceLine(1, { OfferId: 'CFQ7TTC0LH18:0001:GONE' }));
    expect([unknown.status, pcErrorCode(unknown)]).toEqual([400, 800004]);
    const wrongTerm = await order(nceLine(1, { TermDuration: 'P3Y' }));
    expect([wrongTerm.status, pcErrorCode(wrongTerm)]).toEqual([400, 800004]);
    const tooMany = await order(nceLine(301));
    expect([tooMany.status, pcErrorCode(tooMany)]).toEqual([400, 2002]);
    const badDate = await order(nceLine(1, { CustomTermEndDate: '2031-01-01T00:00:00Z' }));
    expect([badDate.status, pcErrorCode(badDate)]).toEqual([400, 800002]);
  });

  it('offers co-terming dates and accepts one on a new line', async () => {
    const annual = await pcRequest(pc, 'GET', `/customers/${customerId}/subscriptions/customTermEndDates?term_duration=P1Y`);
    const items = annual.body?.items as { allowedCustomTermEndDate: string; allowedCustomTermEndDateType: string; alignedSubscriptionId?: string }[];
    expect(items.map((item) => item.allowedCustomTermEndDateType)).toEqual(['calendarMonthAligned', 'subscriptionAligned']);
    const aligned = items[1] as { allowedCustomTermEndDate: string };
    const result = await pcRequest(pc, 'POST', `/customers/${customerId}/orders`, { billingCycle: 'annual', lineItems: [{ offerId: businessBasic, quantity: 1, termDuration: 'P1Y', customTermEndDate: aligned.allowedCustomTermEndDate }] });
    expect(result.status).toBe(201);
    const subscriptionId = (result.body?.lineItems as { subscriptionId: string }[])[0]?.subscriptionId ?? '';
    expect((await pcRequest(pc, 'GET', `/customers/${customerId}/subscriptions/${subscriptionId}`)).body?.commitmentEndDate).toBe(aligned.allowedCustomTermEndDate);
    const invalid = await pcRequest(pc, 'GET', `/customers/${customerId}/subscriptions/customTermEndDates?term_duration=P2Y`);
    expect([invalid.status, pcErrorCode(invalid)]).toEqual([400, 400056]);
  });
});

describe('carts', () => {
  it('creates, updates and checks out a cart once; a replayed checkout returns the first result', async () => {
    const created = await pcRequest(pc, 'POST', `/customers/${customerId}/carts`, { lineItems: [{ id: 0, catalogItemId: businessBasic, quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' }] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'Active', lastModifiedUser: pc.agentUserId, attributes: { objectType: 'Cart' } });
    const cartId = created.body?.id as string;
    const updated = await pcRequest(pc, 'PUT', `/customers/${customerId}/carts/${cartId}`, { lineItems: [{ id: 0, catalogItemId: businessBasic, quantity: 2, billingCycle: 'monthly', termDuration: 'P1M' }] });
    expect((updated.body?.lineItems as { quantity: number }[])[0]?.quantity).toBe(2);
    const before = pc.emulator.state.partnerCenter.subscriptions.size;
    const headers = { 'MS-RequestId': '0c9b4f3e-2d1a-4b5c-8e7f-6a5b4c3d2e1f' };
    const checkout = await pcRequest(pc, 'POST', `/customers/${customerId}/carts/${cartId}/checkout`, undefined, headers);
    expect(checkout.status).toBe(201);
    expect(checkout.body).toMatchObject({ orderErrors: [], attributes: { objectType: 'CartCheckoutResult' } });
    expect((checkout.body?.orders as { lineItems: { quantity: number }[] }[])[0]?.lineItems[0]?.quantity).toBe(2);
    expect((await pcRequest(pc, 'POST', `/customers/${customerId}/carts/${cartId}/checkout`, undefined, headers)).body).toEqual(checkout.body);
    expect(pc.emulator.state.partnerCenter.subscriptions.size).toBe(before + 1);
    const twice = await pcRequest(pc, 'POST', `/customers/${customerId}/carts/${cartId}/checkout`);
    expect([twice.status, pcErrorCode(twice)]).toEqual([400, 800065]);
  });

  it('with MS-RequestId replay switched off, a retried checkout is a new call: 400 800065, nothing placed twice', async () => {
    const cart = await pcRequest(pc, 'POST', `/customers/${customerId}/carts`, { lineItems: [{ id: 0, catalogItemId: businessBasic, quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' }] });
    const headers = { 'MS-RequestId': '9e8d7c6b-5a49-4382-a716-0f1e2d3c4b5a' };
    const switched = await control(pc, 'PUT', `/partner-center/partners/${pc.partner.id}/request-id-replay`, { enabled: false });
    expect(await switched.json()).toEqual({ enabled: false });
    try {
      const before = pc.emulator.state.partnerCenter.orders.size;
      expect((await pcRequest(pc, 'POST', `/customers/${customerId}/carts/${cart.body?.id as string}/checkout`, undefined, headers)).status).toBe(201);
      const retried = await pcRequest(pc, 'POST', `/customers/${customerId}/carts/${cart.body?.id as string}/checkout`, undefined, headers);
      expect([retried.status, pcErrorCode(retried)]).toEqual([400, 800065]);
      expect(pc.emulator.state.partnerCenter.orders.size).toBe(before + 1);
    } finally {
      await control(pc, 'PUT', `/partner-center/partners/${pc.partner.id}/request-id-replay`, { enabled: true });
    }
    expect((await control(pc, 'PUT', `/partner-center/partners/${pc.partner.id}/request-id-replay`, { enabled: 'no' })).status).toBe(400);
  });

  it('refuses checkout without MCA and forgets carts after 7 days', async () => {
    const noMca = seedCustomer(pc, 'cartnomca', { mcaAccepted: false });
    const cart = await pcRequest(pc, 'POST', `/customers/${noMca.id}/carts`, { lineItems: [{ catalogItemId: businessBasic, quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' }] });
    const refused = await pcRequest(pc, 'POST', `/customers/${noMca.id}/carts/${cart.body?.id as string}/checkout`);
    expect([refused.status, pcErrorCode(refused)]).toEqual([403, 13605]);
    await control(pc, 'POST', '/clock', { advanceSeconds: 7 * 24 * 3600 + 1 });
    const expired = await pcRequest(pc, 'PUT', `/customers/${noMca.id}/carts/${cart.body?.id as string}`, { lineItems: [{ catalogItemId: businessBasic, quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' }] });
    expect([expired.status, pcErrorCode(expired)]).toEqual([404, 1000]);
  });
});
