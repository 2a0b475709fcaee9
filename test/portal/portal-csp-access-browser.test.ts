import { describe, expect, it } from 'vitest';
import { insertCustomer } from '../../csp/data/customers.ts';
import type { Tenant } from '../../emulator/state/model.ts';
import { allowCustomerConsentRedirect, openPage, signInThroughWizard } from '../csp/customer-consent-driver.ts';
import { customerTenant } from '../csp/customer-tenants.ts';
import { portalBrowserSuite } from './portal-browser-kit.ts';
import { cspPeople, resellers, startPortalCspWorld } from './portal-csp-world.ts';

/**
 * The customer access page in Chromium, as the partner-admin: relationship, tenant consent and the
 * token state; "Copy consent link" shows the wizard link, which opens Lanyard's consent wizard (its
 * own page, strict CSP); once the customer's admin consented, the page shows the customer's own
 * token, and "Validate authentication" and "Refresh token now" use it. A reseller is refused.
 */
describe('portal CSP customer access in Chromium', () => {
  let tenant: Tenant;
  const accessUrl = () => `${portal.world.url}/admin/csp/${portal.world.csp.partnerSlug}/customers/${tenant.id}/access`;

  const portal = portalBrowserSuite(async () => {
    const world = await startPortalCspWorld('sqlite');
    allowCustomerConsentRedirect(world.csp);
    tenant = customerTenant(world.csp, 'fabacc', { scopes: [] });
    const partner = await world.csp.partner();
    await insertCustomer(world.lanyard.context.db, { partnerId: partner.id, tenantId: tenant.id, domain: 'fabacc.onmicrosoft.com', companyName: 'Fabacc Inc', country: 'US', email: 'it@fabacc.example', resellerId: resellers.mine, organizationId: null, source: 'imported' });
    return world;
  }, { timeout: 90_000 });
  const { signedInPage, screenshots, checkPage, cspViolations } = portal;

  it('partner-admin: state, consent link and wizard, then validate and refresh with the customer token', async () => {
    const page = await signedInPage(cspPeople.partnerAdmin);
    await page.goto(`${portal.world.url}/admin/csp/${portal.world.csp.partnerSlug}/customers/${tenant.id}`);
    await page.click('nav a:has-text("Customer access")');
    expect(page.url()).toBe(accessUrl());
    expect(await page.textContent('#access-token')).toContain('partner\u2019s refresh token');
    expect(await page.textContent('#access-token')).toContain('no-consent');
    await checkPage(page);
    await screenshots(page, 'csp-customer-access');

    await page.click('#access-validate');
    expect(await page.textContent('#access-outcome')).toContain('AADSTS7000229');
    await page.click('#access-invite');
    expect(await page.textContent('#access-outcome')).toContain('CSP_MAIL_NOT_CONFIGURED');

    await page.click('#access-link');
    const link = await page.inputValue('#consent-link');
    expect(link).toContain('/csp/customer-consent/wizard/');
    await checkPage(page);
    const wizard = await portal.browser.newPage();
    wizard.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    await wizard.goto(link);
    expect(await wizard.textContent('#wizard-permissions')).toContain('User.ReadWrite.All');
    expect(await wizard.textContent('#wizard-intro')).toContain(portal.world.csp.partnerSlug);
    await checkPage(wizard);
    await screenshots(wizard, 'csp-customer-consent-wizard');
    await wizard.close();

    // The customer's admin goes through Entra (the HTTP driver), with the link the page gave.
    const back = await openPage(await signInThroughWizard(portal.world.csp, link, { tenant, login: 'admin@fabacc.onmicrosoft.com' }));
    expect(back.status, back.html).toBe(200);

    await page.goto(accessUrl());
    expect(await page.textContent('#access-token')).toContain('customer\u2019s own refresh token');
    expect(await page.textContent('#access-token')).toContain('valid');
    expect(await page.textContent('#access-token')).toContain('admin@fabacc.onmicrosoft.com');
    await page.click('#access-validate');
    expect(await page.textContent('#access-outcome')).toContain('Authentication works');
    expect(await page.textContent('#access-outcome')).toContain('customer');
    await page.click('#access-refresh');
    expect(await page.textContent('#access-outcome')).toContain('Token refreshed');
    await checkPage(page);
    await screenshots(page, 'csp-customer-access-own-token');
    expect(cspViolations).toEqual([]);
  });

  it('reseller: no access page, refused by URL', async () => {
    const page = await signedInPage(cspPeople.reseller);
    await page.goto(`${portal.world.url}/admin/csp/${portal.world.csp.partnerSlug}/customers/${tenant.id}`);
    expect(await page.locator('nav a:has-text("Customer access")').count()).toBe(0);
    expect((await page.goto(accessUrl()))?.status()).toBe(403);
    expect(await page.textContent('#error-code')).toBe('ADMIN_FORBIDDEN');
  });
});
