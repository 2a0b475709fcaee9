import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hostileLogos, pngLogo } from '../fixtures/logo-images.ts';
import { testPassword } from '../harness/seed.ts';
import { wsFedSignInUrl } from '../harness/wsfed-request.ts';
import { portalBrowserSuite } from './portal-browser-kit.ts';
import { people, startPortalWorld } from './portal-world.ts';

/**
 * The sign-in page's organization logo in Chromium: the org-admin uploads a PNG (an SVG is
 * refused), the organization's people then see their company's name and logo on the IdP's sign-in
 * pages (Microsoft 365's WS-Fed sign-in, and the portal's own after its user-name step, not before),
 * and the org-admin removes it. A reseller sees its customer's page but may not upload or remove
 * (page, JSON, forged post with its own CSRF token); an org-admin cannot reach another organization.
 */
describe('portal sign-in page branding in Chromium', () => {
  const logoLoaded = (page: Page, selector: string) => page.$eval(selector, (image) => (image as unknown as { complete: boolean; naturalWidth: number }).complete && (image as unknown as { naturalWidth: number }).naturalWidth > 0);
  const logoRows = () => portal.world.lanyard.context.db.selectFrom('organizationLogos').selectAll().execute();

  const portal = portalBrowserSuite(() => startPortalWorld('sqlite'));
  const { signedInPage, screenshots, checkPage, cspViolations } = portal;

  it('org-admin: uploads a PNG logo; an SVG named logo.png is refused', async () => {
    const page = await signedInPage(people.orgAdmin);
    await page.goto(`${portal.world.url}/admin/orgs/contoso/branding`);
    expect(await page.textContent('#logo-facts')).toContain('No logo yet');
    await checkPage(page);
    await screenshots(page, 'branding-empty-org-admin');

    await page.setInputFiles('#logo', { name: 'logo.png', mimeType: 'image/png', buffer: hostileLogos.svg });
    await page.click('button:has-text("Upload logo")');
    await page.waitForSelector('#error-code');
    expect(await page.textContent('#error-code')).toBe('LOGO_INVALID');
    expect(await logoRows()).toEqual([]);

    await page.goto(`${portal.world.url}/admin/orgs/contoso/branding`);
    await page.setInputFiles('#logo', { name: 'contoso.png', mimeType: 'image/png', buffer: pngLogo(160, 48) });
    await Promise.all([page.waitForURL(/done=logo-upload/), page.click('button:has-text("Upload logo")')]);
    expect(await logoLoaded(page, '#current-logo')).toBe(true);
    expect(await page.textContent('#logo-facts')).toContain('160×48 px');
    await checkPage(page);
    await screenshots(page, 'branding-org-admin');
    await page.close();
  }, 60_000);

  it('the organization\'s people see its name and logo on the sign-in pages, once the organization is known', async () => {
    const context = await portal.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/.test(message.text())) cspViolations.push(`${page.url()}: ${message.text()}`);
    });
    // Microsoft 365 sends the person to the domain's own sign-in URL: the domain names the organization.
    await page.goto(wsFedSignInUrl(portal.world.url, 'contoso.com'));
    await page.waitForSelector('#password');
    expect(await page.textContent('#organization')).toBe('contoso Ltd');
    expect(await logoLoaded(page, '#organization-logo')).toBe(true);
    await checkPage(page);
    await screenshots(page, 'signin-with-logo');

    // The portal's sign-in: nothing about any organization until the user name is given.
    await portal.world.syncClock();
    await page.goto(`${portal.world.url}/admin/signin`);
    expect(await page.locator('#organization, #organization-logo').count()).toBe(0);
    await page.fill('#username', people.orgAdmin);
    await page.click('#next');
    await page.waitForSelector('#password');
    expect(await logoLoaded(page, '#organization-logo')).toBe(true);
    await page.fill('#password', testPassword);
    await page.click('button[type=submit]');
    await page.waitForSelector('#code');
    expect(await logoLoaded(page, '#organization-logo')).toBe(true);
    await checkPage(page);
    await screenshots(page, 'signin-totp-with-logo');
    expect(cspViolations).toEqual([]);
    await context.close();
  }, 60_000);

  it('reseller: sees its customer\'s sign-in page settings, may not upload or remove; no one reaches another organization', async () => {
    const page = await signedInPage(people.reseller);
    await page.goto(`${portal.world.url}/admin/orgs/fabrikam/branding`);
    expect(await page.locator('#upload-logo, #remove-logo').count()).toBe(0);
    await checkPage(page);
    await screenshots(page, 'branding-reseller');
    expect((await page.request.get(`${portal.world.url}/admin/api/orgs/fabrikam/branding`)).status()).toBe(200);
    const csrf = (await page.getAttribute('form[action="/admin/signout"] input[name=csrf]', 'value'))!;
    const file = { name: 'logo.png', mimeType: 'image/png', buffer: pngLogo() };
    for (const path of ['/admin/orgs/fabrikam/branding/logo', '/admin/api/orgs/fabrikam/branding/logo']) {
      const refused = await page.request.post(`${portal.world.url}${path}`, { multipart: { csrf, logo: file }, headers: { accept: 'application/json' } });
      expect(refused.status(), path).toBe(403);
    }
    const remove = await page.request.post(`${portal.world.url}/admin/orgs/fabrikam/branding/logo/remove`, { form: { csrf }, headers: { accept: 'application/json' } });
    expect(remove.status()).toBe(403);
    expect((await logoRows()).map((row) => row.organizationId)).toHaveLength(1);
    expect((await page.goto(`${portal.world.url}/admin/orgs/contoso/branding`))?.status()).toBe(403);
    await page.close();

    const admin = await signedInPage(people.orgAdmin);
    const adminCsrf = (await admin.getAttribute('form[action="/admin/signout"] input[name=csrf]', 'value'))!;
    expect((await admin.goto(`${portal.world.url}/admin/orgs/fabrikam/branding`))?.status()).toBe(403);
    const tampered = await admin.request.post(`${portal.world.url}/admin/api/orgs/fabrikam/branding/logo`, { multipart: { csrf: adminCsrf, logo: file }, headers: { accept: 'application/json' } });
    expect(tampered.status()).toBe(403);
    await admin.close();
  }, 60_000);

  it('org-admin: removes the logo; the sign-in pages show the name only', async () => {
    const page = await signedInPage(people.orgAdmin);
    await page.goto(`${portal.world.url}/admin/orgs/contoso/branding`);
    await Promise.all([page.waitForURL(/done=logo-remove/), page.click('button:has-text("Remove the logo")')]);
    expect(await page.locator('#current-logo').count()).toBe(0);
    expect(await logoRows()).toEqual([]);
    await page.goto(wsFedSignInUrl(portal.world.url, 'contoso.com'));
    await page.waitForSelector('#password');
    expect(await page.textContent('#organization')).toBe('contoso Ltd');
    expect(await page.locator('#organization-logo').count()).toBe(0);
    expect(cspViolations).toEqual([]);
    await page.close();
  }, 60_000);
});
