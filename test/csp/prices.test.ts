import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../core/clock.ts';
import { systemClock } from '../../core/clock.ts';
import { findCustomerByRef, insertCustomer, recordAgreementAcceptance } from '../../csp/data/customers.ts';
import { findSubscription, listBillingLines } from '../../csp/data/subscriptions.ts';
import type { CspCustomer } from '../../csp/data/tables.ts';
import { setPrice } from '../../csp/prices/price-list.ts';
import { openPartnerCenter } from '../../csp/partner-center/open-partner-center.ts';
import { listOffers } from '../../csp/subscriptions/offers.ts';
import { billingLines } from '../../csp/subscriptions/billing-export.ts';
import { runChangeToEnd } from '../../csp/subscriptions/run-change.ts';
import { orderSubscription, setQuantity } from '../../csp/subscriptions/subscription-service.ts';
import { dialects } from '../harness/databases.ts';
import { businessBasic, legacyE3, startCspWorld, testCatalog, type CspWorld } from './csp-harness.ts';

const dayMs = 86_400_000;
const exchange = 'CFQ7TTC0LH16:0001:CFQ7TTC0LGZT';
/** Business Basic listed at 80 USD a year; Exchange without any list price, as real Partner Center. */
const catalog = {
  ...testCatalog,
  products: [
    { ...testCatalog.products[0]!, skus: [{ ...testCatalog.products[0]!.skus[0]!, availabilities: [{ id: 'CFQ7TTC0K971', terms: [{ duration: 'P1M', billingCycle: 'monthly', listPrice: 7 }, { duration: 'P1Y', billingCycle: 'annual', listPrice: 80 }] }] }] },
    {
      id: 'CFQ7TTC0LH16', title: 'Exchange Online (Plan 1)',
      skus: [{ id: '0001', title: 'Exchange Online (Plan 1)', minimumQuantity: 1, maximumQuantity: 50, licenseSkuId: '4b9405b0-7788-4568-add1-99614e613b69', skuPartNumber: 'EXCHANGESTANDARD', availabilities: [{ id: 'CFQ7TTC0LGZT', terms: [{ duration: 'P1Y', billingCycle: 'annual', listPrice: null }] }] }],
    },
  ],
  offers: [{ ...testCatalog.offers[0]!, listPrice: 240 }],
};
const day = (iso: string) => Math.floor(Date.parse(iso) / dayMs);

/**
 * Orders take their unit price from the partner's price list first, else the catalog's list price,
 * else none; the price and its source stay on the subscription and go on every billing line.
 */
describe.each(dialects)('CSP partner prices in orders and billing on %s', (dialect) => {
  let world: CspWorld;
  let offsetMs = 0;
  const clock: Clock = { now: () => new Date(Date.now() + offsetMs), sleep: systemClock.sleep };
  const deps = () => ({ db: world.lanyard.context.db, secretBox: world.lanyard.context.secretBox, clock });
  const runDeps = () => ({ ...deps(), dialect: world.lanyard.context.dialect, logger: world.lanyard.context.logger });

  async function customer(name: string): Promise<CspCustomer> {
    const tenant = world.seedCustomer(name, { mcaAccepted: true });
    const partner = await world.partner();
    const row = (await insertCustomer(world.lanyard.context.db, { partnerId: partner.id, tenantId: tenant.id, domain: `${name}.onmicrosoft.com`, companyName: name, country: 'US', email: null, resellerId: null, organizationId: null, source: 'created' }))!;
    await recordAgreementAcceptance(world.lanyard.context.db, row.id, { by: 'cli:test', contact: { firstName: 'Ada', lastName: 'Admin', email: `ada@${name}.example` } });
    return (await findCustomerByRef(world.lanyard.context.db, row.domain))!;
  }
  const order = async (who: CspCustomer, offerId: string, extra: Record<string, string> = {}) => {
    const queued = await orderSubscription(deps(), { customer: who.domain, offerId, quantity: '1', ...extra }, 'cli:test');
    expect((await runChangeToEnd(runDeps(), queued.change.id, 20_000)).state).toBe('succeeded');
    return (await findSubscription(world.lanyard.context.db, queued.subscription.id))!;
  };
  const linesOf = async (subscriptionId: string) => (await listBillingLines(world.lanyard.context.db, (await world.partner()).id)).filter((line) => line.subscriptionId === subscriptionId);

  beforeAll(async () => {
    world = await startCspWorld(dialect);
    expect((await world.control('/partner-center/catalog', 'PUT', catalog)).status).toBe(200);
  });
  afterAll(async () => {
    await world.stop();
  });

  it('falls back to the catalog list price, else to none (0, with priceSource none)', async () => {
    const contoso = await customer('contoso');
    const legacy = await order(contoso, legacyE3);
    expect(legacy).toMatchObject({ unitPriceMinor: 24_000, currency: 'USD', priceSource: 'catalog' });
    expect((await linesOf(legacy.id)).map((l) => [l.amountMinor, l.priceSource])).toEqual([[24_000, 'catalog']]);
    const unpriced = await order(contoso, exchange);
    expect(unpriced).toMatchObject({ unitPriceMinor: 0, priceSource: 'none' });
    expect((await linesOf(unpriced.id)).map((l) => [l.kind, l.quantity, l.amountMinor, l.priceSource])).toEqual([['purchase', 1, 0, 'none']]);
    // A partner price for another term of the offer does not apply.
    await setPrice(world.lanyard.context.db, world.partnerSlug, { offerId: legacyE3, amount: '30', currency: 'EUR', term: 'P1M' }, 'cli:test', clock.now());
    const litware = await customer('litware');
    expect(await order(litware, legacyE3)).toMatchObject({ unitPriceMinor: 24_000, priceSource: 'catalog' });
  });

  it('bills a purchase and a prorated increase at the partner price, as the docs\' worked example', async () => {
    await setPrice(world.lanyard.context.db, world.partnerSlug, { offerId: businessBasic, amount: '100.00', currency: 'EUR', term: 'P1Y', billing: 'annual' }, 'cli:test', clock.now());
    // A less specific price of the same offer loses to the exact one.
    await setPrice(world.lanyard.context.db, world.partnerSlug, { offerId: businessBasic, amount: '55.55', currency: 'EUR' }, 'cli:test', clock.now());
    const fabrikam = await customer('fabrikam');
    const subscription = await order(fabrikam, businessBasic, { term: 'P1Y', billing: 'annual' });
    expect(subscription).toMatchObject({ unitPriceMinor: 10_000, currency: 'EUR', priceSource: 'partner' });
    expect((await linesOf(subscription.id)).map((l) => [l.kind, l.quantity, l.unitPriceMinor, l.amountMinor, l.currency, l.priceSource])).toEqual([['purchase', 1, 10_000, 10_000, 'EUR', 'partner']]);

    // 181 days on (the docs: bought 1 January, raised on 1 July), both clocks: 1 → 2 licences.
    // In steps, each with a Partner Center call, so the partner's refresh token is never 90 days idle.
    for (const days of [60, 60, 61]) {
      await world.control('/clock', 'POST', { advanceSeconds: days * 86_400 });
      offsetMs += days * dayMs;
      await listOffers(openPartnerCenter(deps(), await world.partner(), 'test'), 'US');
    }
    const raised = await setQuantity(deps(), subscription.id, '2', 'cli:test');
    expect((await runChangeToEnd(runDeps(), raised.change.id, 20_000)).state).toBe('succeeded');
    const termDays = day(subscription.commitmentEndDate!) - day(subscription.termStartDate!) + 1;
    const daysLeft = day(subscription.commitmentEndDate!) - day(raised.change.createdAt) + 1;
    const [, increase] = await linesOf(subscription.id);
    expect(increase).toMatchObject({ kind: 'increase', quantity: 1, unitPriceMinor: 10_000, currency: 'EUR', priceSource: 'partner', share: (daysLeft / termDays).toFixed(4), amountMinor: Math.round(10_000 * daysLeft / termDays) });
    // A 365-day term: 184/365 of 100 € = 50.41 €, the docs' figure.
    if (termDays === 365 && daysLeft === 184) expect(increase!.amountMinor).toBe(5_041);
    expect(termDays - daysLeft).toBe(181);
    // The price was fixed at the order: a later change of the list does not move it.
    await setPrice(world.lanyard.context.db, world.partnerSlug, { offerId: businessBasic, amount: '999', currency: 'EUR', term: 'P1Y', billing: 'annual' }, 'cli:test', clock.now());
    expect((await findSubscription(world.lanyard.context.db, subscription.id))).toMatchObject({ unitPriceMinor: 10_000, priceSource: 'partner' });
    const exported = (await billingLines(world.lanyard.context.db, fabrikam.partnerId)).filter((line) => line.subscription === subscription.id);
    expect(exported.map((line) => [line.kind, line.unitPrice, line.amount, line.priceSource])).toEqual([['purchase', '100.00', '100.00', 'partner'], ['increase', '100.00', (increase!.amountMinor / 100).toFixed(2), 'partner']]);
  });
});
