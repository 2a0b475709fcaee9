import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { findOrganizationBySlug } from '../../core/db/organizations.ts';
import { findCustomerByDomain, findPartnerCustomerByRef } from '../../csp/data/customers.ts';
import { agentPassword } from '../csp/csp-harness.ts';
import { portalBrowserSuite } from './portal-browser-kit.ts';
import { cspPeople, resellers, startPortalCspWorld } from './portal-csp-world.ts';

/**
 * The partner page's actions and the customer actions in Chromium over the emulator: the
 * partner-admin sees a token's trouble with its remediation, renews it, runs the access check,
 * consents again through Entra's pages and comes back to the portal, creates a customer with the
 * Microsoft Customer Agreement, imports from Partner Center (dry run first); the operator links and
 * unlinks an organization. A reseller and an org-admin are refused every action (page, JSON, a
 * post with their own valid CSRF token).
 */
describe('portal CSP partner actions in Chromium', () => {
  const partnerUrl = () => `${portal.world.url}/admin/csp/${portal.world.csp.partnerSlug}`;
  const csrfOf = async (page: Page) => (await page.getAttribute('form[action="/admin/signout"] input[name=csrf]', 'value'))!;
  const json = { accept: 'application/json' };
  const setToken = (set: Record<string, string | null>) => portal.world.lanyard.context.db.updateTable('cspPartners').set(set).where('slug', '=', portal.world.csp.partnerSlug).execute();
  let imported = '';

  const portal = portalBrowserSuite(async () => {
    const world = await startPortalCspWorld('sqlite');
    imported = world.csp.seedCustomer('contoso', { associatedPartnerId: resellers.mine }).id;
    return world;
  }, { timeout: 120_000 });
  const { signedInPage, screenshots, checkPage, cspViolations } = portal;

  it('partner-admin: an expiring token shows its remedy, "Renew token now" renews it, "Check access" shows the checklist', async () => {
    await setToken({ refreshTokenLastUsedAt: new Date(Date.now() - 70 * 86_400_000).toISOString() });
    const page = await signedInPage(cspPeople.partnerAdmin);
    await page.goto(partnerUrl());
    expect(await page.textContent('#token-health')).toContain('expiring');
    expect(await page.textContent('#token-remedy')).toContain('Renew token now');
    await checkPage(page);
    await screenshots(page, 'csp-partner-expiring');
    await Promise.all([page.waitForURL(/done=refresh/), page.click('#refresh-form button')]);
    expect(await page.textContent('#token-health')).toContain('valid');
    expect(await page.locator('#token-remedy').count()).toBe(0);
    const audit = await portal.world.lanyard.context.db.selectFrom('auditEvents').select('actor').where('action', '=', 'csp.partner.refresh').where('outcome', '=', 'success').execute();
    expect(audit.map((event) => event.actor)).toContain(`user:${cspPeople.partnerAdmin}`);

    await page.click('#check-form button');
    await page.waitForSelector('#access-report');
    const checks = await page.locator('#access-report li').evaluateAll((items) => items.map((item) => `${item.getAttribute('data-check')}:${item.getAttribute('class')}`));
    expect(checks).toEqual(expect.arrayContaining(['token-stored:ok', 'token-redeems:ok', 'mfa:ok', 'partner-center:ok']));
    await checkPage(page);
    await screenshots(page, 'csp-partner-access-check');
    const api = await page.request.post(`${portal.world.url}/admin/api/csp/${portal.world.csp.partnerSlug}/check`, { form: { csrf: await csrfOf(page) } });
    expect(((await api.json()) as { checks: unknown[] }).checks.length).toBeGreaterThan(3);
    await page.close();
  }, 120_000);

  it('partner-admin: a revoked token says to consent; Consent goes through Entra and back to the portal', async () => {
    await setToken({ tokenState: 'revoked', tokenErrorCode: 'AADSTS50173' });
    const page = await signedInPage(cspPeople.partnerAdmin);
    await page.goto(partnerUrl());
    expect(await page.textContent('#token-health')).toContain('revoked');
    expect(await page.textContent('#token-health')).toContain('AADSTS50173');
    expect(await page.textContent('#token-remedy')).toContain('Consent');
    await screenshots(page, 'csp-partner-revoked');
    await Promise.all([page.waitForURL(/oauth2\/v2\.0\/authorize/), page.click('#consent-form button')]);
    await page.fill('#login', portal.world.csp.agentUpn);
    await page.fill('#password', agentPassword);
    await page.click('#sign-in');
    await page.locator('#otc, #accept, #consent-done').first().waitFor({ timeout: 20_000 });
    if (await page.$('#otc')) {
      await page.fill('#otc', (await page.textContent('#emulator-mfa-code'))!.trim());
      await page.click('#verify');
      await page.locator('#accept, #consent-done').first().waitFor({ timeout: 20_000 });
    }
    if (await page.$('#accept')) await page.click('#accept');
    await page.waitForSelector('#consent-done');
    await Promise.all([page.waitForURL(/done=consent/), page.click('#back-to-portal')]);
    expect(await page.textContent('#notice')).toContain('Consent recorded');
    expect(await page.textContent('#token-health')).toContain('valid');
    const started = await portal.world.lanyard.context.db.selectFrom('auditEvents').select('actor').where('action', '=', 'csp.consent.complete').orderBy('occurredAt', 'desc').executeTakeFirst();
    expect(started?.actor).toBe(`user:${cspPeople.partnerAdmin}`);
    // The JSON twin answers the authorize URL, as `lanyard csp partner consent` prints it.
    const api = await page.request.post(`${portal.world.url}/admin/api/csp/${portal.world.csp.partnerSlug}/consent`, { form: { csrf: await csrfOf(page) } });
    expect(((await api.json()) as { url: string }).url).toContain('/oauth2/v2.0/authorize');
    await page.close();
  }, 120_000);

  it('partner-admin: creates a customer with the agreement, and imports (dry run first)', async () => {
    const page = await signedInPage(cspPeople.partnerAdmin);
    await page.goto(partnerUrl());
    await page.click('#create-customer-link');
    await checkPage(page);
    await screenshots(page, 'csp-customer-create');
    const fields = { company: 'Fabrikam GmbH', domainPrefix: 'fabrikamportal', email: 'it@fabrikam.example', firstName: 'Ada', lastName: 'Lovelace', address: 'Hauptstraße 1', city: 'Berlin', postalCode: '10115', country: 'DE' };
    for (const [name, value] of Object.entries(fields)) await page.fill(`#${name}`, value);
    await page.selectOption('#reseller', resellers.mine);
    await page.check('#acceptAgreement');
    await page.click('#create-customer button[type=submit]');
    await page.waitForSelector('#created-customer');
    expect(await page.textContent('#admin-password')).toMatch(/\S{8,}/);
    expect(await page.textContent('#created-agreement')).toContain('accepted');
    await checkPage(page);
    await screenshots(page, 'csp-customer-created');
    const created = (await findCustomerByDomain(portal.world.lanyard.context.db, 'fabrikamportal.onmicrosoft.com'))!;
    expect(created.resellerId).toBe(resellers.mine);
    expect(created.agreementAcceptedBy).toBe(`user:${cspPeople.partnerAdmin}`);
    // The same validation as the command: a bad prefix is refused before Partner Center is asked.
    const bad = await page.request.post(`${portal.world.url}/admin/api/csp/${portal.world.csp.partnerSlug}/customers`, { form: { csrf: await csrfOf(page), ...fields, domainPrefix: 'no-dashes' }, headers: json });
    expect(bad.status()).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('CSP_DOMAIN_PREFIX_INVALID');
    // The page shows a refusal on the form itself: its status, the summary focused, what was typed kept.
    await page.goto(`${partnerUrl()}/customers/new`);
    for (const [name, value] of Object.entries(fields)) await page.fill(`#${name}`, value);
    await page.selectOption('#reseller', resellers.mine);
    await page.check('#acceptAgreement');
    const [taken] = await Promise.all([page.waitForNavigation(), page.click('#create-customer button[type=submit]')]);
    expect(taken?.status()).toBe(409);
    expect(await page.textContent('#create-error')).toContain('CSP_DOMAIN_PREFIX_TAKEN');
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('create-error');
    for (const [name, value] of Object.entries(fields)) expect(await page.inputValue(`#${name}`), name).toBe(value);
    expect(await page.inputValue('#reseller')).toBe(resellers.mine);
    expect(await page.isChecked('#acceptAgreement')).toBe(true);
    await checkPage(page);
    await screenshots(page, 'csp-customer-create-refused');

    await page.goto(partnerUrl());
    await page.check('#import-dry-run');
    await page.click('#import-form button');
    await page.waitForSelector('#import-report');
    expect(await page.textContent('#import-summary')).toContain('Dry run');
    expect(await findPartnerCustomerByRef(portal.world.lanyard.context.db, (await portal.world.csp.partner()).id, imported)).toBeUndefined();
    await page.goto(partnerUrl());
    await page.click('#import-form button');
    await page.waitForSelector('#import-report');
    expect(await page.textContent('#import-report')).toContain('contoso');
    await checkPage(page);
    await screenshots(page, 'csp-customer-import');
    expect(await findPartnerCustomerByRef(portal.world.lanyard.context.db, (await portal.world.csp.partner()).id, imported)).toBeDefined();
    await page.close();
  }, 120_000);

  it('operator: links and unlinks an organization; a partner-admin has none to link', async () => {
    const pat = await signedInPage(cspPeople.partnerAdmin);
    await pat.goto(`${partnerUrl()}/customers/${imported}`);
    expect(await pat.textContent('#link-actions')).toContain('No organization you administer');
    await pat.close();
    const page = await signedInPage(cspPeople.operator);
    await page.goto(`${partnerUrl()}/customers/${imported}`);
    await page.selectOption('#link-org', 'host');
    await Promise.all([page.waitForURL(/done=link/), page.click('#link-form button')]);
    expect(await page.textContent('#customer-facts')).toContain('host');
    await checkPage(page);
    await screenshots(page, 'csp-customer-linked');
    const host = (await findOrganizationBySlug(portal.world.lanyard.context.db, 'host'))!;
    expect((await findPartnerCustomerByRef(portal.world.lanyard.context.db, (await portal.world.csp.partner()).id, imported))!.organizationId).toBe(host.id);
    await Promise.all([page.waitForURL(/done=unlink/), page.click('#unlink-form button')]);
    expect(await page.textContent('#customer-facts')).toContain('not linked');
    await page.close();
  }, 120_000);

  it('reseller and org-admin: no partner or customer action (page, JSON, forged post)', async () => {
    const page = await signedInPage(cspPeople.reseller);
    await page.goto(partnerUrl());
    expect(await page.locator('#connection-actions, #customer-actions').count()).toBe(0);
    await checkPage(page);
    await screenshots(page, 'csp-partner-reseller');
    expect((await page.goto(`${partnerUrl()}/customers/new`))?.status()).toBe(403);
    await page.goto(`${partnerUrl()}/customers/${imported}`);
    expect(await page.locator('#link-actions').count()).toBe(0);
    const csrf = await csrfOf(page);
    const before = (await portal.world.csp.partner()).refreshTokenRotatedAt;
    for (const path of ['consent', 'refresh', 'check', 'customers', 'customers/import', `customers/${imported}/link`, `customers/${imported}/unlink`, `customers/${imported}/agreement`]) {
      for (const base of ['/admin/csp', '/admin/api/csp']) {
        const refused = await page.request.post(`${portal.world.url}${base}/${portal.world.csp.partnerSlug}/${path}`, { form: { csrf, org: 'host', dryRun: 'on', firstName: 'R', lastName: 'R', email: 'r@example.com' }, headers: json });
        expect(refused.status(), `${base} ${path}`).toBe(403);
      }
    }
    expect((await portal.world.csp.partner()).refreshTokenRotatedAt).toBe(before);
    expect((await findPartnerCustomerByRef(portal.world.lanyard.context.db, (await portal.world.csp.partner()).id, imported))!.organizationId).toBeNull();
    await page.close();

    const alice = await signedInPage(cspPeople.orgAdmin);
    const aliceCsrf = await csrfOf(alice);
    expect((await alice.request.get(`${portal.world.url}/admin/api/csp/${portal.world.csp.partnerSlug}`)).status()).toBe(403);
    for (const path of ['consent', 'refresh', 'customers/import']) {
      expect((await alice.request.post(`${partnerUrl()}/${path}`, { form: { csrf: aliceCsrf }, headers: json })).status(), path).toBe(403);
    }
    expect(cspViolations).toEqual([]);
    await alice.close();
  }, 120_000);
});
