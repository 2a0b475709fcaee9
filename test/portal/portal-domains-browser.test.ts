import { describe, expect, it } from 'vitest';
import { findDomainByName } from '../../core/db/domains.ts';
import { findUserByUpn } from '../../core/db/users.ts';
import { connectTenant } from '../../provisioning/tenant/tenant-connection.ts';
import { federationAppRoles } from '../e2e/federation-stack.ts';
import { seedTenant } from '../emulator/harness.ts';
import { portalBrowserSuite } from './portal-browser-kit.ts';
import { people, startPortalWorld } from './portal-world.ts';

/**
 * Domains & federation in Chromium, against the Entra/Graph emulator: contoso's tenant holds
 * contoso.com, a break-glass Global Administrator and contoso's people with their ImmutableIDs.
 * The org-admin adds a domain, sees a failing pre-flight (no confirmation offered), federates with
 * the checklist and the Graph body shown, and unfederates with re-authentication; a reseller is
 * refused (page, API, and a post carrying its own valid CSRF token); an org-admin cannot reach
 * another organization's domain through its own organization's URL.
 */
describe('portal domains and federation in Chromium', () => {
  const tenantDomain = () => portal.world.stack!.emulator.state.findDomain('contoso.com')!.domain;

  const portal = portalBrowserSuite(async () => {
    const world = await startPortalWorld('sqlite', {}, { emulator: true });
    const context = world.lanyard.context;
    const people_ = await Promise.all([people.orgAdmin, people.contosoUser].map((upn) => findUserByUpn(context.db, upn)));
    const tenant = seedTenant(world.stack!.emulator, 'contoso', federationAppRoles, {
      domains: [{ id: 'contoso.com' }],
      users: [
        { userPrincipalName: 'breakglass@contoso.onmicrosoft.com', directoryRoles: ['Global Administrator'] },
        ...people_.map((user) => ({ userPrincipalName: user!.upn, onPremisesImmutableId: user!.immutableId })),
      ],
    });
    await connectTenant(context, { organization: 'contoso', tenantId: tenant.tenant.id, clientId: tenant.clientId, clientSecret: tenant.clientSecret }, 'test');
    return world;
  }, { timeout: 90_000 });
  const { signedInPage, screenshots, checkPage, cspViolations } = portal;

  it('org-admin: adds a domain, and a domain the tenant lacks fails its pre-flight with nothing to confirm', async () => {
    const page = await signedInPage(people.orgAdmin);
    await page.goto(`${portal.world.url}/admin/orgs/contoso/domains`);
    expect(await page.textContent('#domain-contoso\\.com')).toContain('managed');
    await checkPage(page);
    await screenshots(page, 'domains-org-admin');
    await page.fill('#domain-name', 'Contoso.NET');
    await Promise.all([page.waitForURL(/done=domain-add/), page.click('button:has-text("Add domain")')]);
    expect(await page.textContent('#domains')).toContain('contoso.net');
    const audit = await portal.world.lanyard.context.db.selectFrom('auditEvents').selectAll().where('action', '=', 'domain.add').where('target', '=', 'contoso.net').executeTakeFirst();
    expect(audit?.actor).toBe(`user:${people.orgAdmin}`);
    // The same domain again: refused on the add form itself, the name kept and the summary focused.
    await page.fill('#domain-name', 'contoso.net');
    const [again] = await Promise.all([page.waitForNavigation(), page.click('button:has-text("Add domain")')]);
    expect(again?.status()).toBe(409);
    expect(await page.textContent('#add-domain-error')).toContain('DOMAIN_EXISTS');
    expect(await page.inputValue('#domain-name')).toBe('contoso.net');
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('add-domain-error');
    await checkPage(page);

    await Promise.all([page.waitForURL(/contoso\.net\/federate/), page.click('a[aria-label="Federate contoso.net"]')]);
    expect(await page.locator('#preflight li.bad').count()).toBeGreaterThan(0);
    expect(await page.textContent('#preflight')).toContain('not a domain of the connected tenant');
    expect(await page.locator('#confirm-federate').count()).toBe(0);
    expect(await page.textContent('#preflight-failed')).toContain('cannot be federated yet');
    await checkPage(page);
    await screenshots(page, 'federate-preflight-failed-org-admin');
    await page.close();
  }, 90_000);

  it('org-admin: federates contoso.com after the checklist and the Graph body', async () => {
    const page = await signedInPage(people.orgAdmin);
    await page.goto(`${portal.world.url}/admin/orgs/contoso/domains`);
    await Promise.all([page.waitForURL(/contoso\.com\/federate/), page.click('a[aria-label="Federate contoso.com"]')]);
    // Choose SAML and check again: the checklist and the body follow the choice.
    await page.selectOption('#protocol', 'saml');
    await Promise.all([page.waitForURL(/protocol=saml/), page.click('button:has-text("Check again")')]);
    const checks = await page.locator('#preflight > li').evaluateAll((items) => items.map((item) => `${item.getAttribute('data-check')}:${item.getAttribute('class')}`));
    expect(checks).toEqual(expect.arrayContaining(['domain-in-tenant:ok', 'domain-verified:ok', 'cloud-global-admin:ok', 'immutable-ids:ok']));
    expect(checks.every((check) => check.endsWith(':ok'))).toBe(true);
    const body = JSON.parse((await page.textContent('#graph-body'))!) as Record<string, unknown>;
    expect(body.issuerUri).toBe((await findDomainByName(portal.world.lanyard.context.db, 'contoso.com'))!.issuerUri);
    expect(body.preferredAuthenticationProtocol).toBe('saml');
    // Nothing was written by the pre-flight.
    expect(tenantDomain().authenticationType).toBe('Managed');
    await checkPage(page);
    await screenshots(page, 'federate-preflight-org-admin');
    // Within the re-authentication window of the sign-in: no code asked.
    expect(await page.locator('#federate-code').count()).toBe(0);
    await Promise.all([page.waitForURL(/done=federate/), page.click('button:has-text("Federate contoso.com")')]);
    expect(await page.textContent('#notice')).toContain('federated');
    expect(await page.textContent('#domain-contoso\\.com')).toContain('federated');
    expect(tenantDomain().authenticationType).toBe('Federated');
    expect(tenantDomain().federationConfiguration?.issuerUri).toBe(body.issuerUri);
    const events = await portal.world.lanyard.context.db.selectFrom('auditEvents').select(['actor', 'outcome']).where('action', '=', 'federation.federate').execute();
    expect(events).toEqual([{ actor: `user:${people.orgAdmin}`, outcome: 'success' }]);
    const api = await page.request.get(`${portal.world.url}/admin/api/orgs/contoso/domains`);
    expect(((await api.json()) as { domains: { name: string; federated: boolean }[] }).domains.find((d) => d.name === 'contoso.com')?.federated).toBe(true);
    await page.close();
  }, 90_000);

  it('reseller: no federation on its customer (page, API, post with its own valid CSRF token); org-admin: no other organization\'s domain', async () => {
    const page = await signedInPage(people.reseller);
    await page.goto(`${portal.world.url}/admin/orgs/fabrikam/domains`);
    expect(await page.locator('a:has-text("Federate")').count()).toBe(0);
    expect(await page.locator('#add-domain').count()).toBe(0);
    await checkPage(page);
    await screenshots(page, 'domains-reseller');
    expect((await page.goto(`${portal.world.url}/admin/orgs/fabrikam/domains/fabrikam.com/federate`))?.status()).toBe(403);
    expect(await page.textContent('#error-code')).toBe('ADMIN_FORBIDDEN');
    expect((await page.request.get(`${portal.world.url}/admin/api/orgs/fabrikam/domains/fabrikam.com/federation-preflight`)).status()).toBe(403);
    await page.goto(`${portal.world.url}/admin/orgs/fabrikam/domains`);
    const csrf = (await page.getAttribute('form[action="/admin/signout"] input[name=csrf]', 'value'))!;
    for (const action of ['fabrikam.com/federate', 'fabrikam.com/unfederate']) {
      const refused = await page.request.post(`${portal.world.url}/admin/orgs/fabrikam/domains/${action}`, { form: { csrf }, headers: { accept: 'application/json' } });
      expect(refused.status(), action).toBe(403);
    }
    const add = await page.request.post(`${portal.world.url}/admin/orgs/fabrikam/domains`, { form: { csrf, name: 'fabrikam.org' }, headers: { accept: 'application/json' } });
    expect(add.status()).toBe(403);
    expect(await portal.world.lanyard.context.db.selectFrom('domains').select('id').where('name', '=', 'fabrikam.org').executeTakeFirst()).toBeUndefined();
    await page.close();

    const admin = await signedInPage(people.orgAdmin);
    const tampered = await admin.goto(`${portal.world.url}/admin/orgs/contoso/domains/fabrikam.com/federate`);
    expect(tampered?.status()).toBe(404);
    expect(await admin.textContent('#error-code')).toBe('DOMAIN_NOT_FOUND');
    await admin.close();
  }, 90_000);

  // Last: the portal clock moves past the re-authentication window (ahead of the wall clock).
  it('org-admin: unfederate shows what follows and asks for a fresh code past the window', async () => {
    const page = await signedInPage(people.orgAdmin);
    await portal.world.clock.advance((portal.world.lanyard.context.config.portal.reauthMinutes + 1) * 60_000);
    await page.goto(`${portal.world.url}/admin/orgs/contoso/domains`);
    await Promise.all([page.waitForURL(/unfederate/), page.click('a[aria-label="Unfederate contoso.com"]')]);
    expect(await page.textContent('#tenant-state')).toBe('Federated');
    expect(await page.textContent('#warnings')).toContain('two hours');
    await checkPage(page);
    await screenshots(page, 'unfederate-org-admin');
    // Without the code the server refuses (the field is required in the page; the post is forged here).
    const csrf = (await page.getAttribute('#confirm-unfederate input[name=csrf]', 'value'))!;
    const bare = await page.request.post(`${portal.world.url}/admin/orgs/contoso/domains/contoso.com/unfederate`, { form: { csrf }, headers: { accept: 'application/json' } });
    expect(bare.status()).toBe(403);
    expect(((await bare.json()) as { error: { code: string } }).error.code).toBe('ADMIN_REAUTH_REQUIRED');
    expect(tenantDomain().authenticationType).toBe('Federated');
    await page.fill('#unfederate-code', await portal.world.code(people.orgAdmin, portal.world.clock.now()));
    await Promise.all([page.waitForURL(/done=unfederate/), page.click('button:has-text("Unfederate contoso.com")')]);
    expect(await page.textContent('#domain-contoso\\.com')).toContain('managed');
    expect(tenantDomain().authenticationType).toBe('Managed');
    expect(cspViolations).toEqual([]);
    await page.close();
  }, 90_000);
});
