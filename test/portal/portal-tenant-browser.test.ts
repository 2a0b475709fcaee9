import { describe, expect, it } from 'vitest';
import { findOrganizationBySlug } from '../../core/db/organizations.ts';
import { findTenantConnection } from '../../provisioning/data/tenant-connections.ts';
import { connectTenant } from '../../provisioning/tenant/tenant-connection.ts';
import { federationAppRoles } from '../e2e/federation-stack.ts';
import { seedTenant, type SeededTenant } from '../emulator/harness.ts';
import { portalBrowserSuite } from './portal-browser-kit.ts';
import { people, startPortalWorld } from './portal-world.ts';

/**
 * Tenant connection in Chromium, against the Entra/Graph emulator. contoso uses its own app
 * registration (Lanyard's permissions, not Organization.Read.All); fabrikam has none and is a CSP
 * customer of partner alpha, whose delegated access is not consented. The org-admin tests the
 * connection (a checklist from real token and Graph calls, with what to do for each step that did
 * not work), and changes the app registration with re-authentication, a wrong secret never
 * replacing the working one. A reseller sees fabrikam's connection but may neither test nor change
 * it (page, JSON, forged post with its own CSRF token); an org-admin cannot reach another
 * organization's page.
 */
describe('portal tenant connection in Chromium', () => {
  let contosoTenant: SeededTenant;
  let otherTenant: SeededTenant;
  const checksOn = (page: import('playwright-core').Page) =>
    page.locator('#connection-checks > li').evaluateAll((items) => items.map((item) => `${item.getAttribute('data-check')}:${item.getAttribute('data-outcome')}`));
  const connection = async () => findTenantConnection(portal.world.lanyard.context.db, (await findOrganizationBySlug(portal.world.lanyard.context.db, 'contoso'))!.id);

  const portal = portalBrowserSuite(async () => {
    const world = await startPortalWorld('sqlite', {}, { emulator: true });
    contosoTenant = seedTenant(world.stack!.emulator, 'contoso', federationAppRoles, { domains: [{ id: 'contoso.com' }] });
    otherTenant = seedTenant(world.stack!.emulator, 'contoso-new', [...federationAppRoles, 'Organization.Read.All']);
    await connectTenant(world.lanyard.context, { organization: 'contoso', tenantId: contosoTenant.tenant.id, clientId: contosoTenant.clientId, clientSecret: contosoTenant.clientSecret }, 'test');
    return world;
  }, { timeout: 90_000 });
  const { signedInPage, screenshots, checkPage, cspViolations } = portal;

  it('org-admin: sees the app registration (never its secret) and tests the connection: a checklist with remediation', async () => {
    const page = await signedInPage(people.orgAdmin);
    await page.goto(`${portal.world.url}/admin/orgs/contoso/tenant`);
    expect(await page.textContent('#connection-via')).toBe('its own app registration');
    expect(await page.textContent('#app-registration')).toContain(contosoTenant.clientId);
    expect(await page.content()).not.toContain(contosoTenant.clientSecret);
    await checkPage(page);
    await screenshots(page, 'tenant-org-admin');

    await Promise.all([page.waitForSelector('#connection-checks'), page.click('button:has-text("Test connection")')]);
    expect(await checksOn(page)).toEqual(['token:ok', 'organization:warn', 'domains:ok', 'domain:contoso.com:ok']);
    expect(await page.textContent('#test-result')).toContain('working');
    expect(await page.textContent('[data-check="organization"] .remediation')).toContain('Organization.Read.All');
    await checkPage(page);
    await screenshots(page, 'tenant-test-org-admin');
    const audit = await portal.world.lanyard.context.db.selectFrom('auditEvents').selectAll().where('action', '=', 'tenant.test').executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor: `user:${people.orgAdmin}`, target: 'contoso', outcome: 'success' });

    const json = await page.request.get(`${portal.world.url}/admin/api/orgs/contoso/tenant`);
    expect(await json.json()).toMatchObject({ via: 'app-registration', appRegistration: { clientId: contosoTenant.clientId, secretExpiresAt: null } });
    expect(await json.text()).not.toContain(contosoTenant.clientSecret);
    await page.close();
  }, 90_000);

  it('a CSP customer without its own app registration: through the partner, and the refusal explained', async () => {
    const page = await signedInPage(people.fabrikamAdmin);
    await page.goto(`${portal.world.url}/admin/orgs/fabrikam/tenant`);
    expect(await page.textContent('#connection-via')).toBe('a CSP partner\'s delegated access');
    expect(await page.textContent('#csp-partner')).toContain('alpha');
    await Promise.all([page.waitForSelector('#connection-checks'), page.click('button:has-text("Test connection")')]);
    const checks = await checksOn(page);
    expect(checks).toEqual(['token:failed', 'organization:skipped', 'domains:skipped']);
    expect(await page.textContent('[data-check="token"] .remediation')).toBeTruthy();
    expect(await page.textContent('#test-result')).toContain('not working');
    await checkPage(page);
    await screenshots(page, 'tenant-csp-partner-failed');
    await page.close();
  }, 90_000);

  it('reseller: sees its customer\'s connection, may not test or change it; no one reaches another organization\'s page', async () => {
    const page = await signedInPage(people.reseller);
    await page.goto(`${portal.world.url}/admin/orgs/fabrikam/tenant`);
    expect(await page.locator('#test-connection, #connect-tenant').count()).toBe(0);
    await checkPage(page);
    await screenshots(page, 'tenant-reseller');
    expect((await page.request.get(`${portal.world.url}/admin/api/orgs/fabrikam/tenant`)).status()).toBe(200);
    const csrf = (await page.getAttribute('form[action="/admin/signout"] input[name=csrf]', 'value'))!;
    for (const path of ['/admin/orgs/fabrikam/tenant/test', '/admin/api/orgs/fabrikam/tenant/test', '/admin/orgs/fabrikam/tenant', '/admin/api/orgs/fabrikam/tenant']) {
      const refused = await page.request.post(`${portal.world.url}${path}`, { form: { csrf, tenantId: otherTenant.tenant.id, clientId: otherTenant.clientId, clientSecret: otherTenant.clientSecret }, headers: { accept: 'application/json' } });
      expect(refused.status(), path).toBe(403);
    }
    expect(await findTenantConnection(portal.world.lanyard.context.db, (await findOrganizationBySlug(portal.world.lanyard.context.db, 'fabrikam'))!.id)).toBeUndefined();
    expect((await page.goto(`${portal.world.url}/admin/orgs/contoso/tenant`))?.status()).toBe(403);
    expect((await page.request.get(`${portal.world.url}/admin/api/orgs/contoso/tenant`)).status()).toBe(403);
    await page.close();

    const admin = await signedInPage(people.orgAdmin);
    expect((await admin.goto(`${portal.world.url}/admin/orgs/fabrikam/tenant`))?.status()).toBe(403);
    await admin.close();
  }, 90_000);

  // Last: the portal clock moves past the re-authentication window (ahead of the wall clock).
  it('org-admin: changes the app registration with a fresh code; a wrong secret changes nothing', async () => {
    const page = await signedInPage(people.orgAdmin);
    await portal.world.clock.advance((portal.world.lanyard.context.config.portal.reauthMinutes + 1) * 60_000);
    await page.goto(`${portal.world.url}/admin/orgs/contoso/tenant`);
    expect(await page.locator('#connect-code').count()).toBe(1);
    const csrf = (await page.getAttribute('#connect-tenant input[name=csrf]', 'value'))!;
    const bare = await page.request.post(`${portal.world.url}/admin/orgs/contoso/tenant`, { form: { csrf, tenantId: otherTenant.tenant.id, clientId: otherTenant.clientId, clientSecret: otherTenant.clientSecret }, headers: { accept: 'application/json' } });
    expect(((await bare.json()) as { error: { code: string } }).error.code).toBe('ADMIN_REAUTH_REQUIRED');

    await page.fill('#tenant-id', otherTenant.tenant.id);
    await page.fill('#client-id', otherTenant.clientId);
    await page.fill('#client-secret', 'the secret ID, not its value');
    await page.fill('#connect-code', await portal.world.code(people.orgAdmin, portal.world.clock.now()));
    await page.click('button:has-text("Change app registration")');
    await page.waitForSelector('#connect-error');
    expect(await page.textContent('#connect-error-code')).toBe('TENANT_AUTH_FAILED');
    expect(await page.textContent('#connect-error')).toContain('AADSTS7000215');
    expect(await page.textContent('#connect-error .remediation')).toContain('Value');
    expect((await connection())!.clientId).toBe(contosoTenant.clientId);
    await checkPage(page);
    await screenshots(page, 'tenant-connect-refused-org-admin');

    // The ids typed are kept; the secret is typed again.
    expect(await page.inputValue('#client-id')).toBe(otherTenant.clientId);
    expect(await page.inputValue('#client-secret')).toBe('');
    await page.fill('#client-secret', otherTenant.clientSecret);
    // The code of the failed attempt made the session fresh again: no second code is asked.
    expect(await page.locator('#connect-code').count()).toBe(0);
    await Promise.all([page.waitForURL(/done=tenant-connect/), page.click('button:has-text("Change app registration")')]);
    expect(await page.textContent('#app-registration')).toContain(otherTenant.clientId);
    expect((await connection())!.clientId).toBe(otherTenant.clientId);
    await Promise.all([page.waitForSelector('#connection-checks'), page.click('button:has-text("Test connection")')]);
    expect(await checksOn(page)).toEqual(['token:ok', 'organization:ok', 'domains:ok', 'domain:contoso.com:failed']);
    expect(await page.textContent('[data-check="organization"]')).toContain(otherTenant.tenant.id);
    expect(await page.textContent('[data-check="domain:contoso.com"] .remediation')).toContain('Add and verify the domain');
    await checkPage(page);
    await screenshots(page, 'tenant-changed-org-admin');
    const audit = await portal.world.lanyard.context.db.selectFrom('auditEvents').select(['outcome', 'reason']).where('action', '=', 'tenant.connect').where('actor', '=', `user:${people.orgAdmin}`).orderBy('occurredAt').execute();
    expect(audit).toEqual([{ outcome: 'failure', reason: 'TENANT_AUTH_FAILED' }, { outcome: 'success', reason: null }]);

    // The JSON twin connects back (the session's code is still fresh); the answer never carries the secret.
    const back = await page.request.post(`${portal.world.url}/admin/api/orgs/contoso/tenant`, { form: { csrf, tenantId: contosoTenant.tenant.id, clientId: contosoTenant.clientId, clientSecret: contosoTenant.clientSecret }, headers: { accept: 'application/json' } });
    expect(back.status()).toBe(200);
    expect(await back.json()).toMatchObject({ organization: 'contoso', clientId: contosoTenant.clientId });
    expect(await back.text()).not.toContain(contosoTenant.clientSecret);
    expect((await connection())!.clientId).toBe(contosoTenant.clientId);
    expect(cspViolations).toEqual([]);
    await page.close();
  }, 90_000);
});
