import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { importCustomers } from '../../csp/customers/import-customers.ts';
import { findPartnerCustomerByRef } from '../../csp/data/customers.ts';
import { listSubscriptions } from '../../csp/data/subscriptions.ts';
import { catalogFromSeed, catalogSchema } from '../../emulator/partner-center/seed.ts';
import { businessBasic, legacyE3, testCatalog } from '../csp/csp-harness.ts';
import { portalBrowserSuite } from './portal-browser-kit.ts';
import { cspPeople, resellers, startPortalCspWorld } from './portal-csp-world.ts';

/**
 * A customer's Subscriptions page in Chromium over the Partner Center emulator: fabrikam (reseller
 * r-1) holds Business Basic bought today (inside Microsoft's window), tailspin (r-2) holds it bought
 * 30 days ago (outside). The partner-admin orders (previewed with the price, and the no-price
 * warning), raises a quantity (previewed prorated), terminates inside the window with
 * re-authentication and, outside it, is shown the alternatives and turns auto-renew off; each
 * change is a job whose state the page shows. A reseller orders and changes but may not terminate
 * (page, JSON, forged post, nor through quantity 0) nor reach the other reseller's customer; an
 * org-admin sees nothing.
 */
describe('portal CSP subscriptions in Chromium', () => {
  const tenants: Record<string, string> = {};
  const path = (customer: string, rest = '') => `${portal.world.url}/admin/csp/${portal.world.csp.partnerSlug}/customers/${tenants[customer]}/subscriptions${rest}`;
  const subscriptionsOf = async (customer: string) => {
    const db = portal.world.lanyard.context.db;
    const row = (await findPartnerCustomerByRef(db, (await portal.world.csp.partner()).id, tenants[customer]!))!;
    return listSubscriptions(db, row.id);
  };
  const csrfOf = async (page: Page) => (await page.getAttribute('form[action="/admin/signout"] input[name=csrf]', 'value'))!;
  const json = { accept: 'application/json' };

  const portal = portalBrowserSuite(async () => {
    const world = await startPortalCspWorld('sqlite');
    // Business Basic's annual term has no list price (as real Partner Center): its order shows the warning.
    const catalog = structuredClone(testCatalog) as typeof testCatalog & { products: { skus: { availabilities: { terms: Record<string, unknown>[] }[] }[] }[] };
    catalog.products[0]!.skus[0]!.availabilities[0]!.terms[1]!.listPrice = null;
    world.csp.emulator.state.partnerCenter.catalog = catalogFromSeed(catalogSchema.parse(catalog));
    for (const [name, reseller, daysAgo] of [['fabrikam', resellers.mine, 0], ['tailspin', resellers.other, 30]] as const) {
      tenants[name] = world.csp.seedCustomer(name, { associatedPartnerId: reseller, subscriptions: [{ offerId: businessBasic, quantity: 3, termDuration: 'P1M', billingCycle: 'monthly', purchasedDaysAgo: daysAgo }] }).id;
    }
    tenants.woodgrove = world.csp.seedCustomer('woodgrove', { associatedPartnerId: resellers.mine }).id;
    const { db, secretBox, config } = world.lanyard.context;
    await importCustomers({ db, secretBox, clock: systemClock, config }, world.csp.partnerSlug, { dryRun: false }, 'cli:test');
    return world;
  }, { timeout: 120_000 });
  const { signedInPage, screenshots, checkPage, cspViolations } = portal;

  it('partner-admin: the list with window states; an order previewed with its price, then a job', async () => {
    const page = await signedInPage(cspPeople.partnerAdmin);
    // Orders need the customer's acceptance of the Microsoft Customer Agreement recorded: from the overview.
    await page.goto(`${portal.world.url}/admin/csp/${portal.world.csp.partnerSlug}/customers/${tenants.fabrikam}`);
    await page.fill('#agreement-first-name', 'Ada');
    await page.fill('#agreement-last-name', 'Lovelace');
    await page.fill('#agreement-email', 'ada@fabrikam.example');
    await Promise.all([page.waitForURL(/done=agreement/), page.click('#agreement-form button')]);
    expect(await page.textContent('#customer-facts')).toContain('accepted');
    const csrf = await csrfOf(page);
    const woodgrove = await page.request.post(`${portal.world.url}/admin/api/csp/${portal.world.csp.partnerSlug}/customers/${tenants.woodgrove}/agreement`, { form: { csrf, firstName: 'Wanda', lastName: 'Wood', email: 'wanda@woodgrove.example' } });
    expect(((await woodgrove.json()) as { acceptedBy: string }).acceptedBy).toBe(`user:${cspPeople.partnerAdmin}`);
    await page.click('nav a:has-text("Subscriptions")');
    expect(page.url()).toBe(path('fabrikam'));
    const row = page.locator('#subscriptions tbody tr').first();
    expect(await row.textContent()).toContain('Microsoft 365 Business Basic');
    expect(await row.textContent()).toContain('licences removable');
    await checkPage(page);
    await screenshots(page, 'csp-subscriptions-partner-admin');

    // The legacy offer at the catalog's list price: 2 × 240.00 USD for the year.
    await page.selectOption('#order-offer', legacyE3);
    await page.fill('#order-quantity', '2');
    await Promise.all([page.waitForURL(/subscriptions\/order\?/), page.click('button:has-text("Preview order")')]);
    expect(await page.textContent('#charge-amount')).toContain('480.00 USD');
    expect(await page.locator('#price-warning').count()).toBe(0);
    expect(await subscriptionsOf('fabrikam')).toHaveLength(1);
    await checkPage(page);
    await screenshots(page, 'csp-order-preview');
    await Promise.all([page.waitForURL(/done=order/), page.click('#confirm-order button')]);
    expect(await page.textContent('#notice')).toContain('queued');
    expect(await page.textContent('#changes')).toMatch(/order\s*queued/);
    await portal.world.lanyard.server.jobs.runDue();
    await page.reload();
    expect(await page.textContent('#changes')).toMatch(/order\s*succeeded/);
    const ordered = (await subscriptionsOf('fabrikam')).find((s) => s.offerId.toLowerCase() === legacyE3.toLowerCase())!;
    expect(ordered.status).toBe('active');
    expect(ordered.quantity).toBe(2);
    const audit = await portal.world.lanyard.context.db.selectFrom('auditEvents').select(['actor', 'outcome']).where('action', '=', 'csp.subscription.order').execute();
    expect(audit).toEqual([{ actor: `user:${cspPeople.partnerAdmin}`, outcome: 'success' }]);
    await page.close();
  }, 120_000);

  it('partner-admin: a quantity increase previewed prorated; an order without a price shows the warning', async () => {
    const page = await signedInPage(cspPeople.partnerAdmin);
    const basic = (await subscriptionsOf('tailspin'))[0]!;
    await page.goto(path('tailspin'));
    await page.fill(`#quantity-${basic.id}`, '5');
    await Promise.all([page.waitForURL(/quantity\?quantity=5/), page.click(`#subscription-${basic.id} button:has-text("Change quantity")`)]);
    expect(await page.textContent('#quantity-summary')).toContain('From 3 to 5');
    expect(await page.textContent('#charge-share')).toContain('prorated');
    expect(await page.textContent('#charge')).toContain('6.00 USD');
    await checkPage(page);
    await screenshots(page, 'csp-quantity-preview');
    await Promise.all([page.waitForURL(/done=quantity/), page.click('#confirm-quantity button')]);
    await portal.world.lanyard.server.jobs.runDue();
    expect((await subscriptionsOf('tailspin'))[0]!.quantity).toBe(5);

    // The annual term has no price: the preview carries the documented warning before anything is ordered.
    await page.goto(`${path('woodgrove', '/order')}?offer=${encodeURIComponent(businessBasic)}&quantity=1&term=P1Y&billing=annual`);
    expect(await page.textContent('#price-warning')).toContain('no price for');
    expect(await page.textContent('#charge-amount')).toContain('0.00');
    await checkPage(page);
    await screenshots(page, 'csp-order-preview-no-price');
    const api = await page.request.get(`${portal.world.url}/admin/api/csp/${portal.world.csp.partnerSlug}/customers/${tenants.woodgrove}/subscriptions/order?offer=${encodeURIComponent(businessBasic)}&quantity=1&term=P1Y&billing=annual`);
    expect(((await api.json()) as { charge: { priceSource: string; warning: string } }).charge.priceSource).toBe('none');
    // A refused preview says why (the offer is already held), writing nothing.
    const exists = await page.goto(`${path('fabrikam', '/order')}?offer=${encodeURIComponent(businessBasic)}&quantity=1`);
    expect(exists?.status()).toBe(409);
    expect(await page.textContent('#preview-error-code')).toBe('CSP_SUBSCRIPTION_EXISTS');
    await checkPage(page);
    await screenshots(page, 'csp-order-preview-refused');
    expect(await subscriptionsOf('woodgrove')).toHaveLength(0);
    await page.close();
  }, 120_000);

  it('partner-admin: outside the window the termination is explained with its alternatives; auto-renew off instead', async () => {
    const page = await signedInPage(cspPeople.partnerAdmin);
    const basic = (await subscriptionsOf('tailspin'))[0]!;
    await page.goto(path('tailspin'));
    expect(await page.textContent(`#subscription-${basic.id}`)).toContain('no cancellation');
    await Promise.all([page.waitForURL(/terminate$/), page.click(`a[aria-label="Terminate ${basic.name}"]`)]);
    expect(await page.textContent('#window-state')).toContain('outside the window');
    expect(await page.textContent('#alternatives')).toContain('auto-renew off');
    expect(await page.locator('#confirm-terminate').count()).toBe(0);
    await checkPage(page);
    await screenshots(page, 'csp-terminate-outside-window');
    const csrf = await csrfOf(page);
    const forced = await page.request.post(path('tailspin', `/${basic.id}/terminate`), { form: { csrf }, headers: json });
    expect(forced.status()).toBe(409);
    expect(((await forced.json()) as { error: { code: string } }).error.code).toBe('CSP_OUTSIDE_CHANGE_WINDOW');
    await Promise.all([page.waitForURL(/done=auto-renew/), page.click('#auto-renew-off button')]);
    await portal.world.lanyard.server.jobs.runDue();
    expect((await subscriptionsOf('tailspin'))[0]!.autoRenew).toBe(0);
    await page.close();
  }, 120_000);

  it('reseller: orders and changes its own customer, never terminates (page, JSON, forged post, quantity 0); never the other reseller\'s', async () => {
    const page = await signedInPage(cspPeople.reseller);
    const basic = (await subscriptionsOf('fabrikam')).find((s) => s.offerId === businessBasic)!;
    await page.goto(path('fabrikam'));
    expect(await page.locator('a:has-text("Terminate")').count()).toBe(0);
    expect(await page.locator('#order-form').count()).toBe(1);
    await checkPage(page);
    await screenshots(page, 'csp-subscriptions-reseller');
    expect((await page.goto(path('fabrikam', `/${basic.id}/terminate`)))?.status()).toBe(403);
    expect(await page.textContent('#error-code')).toBe('ADMIN_FORBIDDEN');
    expect((await page.request.get(`${portal.world.url}/admin/api/csp/${portal.world.csp.partnerSlug}/customers/${tenants.fabrikam}/subscriptions/${basic.id}/terminate`)).status()).toBe(403);
    await page.goto(path('fabrikam'));
    const csrf = await csrfOf(page);
    expect((await page.request.post(path('fabrikam', `/${basic.id}/terminate`), { form: { csrf }, headers: json })).status()).toBe(403);
    const zero = await page.request.post(path('fabrikam', `/${basic.id}/quantity`), { form: { csrf, quantity: '0' }, headers: json });
    expect(zero.status()).toBe(400);
    expect(((await zero.json()) as { error: { code: string } }).error.code).toBe('CSP_QUANTITY_INVALID');
    expect((await subscriptionsOf('fabrikam')).find((s) => s.id === basic.id)!.status).toBe('active');
    // The other reseller's customer: page, JSON and a forged order are refused alike.
    const tailspin = (await subscriptionsOf('tailspin'))[0]!;
    expect((await page.goto(path('tailspin')))?.status()).toBe(403);
    expect((await page.request.get(`${portal.world.url}/admin/api/csp/${portal.world.csp.partnerSlug}/customers/${tenants.tailspin}/subscriptions`)).status()).toBe(403);
    expect((await page.request.post(path('tailspin', `/${tailspin.id}/quantity`), { form: { csrf, quantity: '9' }, headers: json })).status()).toBe(403);
    // Its own customer's subscription id under the other's URL is not found there, nor the reverse.
    expect((await page.request.post(path('fabrikam', `/${tailspin.id}/quantity`), { form: { csrf, quantity: '9' }, headers: json })).status()).toBe(404);
    expect((await subscriptionsOf('tailspin'))[0]!.quantity).toBe(5);
    // A change it may make: the JSON twin of the quantity preview, then the change.
    const preview = await page.request.get(`${portal.world.url}/admin/api/csp/${portal.world.csp.partnerSlug}/customers/${tenants.fabrikam}/subscriptions/${basic.id}/quantity?quantity=4`);
    expect(preview.status()).toBe(200);
    expect(((await preview.json()) as { charge: { kind: string } }).charge.kind).toBe('increase');
    const changed = await page.request.post(`${portal.world.url}/admin/api/csp/${portal.world.csp.partnerSlug}/customers/${tenants.fabrikam}/subscriptions/${basic.id}/quantity`, { form: { csrf, quantity: '4' } });
    expect(changed.status()).toBe(202);
    await portal.world.lanyard.server.jobs.runDue();
    expect((await subscriptionsOf('fabrikam')).find((s) => s.id === basic.id)!.quantity).toBe(4);
    await page.close();

    const alice = await signedInPage(cspPeople.orgAdmin);
    expect((await alice.goto(path('fabrikam')))?.status()).toBe(403);
    const aliceCsrf = await csrfOf(await (async () => (await alice.goto(`${portal.world.url}/admin`), alice))());
    expect((await alice.request.post(path('fabrikam', ''), { form: { csrf: aliceCsrf, offer: legacyE3, quantity: '1' }, headers: json })).status()).toBe(403);
    await alice.close();
  }, 120_000);

  // Last: the portal clock moves past the re-authentication window.
  it('partner-admin: inside the window the termination is free, confirmed with a fresh code', async () => {
    const page = await signedInPage(cspPeople.partnerAdmin);
    const basic = (await subscriptionsOf('fabrikam')).find((s) => s.offerId === businessBasic)!;
    await portal.world.clock.advance((portal.world.lanyard.context.config.portal.reauthMinutes + 1) * 60_000);
    await page.goto(path('fabrikam', `/${basic.id}/terminate`));
    expect(await page.textContent('#window-state')).toContain('inside the window');
    expect(await page.textContent('#window')).toContain('refund');
    await checkPage(page);
    await screenshots(page, 'csp-terminate-inside-window');
    const csrf = (await page.getAttribute('#confirm-terminate input[name=csrf]', 'value'))!;
    const bare = await page.request.post(path('fabrikam', `/${basic.id}/terminate`), { form: { csrf }, headers: json });
    expect(bare.status()).toBe(403);
    expect(((await bare.json()) as { error: { code: string } }).error.code).toBe('ADMIN_REAUTH_REQUIRED');
    await page.fill('#terminate-code', await portal.world.code(cspPeople.partnerAdmin, portal.world.clock.now()));
    await Promise.all([page.waitForURL(/done=terminate/), page.click('#confirm-terminate button')]);
    await portal.world.lanyard.server.jobs.runDue();
    await page.reload();
    expect(await page.textContent('#changes')).toMatch(/terminate\s*succeeded/);
    expect((await subscriptionsOf('fabrikam')).find((s) => s.id === basic.id)!.status).toBe('deleted');
    expect(cspViolations).toEqual([]);
    await page.close();
  }, 120_000);
});
