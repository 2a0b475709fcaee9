import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletePrice, findPrice, listPrices, upsertPrice } from '../../csp/data/prices.ts';
import { insertPartner } from '../../csp/data/partners.ts';
import { choosePrice, parseAmount, partnerPrices, removePrice, setPrice } from '../../csp/prices/price-list.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { testPartner } from './partner-fixture.ts';

const offer = 'cfq7ttc0lh18:0001:cfq7ttc0k971';
const at = (day: number) => new Date(Date.UTC(2026, 0, day));
const catalogTerm = { termDuration: 'P1Y', billingCycle: 'annual', unitPriceMinor: 8_000, currency: 'USD', listed: true };

/** The partner's price list: stored alike on SQLite and PostgreSQL, validated, audited, and the most specific price chosen. */
describe.each(dialects)('CSP price list on %s', (dialect) => {
  let database: TestDatabase;
  let partnerId: string;
  const codeOf = async (promise: Promise<unknown>) => promise.then(() => 'no error', (error: { code?: string }) => error.code);
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    partnerId = (await insertPartner(database.db, testPartner('alpha', { isDefault: true })))!.id;
    await insertPartner(database.db, testPartner('beta'));
  });
  afterAll(async () => {
    await database.drop();
  });

  it('keeps one price per partner, offer, term and billing cycle ("" = any), replacing the amount on a second set', async () => {
    const key = { partnerId, offerId: offer, termDuration: 'P1Y', billingCycle: 'annual' };
    const first = await upsertPrice(database.db, key, { amountMinor: 10_000, currency: 'EUR' }, at(1));
    const second = await upsertPrice(database.db, key, { amountMinor: 12_000, currency: 'EUR' }, at(2));
    expect(second).toMatchObject({ id: first.id, amountMinor: 12_000, createdAt: at(1).toISOString(), updatedAt: at(2).toISOString() });
    await upsertPrice(database.db, { ...key, termDuration: '', billingCycle: '' }, { amountMinor: 5_000, currency: 'EUR' }, at(3));
    expect((await listPrices(database.db, partnerId)).map((p) => [p.termDuration, p.billingCycle, p.amountMinor])).toEqual([['', '', 5_000], ['P1Y', 'annual', 12_000]]);
    expect(await deletePrice(database.db, { ...key, termDuration: '', billingCycle: '' })).toBe(true);
    expect(await deletePrice(database.db, { ...key, termDuration: '', billingCycle: '' })).toBe(false);
    expect(await findPrice(database.db, key)).toMatchObject({ amountMinor: 12_000 });
    await deletePrice(database.db, key);
  });

  it('validates amount, currency, offer id, term and billing before writing anything, and audits set and remove', async () => {
    expect(parseAmount('12')).toBe(1_200);
    expect(parseAmount('12.5')).toBe(1_250);
    expect(parseAmount('0.07')).toBe(7);
    expect(parseAmount('0')).toBe(0);
    const set = (extra: Record<string, string>) => codeOf(setPrice(database.db, 'alpha', { offerId: offer, amount: '10.00', currency: 'EUR', ...extra }, 'cli:test', at(4)));
    for (const amount of ['-1', '1.234', 'abc', '', '1e3', '1,50']) expect(await set({ amount })).toBe('CSP_PRICE_AMOUNT_INVALID');
    for (const currency of ['eur', 'EURO', 'E1R', '']) expect(await set({ currency })).toBe('CSP_PRICE_CURRENCY_INVALID');
    for (const offerId of ['office', 'a:b', '796B6B5F-613C-4E24-A17C']) expect(await set({ offerId })).toBe('CSP_PRICE_OFFER_INVALID');
    expect(await set({ term: 'P2Y' })).toBe('CSP_TERM_INVALID');
    expect(await set({ billing: 'weekly' })).toBe('CSP_TERM_INVALID');
    expect(await codeOf(setPrice(database.db, 'nobody', { offerId: offer, amount: '1', currency: 'EUR' }, 'cli:test', at(4)))).toBe('CSP_PARTNER_NOT_FOUND');
    expect(await listPrices(database.db, partnerId)).toEqual([]);

    const view = await setPrice(database.db, 'alpha', { offerId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', amount: '100', currency: 'EUR', term: 'P1Y' }, 'cli:test', at(4));
    expect(view).toEqual({ offerId: offer, termDuration: 'P1Y', billingCycle: null, amount: '100.00', currency: 'EUR', updatedAt: at(4).toISOString() });
    expect(await partnerPrices(database.db, 'beta')).toEqual([]);
    expect(await codeOf(removePrice(database.db, 'alpha', { offerId: offer }, 'cli:test'))).toBe('CSP_PRICE_NOT_FOUND');
    await removePrice(database.db, 'alpha', { offerId: offer, term: 'P1Y' }, 'cli:test');
    expect(await partnerPrices(database.db, 'alpha')).toEqual([]);
    const audit = await database.db.selectFrom('auditEvents').select(['action', 'target', 'actor']).where('action', 'like', 'csp.price.%').execute();
    expect(audit.map((event) => event.action).sort()).toEqual(['csp.price.remove', 'csp.price.set']);
    expect(audit.every((event) => event.target === `alpha:${offer}` && event.actor === 'cli:test')).toBe(true);
  });

  it('chooses the most specific partner price, else the catalog list price, else none', async () => {
    expect(await choosePrice(database.db, partnerId, offer, catalogTerm)).toEqual({ unitPriceMinor: 8_000, currency: 'USD', priceSource: 'catalog' });
    expect(await choosePrice(database.db, partnerId, offer, { ...catalogTerm, listed: false, unitPriceMinor: 0 })).toEqual({ unitPriceMinor: 0, currency: 'USD', priceSource: 'none' });
    const put = (termDuration: string, billingCycle: string, amountMinor: number) => upsertPrice(database.db, { partnerId, offerId: offer, termDuration, billingCycle }, { amountMinor, currency: 'EUR' }, at(5));
    await put('', '', 1_000);
    expect(await choosePrice(database.db, partnerId, offer.toUpperCase(), catalogTerm)).toEqual({ unitPriceMinor: 1_000, currency: 'EUR', priceSource: 'partner' });
    await put('', 'annual', 2_000);
    expect((await choosePrice(database.db, partnerId, offer, catalogTerm)).unitPriceMinor).toBe(2_000);
    await put('P1Y', '', 3_000);
    expect((await choosePrice(database.db, partnerId, offer, catalogTerm)).unitPriceMinor).toBe(3_000);
    await put('P1Y', 'annual', 4_000);
    await put('P1M', 'monthly', 500);
    expect((await choosePrice(database.db, partnerId, offer, catalogTerm)).unitPriceMinor).toBe(4_000);
    expect((await choosePrice(database.db, partnerId, offer, { ...catalogTerm, termDuration: 'P1M', billingCycle: 'monthly' })).unitPriceMinor).toBe(500);
    // P1Y billed monthly: the term-only price beats the billing-only and the any price.
    expect((await choosePrice(database.db, partnerId, offer, { ...catalogTerm, billingCycle: 'monthly' })).unitPriceMinor).toBe(3_000);
    // Another partner's list is not this one's.
    const beta = (await database.db.selectFrom('cspPartners').select('id').where('slug', '=', 'beta').executeTakeFirstOrThrow()).id;
    expect((await choosePrice(database.db, beta, offer, catalogTerm)).priceSource).toBe('catalog');
  });
});
