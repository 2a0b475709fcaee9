import { describe, expect, it } from 'vitest';
import { insertCustomer } from '../../csp/data/customers.ts';
import { portalBrowserSuite } from './portal-browser-kit.ts';
import { cspPeople, resellers, startPortalCspWorld } from './portal-csp-world.ts';

/**
 * The CSP part of the portal in Chromium: the partner page with the connection's health (the
 * partner consented in the emulator) and the customers, as the partner-admin (all) and as a
 * reseller (its own); a customer's overview; an org-admin sees no CSP page.
 */
describe('portal CSP partner and customers in Chromium', () => {
  const tenants: Record<string, string> = {};

  const portal = portalBrowserSuite(async () => {
    const world = await startPortalCspWorld('sqlite');
    const partner = await world.csp.partner();
    for (const [name, resellerId] of [['fabrikam', resellers.mine], ['tailspin', resellers.other]] as const) {
      const tenant = world.csp.seedCustomer(name);
      tenants[name] = tenant.id;
      await insertCustomer(world.lanyard.context.db, { partnerId: partner.id, tenantId: tenant.id, domain: `${name}.onmicrosoft.com`, companyName: `${name} Inc`, country: 'US', email: null, resellerId, organizationId: null, source: 'imported' });
    }
    return world;
  }, { timeout: 90_000 });
  const { signedInPage, screenshots, checkPage, cspViolations } = portal;

  it('partner-admin: the partner with a working token and every customer; a customer overview', async () => {
    const page = await signedInPage(cspPeople.partnerAdmin);
    await page.click('nav a:has-text("CSP partners")');
    await page.click(`#partners a:has-text("${portal.world.csp.partnerSlug}")`);
    expect(await page.textContent('#token-health')).toContain('valid');
    expect(await page.textContent('#token-health')).toContain(portal.world.csp.agentUpn);
    expect(await page.locator('#customers tbody tr').count()).toBe(2);
    await checkPage(page);
    await screenshots(page, 'csp-partner');
    await page.click('#customers a:has-text("fabrikam Inc")');
    expect(page.url()).toBe(`${portal.world.url}/admin/csp/${portal.world.csp.partnerSlug}/customers/${tenants.fabrikam}`);
    expect(await page.textContent('#customer-facts')).toContain(resellers.mine);
    expect(await page.locator('nav a:has-text("Subscriptions")').count()).toBe(1);
    await checkPage(page);
    await screenshots(page, 'csp-customer');
    expect(cspViolations).toEqual([]);
  });

  it('reseller: its own customer only; org-admin: no CSP page', async () => {
    const page = await signedInPage(cspPeople.reseller);
    await page.goto(`${portal.world.url}/admin/csp/${portal.world.csp.partnerSlug}`);
    expect(await page.locator('#customers tbody tr').count()).toBe(1);
    expect(await page.textContent('#customers')).toContain('fabrikam');
    expect(await page.locator('nav a:has-text("Customer access")').count()).toBe(0);
    expect((await page.goto(`${portal.world.url}/admin/csp/${portal.world.csp.partnerSlug}/customers/${tenants.tailspin}`))?.status()).toBe(403);
    expect(await page.textContent('#error-code')).toBe('ADMIN_FORBIDDEN');
    const alice = await signedInPage(cspPeople.orgAdmin);
    expect(await alice.locator('nav a:has-text("CSP partners")').count()).toBe(0);
    expect((await alice.goto(`${portal.world.url}/admin/csp/${portal.world.csp.partnerSlug}`))?.status()).toBe(403);
  });
});
