import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCustomerByRef, insertCustomer, recordAgreementAcceptance } from '../../csp/data/customers.ts';
import { runCli } from '../harness/cli.ts';
import { businessBasic, startCspWorld, testCatalog, type CspWorld } from './csp-harness.ts';

const exchange = 'CFQ7TTC0LH16:0001:CFQ7TTC0LGZT';
/** Business Basic with no list price in its catalog, as real Partner Center; Exchange the same. */
const catalog = {
  ...testCatalog,
  products: [
    { ...testCatalog.products[0]!, skus: [{ ...testCatalog.products[0]!.skus[0]!, availabilities: [{ id: 'CFQ7TTC0K971', terms: [{ duration: 'P1Y', billingCycle: 'annual', listPrice: null }] }] }] },
    {
      id: 'CFQ7TTC0LH16', title: 'Exchange Online (Plan 1)',
      skus: [{ id: '0001', title: 'Exchange Online (Plan 1)', minimumQuantity: 1, maximumQuantity: 50, licenseSkuId: '4b9405b0-7788-4568-add1-99614e613b69', skuPartNumber: 'EXCHANGESTANDARD', availabilities: [{ id: 'CFQ7TTC0LGZT', terms: [{ duration: 'P1Y', billingCycle: 'annual', listPrice: null }] }] }],
    },
  ],
};

/** `lanyard csp price set | list | remove` as real processes, then orders priced by it, and one with no price that says so. */
describe('csp price commands', () => {
  let world: CspWorld;
  let env: Record<string, string>;
  const cli = (args: string[]) => runCli([...args, '--json'], env);
  const codeOf = (result: { stderr: string }) => (JSON.parse(result.stderr) as { error: { code: string } }).error.code;

  beforeAll(async () => {
    world = await startCspWorld('sqlite');
    expect((await world.control('/partner-center/catalog', 'PUT', catalog)).status).toBe(200);
    env = { ...world.lanyard.env, PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: world.emulator.caCertPath, LANYARD_LOG_LEVEL: 'silent' };
    const tenant = world.seedCustomer('fabrikam', { mcaAccepted: true });
    const row = (await insertCustomer(world.lanyard.context.db, { partnerId: (await world.partner()).id, tenantId: tenant.id, domain: 'fabrikam.onmicrosoft.com', companyName: 'Fabrikam', country: 'US', email: null, resellerId: null, organizationId: null, source: 'created' }))!;
    await recordAgreementAcceptance(world.lanyard.context.db, row.id, { by: 'cli:test', contact: { firstName: 'Ada', lastName: 'Admin', email: 'ada@fabrikam.example' } });
    expect(await findCustomerByRef(world.lanyard.context.db, row.domain)).toBeTruthy();
  });
  afterAll(async () => {
    await world.stop();
  });

  it('sets, lists and removes prices, refusing bad input with stable codes and writing nothing then', async () => {
    const set = await cli(['csp', 'price', 'set', world.partnerSlug, businessBasic, '--amount', '100', '--currency', 'EUR', '--term', 'P1Y', '--billing', 'annual']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.json()).toMatchObject({ offerId: businessBasic.toLowerCase(), termDuration: 'P1Y', billingCycle: 'annual', amount: '100.00', currency: 'EUR' });
    expect((await cli(['csp', 'price', 'set', world.partnerSlug, exchange, '--amount', '4.5', '--currency', 'USD'])).code).toBe(0);
    const bad = async (args: string[]) => codeOf(await cli(['csp', 'price', 'set', world.partnerSlug, ...args]));
    expect(await bad([businessBasic, '--amount=-1', '--currency', 'EUR'])).toBe('CSP_PRICE_AMOUNT_INVALID');
    expect(await bad([businessBasic, '--amount', '1.005', '--currency', 'EUR'])).toBe('CSP_PRICE_AMOUNT_INVALID');
    expect(await bad([businessBasic, '--amount', '1', '--currency', 'eur'])).toBe('CSP_PRICE_CURRENCY_INVALID');
    expect(await bad(['office', '--amount', '1', '--currency', 'EUR'])).toBe('CSP_PRICE_OFFER_INVALID');
    expect(await bad([businessBasic, '--amount', '1', '--currency', 'EUR', '--term', 'P2Y'])).toBe('CSP_TERM_INVALID');
    expect(await bad([businessBasic, '--currency', 'EUR'])).toBe('USAGE');
    const listed = await cli(['csp', 'price', 'list', world.partnerSlug]);
    expect(listed.json<{ offerId: string; termDuration: string | null; billingCycle: string | null; amount: string; currency: string }[]>().map((p) => [p.offerId, p.termDuration, p.billingCycle, p.amount, p.currency])).toEqual([
      [exchange.toLowerCase(), null, null, '4.50', 'USD'],
      [businessBasic.toLowerCase(), 'P1Y', 'annual', '100.00', 'EUR'],
    ]);
    const text = await runCli(['csp', 'price', 'list', world.partnerSlug], env);
    expect(text.stdout).toMatch(/cfq7ttc0lh18:0001:cfq7ttc0k971\s+P1Y\s+annual\s+100\.00 EUR/);
    expect(codeOf(await cli(['csp', 'price', 'remove', world.partnerSlug, exchange, '--term', 'P1Y']))).toBe('CSP_PRICE_NOT_FOUND');
    const removed = await cli(['csp', 'price', 'remove', world.partnerSlug, exchange]);
    expect(removed.code, removed.stderr).toBe(0);
    expect((await cli(['csp', 'price', 'list', world.partnerSlug])).json()).toHaveLength(1);
    expect(codeOf(await cli(['csp', 'price', 'list', 'nobody']))).toBe('CSP_PARTNER_NOT_FOUND');
    const audit = await world.lanyard.context.db.selectFrom('auditEvents').select('action').where('action', 'like', 'csp.price.%').execute();
    expect(audit.map((event) => event.action).sort()).toEqual(['csp.price.remove', 'csp.price.set', 'csp.price.set']);
  });

  it('orders at the partner price; an order with no price says so; billing export shows the source', async () => {
    const priced = await cli(['csp', 'subscription', 'order', 'fabrikam.onmicrosoft.com', '--offer', businessBasic, '--quantity', '2']);
    expect(priced.code, priced.stderr).toBe(0);
    const pricedJson = priced.json<Record<string, unknown>>();
    expect(pricedJson).toMatchObject({ unitPrice: '100.00', currency: 'EUR', priceSource: 'partner', status: 'active' });
    expect(pricedJson).not.toHaveProperty('warning');
    const unpriced = await cli(['csp', 'subscription', 'order', 'fabrikam.onmicrosoft.com', '--offer', exchange, '--quantity', '1']);
    expect(unpriced.code, unpriced.stderr).toBe(0);
    expect(unpriced.json()).toMatchObject({ unitPrice: '0.00', priceSource: 'none', status: 'active', warning: expect.stringContaining(`no price for ${exchange}`) });
    const exported = (await cli(['csp', 'billing', 'export', world.partnerSlug, '--format', 'json'])).json<{ offerId: string; amount: string; priceSource: string }[]>();
    expect(exported.map((line) => [line.offerId, line.amount, line.priceSource])).toEqual([[businessBasic, '200.00', 'partner'], [exchange, '0.00', 'none']]);
    const csv = await runCli(['csp', 'billing', 'export', world.partnerSlug], env);
    expect(csv.stdout.split('\r\n')[0]).toContain(',currency,priceSource,periodStart,');
    expect(csv.stdout.split('\r\n')[2]).toContain(',USD,none,');
  });
});
