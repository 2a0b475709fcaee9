import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { insertCustomer } from '../../csp/data/customers.ts';
import { listSyncErrors } from '../../csp/data/sync-errors.ts';
import { readSyncSettings } from '../../csp/data/sync-settings.ts';
import type { Tenant } from '../../emulator/state/model.ts';
import { customerTenant, e3SkuId } from '../csp/customer-tenants.ts';
import { portalBrowserSuite } from './portal-browser-kit.ts';
import { cspPeople, resellers, startPortalCspWorld } from './portal-csp-world.ts';

/**
 * A CSP customer's Users & licences page and the partner's Sync & errors page in Chromium, against
 * the emulator: search and paging, add with a licence (the password shown once), only verified
 * domains offered, seat counts and "no seats left" naming the SKU and numbers, change, licence
 * removal, removal of a user with re-authentication; the sync settings, "Run sync now" as a job
 * with its state, and the error table. Resellers may manage their own customer's users but not
 * delete them, and see no sync; another reseller and an org-admin are refused.
 */
describe('portal CSP users, licences and sync in Chromium', () => {
  let fabrikam: Tenant;
  const tenants: Record<string, string> = {};
  const users = (name: string) => `${portal.world.url}/admin/csp/${portal.world.csp.partnerSlug}/customers/${tenants[name]}/users`;
  const usersApi = (name: string) => users(name).replace('/admin/csp/', '/admin/api/csp/');
  const sync = () => `${portal.world.url}/admin/csp/${portal.world.csp.partnerSlug}/sync`;
  const syncApi = () => sync().replace('/admin/csp/', '/admin/api/csp/');
  const csrfOf = async (page: Page) => (await page.getAttribute('form[action="/admin/signout"] input[name=csrf]', 'value'))!;
  const json = { accept: 'application/json' };
  const userId = (upn: string) => fabrikam.users.byPrincipalName(upn)!.id;

  const portal = portalBrowserSuite(async () => {
    const world = await startPortalCspWorld('sqlite');
    const partner = await world.csp.partner();
    const people = Array.from({ length: 30 }, (_, index) => ({ userPrincipalName: `user${String(index + 1).padStart(2, '0')}@fabrikamusr.example`, displayName: `User ${index + 1}`, usageLocation: 'DE' }));
    fabrikam = customerTenant(world.csp, 'fabrikamusr', { users: [{ userPrincipalName: 'cleo@fabrikamusr.example', displayName: 'Cleo', usageLocation: 'DE' }, ...people] });
    tenants.fabrikam = fabrikam.id;
    await insertCustomer(world.lanyard.context.db, { partnerId: partner.id, tenantId: fabrikam.id, domain: 'fabrikamusr.onmicrosoft.com', companyName: 'Fabrikam Inc', country: 'DE', email: null, resellerId: resellers.mine, organizationId: null, source: 'imported' });
    // Not consented for Graph: the sync's licences step fails there, with its remediation.
    const tailspin = customerTenant(world.csp, 'tailspinusr', { scopes: [] });
    tenants.tailspin = tailspin.id;
    await insertCustomer(world.lanyard.context.db, { partnerId: partner.id, tenantId: tailspin.id, domain: 'tailspinusr.onmicrosoft.com', companyName: 'Tailspin Toys', country: 'DE', email: null, resellerId: resellers.other, organizationId: null, source: 'imported' });
    return world;
  }, { timeout: 120_000 });
  const { signedInPage, screenshots, checkPage, cspViolations } = portal;

  it('partner-admin: users with search and paging, seats, and a user added with a licence (password once, verified domains only)', async () => {
    const page = await signedInPage(cspPeople.partnerAdmin);
    await page.goto(`${portal.world.url}/admin/csp/${portal.world.csp.partnerSlug}/customers/${tenants.fabrikam}`);
    await page.click('nav a:has-text("Users & licences")');
    expect(page.url()).toBe(users('fabrikam'));
    expect(await page.textContent('#user-count')).toContain('32 users');
    expect(await page.locator('#users tbody tr').count()).toBe(25);
    expect(await page.textContent('#licences tr[data-sku="ENTERPRISEPACK"]')).toMatch(/ENTERPRISEPACK.*0\s*2\s*2/s);
    const domains = await page.locator('#add-domain option').evaluateAll((options) => options.map((option) => option.getAttribute('value')));
    expect(domains).toEqual(['fabrikamusr.example', 'fabrikamusr.onmicrosoft.com']);
    await checkPage(page);
    await screenshots(page, 'csp-users');
    await page.click('#next-page');
    expect(await page.locator('#users tbody tr').count()).toBe(7);
    await page.fill('#q', 'cleo');
    await page.click('button:has-text("Search")');
    expect(await page.locator('#users tbody tr').count()).toBe(1);

    await page.fill('#add-name', 'Ada Lovelace');
    await page.fill('#add-alias', 'ada');
    await page.check(`input[name="sku-${e3SkuId}"]`);
    await page.click('button:has-text("Add user")');
    await page.waitForSelector('#user-added');
    const password = await page.inputValue('#new-password');
    expect(password).toMatch(/^.{16}$/);
    const ada = fabrikam.users.byPrincipalName('ada@fabrikamusr.example')!;
    expect(fabrikam.passwords.get(ada.id)).toBe(password);
    expect(ada.assignedLicenses.map((licence) => licence.skuId)).toEqual([e3SkuId]);
    expect(await page.textContent('#user-added')).toContain('ENTERPRISEPACK');
    await checkPage(page);
    await screenshots(page, 'csp-user-added');
    const found = (await (await page.request.get(`${usersApi('fabrikam')}?q=ada`)).json()) as { users: { userPrincipalName: string }[]; licences: { skuPartNumber: string; consumed: number }[] };
    expect(found.users.map((user) => user.userPrincipalName)).toEqual(['ada@fabrikamusr.example']);
    expect(found.licences).toEqual([expect.objectContaining({ skuPartNumber: 'ENTERPRISEPACK', consumed: 1 })]);
    await page.close();
  }, 120_000);

  it('partner-admin: assigns the last seat, then "no seats left" names the SKU and numbers; removes a licence; changes a user', async () => {
    const page = await signedInPage(cspPeople.partnerAdmin);
    await page.goto(`${users('fabrikam')}?q=cleo`);
    await Promise.all([page.waitForURL(/done=licence-assign/), page.click('button[aria-label="Assign the licence to cleo@fabrikamusr.example"]')]);
    expect(await page.textContent('#notice')).toContain('assigned');
    expect(fabrikam.users.byPrincipalName('cleo@fabrikamusr.example')!.assignedLicenses.map((licence) => licence.skuId)).toEqual([e3SkuId]);
    await page.goto(`${users('fabrikam')}?q=user01`);
    expect(await page.textContent('#licences')).toMatch(/2\s*2\s*0/);
    const [answer] = await Promise.all([page.waitForResponse((response) => response.url().endsWith('/licences')), page.click('button[aria-label="Assign the licence to user01@fabrikamusr.example"]')]);
    expect(answer.status()).toBe(409);
    // Shown on the users page itself, with the SKU and the numbers.
    const message = (await page.textContent('#user-problem'))!;
    expect(message).toContain('CSP_NO_SEATS_LEFT');
    expect(message).toContain('ENTERPRISEPACK');
    expect(message).toContain('2 of 2 assigned, 0 available');
    await checkPage(page);
    await screenshots(page, 'csp-users-no-seats');
    expect(fabrikam.users.byPrincipalName('user01@fabrikamusr.example')!.assignedLicenses).toEqual([]);

    await page.goto(`${users('fabrikam')}?q=cleo`);
    await Promise.all([page.waitForURL(/done=licence-remove/), page.click('button[aria-label="Remove ENTERPRISEPACK from cleo@fabrikamusr.example"]')]);
    expect(fabrikam.users.byPrincipalName('cleo@fabrikamusr.example')!.assignedLicenses).toEqual([]);

    await page.goto(`${users('fabrikam')}?q=cleo`);
    await page.click('a[aria-label="Change cleo@fabrikamusr.example"]');
    await page.waitForSelector('#change-user');
    expect(await page.locator('#change-domain option').count()).toBe(2);
    await checkPage(page);
    await screenshots(page, 'csp-user-change');
    // A UPN that is not one: refused on the change form itself, what was typed kept, nothing changed.
    await page.fill('#change-name', 'Cleo Typed');
    await page.fill('#change-alias', 'cleo p');
    const [refused] = await Promise.all([page.waitForNavigation(), page.click('button:has-text("Save")')]);
    expect(refused?.status()).toBe(400);
    expect(await page.textContent('#change-error')).toContain('CSP_USER_INPUT_INVALID');
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('change-error');
    expect([await page.inputValue('#change-name'), await page.inputValue('#change-alias')]).toEqual(['Cleo Typed', 'cleo p']);
    expect(fabrikam.users.byPrincipalName('cleo@fabrikamusr.example')!.displayName).toBe('Cleo');
    await checkPage(page);
    await screenshots(page, 'csp-user-change-refused');
    await page.fill('#change-name', 'Cleo Patra');
    await page.fill('#change-alias', 'cleo.p');
    await page.selectOption('#change-enabled', 'off');
    await Promise.all([page.waitForURL(/done=change/), page.click('button:has-text("Save")')]);
    const cleo = fabrikam.users.byPrincipalName('cleo.p@fabrikamusr.example')!;
    expect(cleo).toMatchObject({ displayName: 'Cleo Patra', accountEnabled: false });
    const shown = (await (await page.request.get(`${usersApi('fabrikam')}/${cleo.id}`)).json()) as { user: { userPrincipalName: string; accountEnabled: boolean } };
    expect(shown.user).toMatchObject({ userPrincipalName: 'cleo.p@fabrikamusr.example', accountEnabled: false });
    const changed = await portal.world.lanyard.context.db.selectFrom('auditEvents').select(['actor', 'details']).where('action', '=', 'csp.user.change').executeTakeFirstOrThrow();
    expect(changed.actor).toBe(`user:${cspPeople.partnerAdmin}`);
    expect(JSON.parse(changed.details!).changed).toEqual(['displayName', 'userPrincipalName', 'accountEnabled']);
    // The JSON twin of a licence change answers the user and the seats, as the command prints.
    const csrf = await csrfOf(page);
    const assigned = await page.request.post(`${usersApi('fabrikam')}/${cleo.id}/licences`, { form: { csrf, sku: 'enterprisepack', action: 'assign' }, headers: json });
    expect(assigned.status()).toBe(200);
    expect(((await assigned.json()) as { sku: { consumed: number; available: number } }).sku).toMatchObject({ consumed: 2, available: 0 });
    await page.close();
  }, 120_000);

  it('reseller: manages its customer\'s users but may not delete one (no button, forged post refused); another reseller and an org-admin are refused', async () => {
    const page = await signedInPage(cspPeople.reseller);
    await page.goto(users('fabrikam'));
    expect(await page.locator('button:has-text("Remove user")').count()).toBe(0);
    expect(await page.locator('#add-user').count()).toBe(1);
    await checkPage(page);
    await screenshots(page, 'csp-users-reseller');
    const csrf = await csrfOf(page);
    for (const url of [`${users('fabrikam')}/${userId('user02@fabrikamusr.example')}/remove`, `${usersApi('fabrikam')}/${userId('user02@fabrikamusr.example')}/remove`]) {
      expect((await page.request.post(url, { form: { csrf }, headers: json })).status(), url).toBe(403);
    }
    expect(fabrikam.users.byPrincipalName('user02@fabrikamusr.example')).toBeDefined();
    expect((await page.goto(sync()))?.status()).toBe(403);
    expect((await page.request.get(syncApi())).status()).toBe(403);
    expect((await page.request.post(`${sync()}/run`, { form: { csrf }, headers: json })).status()).toBe(403);
    await page.close();

    const ron = await signedInPage(cspPeople.otherReseller);
    expect((await ron.goto(users('fabrikam')))?.status()).toBe(403);
    expect((await ron.request.get(usersApi('fabrikam'))).status()).toBe(403);
    await ron.goto(`${portal.world.url}/admin/csp/${portal.world.csp.partnerSlug}/customers/${tenants.tailspin}`);
    const forged = await ron.request.post(usersApi('fabrikam'), { form: { csrf: await csrfOf(ron), name: 'Ron', upn: 'ron@fabrikamusr.example' }, headers: json });
    expect(forged.status()).toBe(403);
    expect(fabrikam.users.byPrincipalName('ron@fabrikamusr.example')).toBeUndefined();
    await ron.close();

    const alice = await signedInPage(cspPeople.orgAdmin);
    for (const url of [users('fabrikam'), sync()]) expect((await alice.goto(url))?.status(), url).toBe(403);
    expect((await alice.request.get(usersApi('fabrikam'))).status()).toBe(403);
    await alice.close();
  }, 120_000);

  it('partner-admin: sync settings, "Run sync now" as a job with its state, and the error table', async () => {
    const page = await signedInPage(cspPeople.partnerAdmin);
    await page.goto(`${portal.world.url}/admin/csp/${portal.world.csp.partnerSlug}`);
    await page.click('nav a:has-text("Sync & errors")');
    expect(page.url()).toBe(sync());
    expect(await page.textContent('#sync-job')).toContain('Not run from the portal yet');
    await page.fill('#sync-match', 'mail,upn');
    await page.selectOption('#sync-ignore-enabled', 'on');
    await page.fill('#sync-group', 'Billing users');
    await Promise.all([page.waitForURL(/done=settings/), page.click('button:has-text("Save settings")')]);
    const partner = await portal.world.csp.partner();
    expect(await readSyncSettings(portal.world.lanyard.context.db, partner.id)).toMatchObject({ matchFields: ['mail', 'upn'], ignoreAccountEnabled: true, billingGroup: 'Billing users', signInActivity: false });
    expect(await page.inputValue('#sync-match')).toBe('mail,upn');
    const csrf = await csrfOf(page);
    const bad = await page.request.post(`${syncApi()}/settings`, { form: { csrf, match: 'upn,phone' }, headers: json });
    expect(bad.status()).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('CSP_MATCH_FIELD_INVALID');
    // The page's form shows the same refusal on itself, focused, with what was typed; nothing saved.
    await page.fill('#sync-match', 'upn,phone');
    await page.fill('#sync-group', 'Typed group');
    const [refused] = await Promise.all([page.waitForNavigation(), page.click('button:has-text("Save settings")')]);
    expect(refused?.status()).toBe(400);
    expect(await page.textContent('#sync-settings-error')).toContain('CSP_MATCH_FIELD_INVALID');
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('sync-settings-error');
    expect([await page.inputValue('#sync-match'), await page.inputValue('#sync-group'), await page.inputValue('#sync-ignore-enabled')]).toEqual(['upn,phone', 'Typed group', 'on']);
    expect(await readSyncSettings(portal.world.lanyard.context.db, partner.id)).toMatchObject({ matchFields: ['mail', 'upn'], billingGroup: 'Billing users' });
    await checkPage(page);
    await screenshots(page, 'csp-sync-settings-refused');
    await page.fill('#sync-match', 'mail,upn');
    await page.fill('#sync-group', '');
    await Promise.all([page.waitForURL(/done=settings/), page.click('button:has-text("Save settings")')]);

    await Promise.all([page.waitForURL(/done=started/), page.click('button:has-text("Run sync now")')]);
    expect(await page.textContent('#sync-job')).toContain('queued');
    expect(await page.locator('button:has-text("Run sync now")').isDisabled()).toBe(true);
    // A second ask while it is queued answers the same job.
    const again = (await (await page.request.post(`${syncApi()}/run`, { form: { csrf }, headers: json })).json()) as { id: string; state: string };
    const first = (await (await page.request.get(syncApi())).json()) as { job: { id: string } };
    expect(again).toMatchObject({ id: first.job.id, state: 'queued' });
    await checkPage(page);
    await screenshots(page, 'csp-sync-queued');

    expect(await portal.world.lanyard.server.jobs.runDue()).toBeGreaterThan(0);
    await page.goto(sync());
    expect(await page.textContent('#sync-job')).toContain('succeeded');
    expect(await page.textContent('#sync-result')).toMatch(/customers/);
    const errors = await listSyncErrors(portal.world.lanyard.context.db, partner.id);
    expect(errors.some((error) => error.customerDomain === 'tailspinusr.onmicrosoft.com')).toBe(true);
    const row = page.locator('#sync-errors tbody tr:has-text("tailspinusr.onmicrosoft.com")').first();
    expect(await row.textContent()).toMatch(/AADSTS(65001|7000229)/);
    expect(await row.textContent()).toContain('Fix:');
    const api = (await (await page.request.get(syncApi())).json()) as { errors: { customer: string; step: string; code: string; count: number; firstSeenAt: string }[] };
    expect(api.errors).toEqual(expect.arrayContaining([expect.objectContaining({ customer: 'tailspinusr.onmicrosoft.com', count: 1 })]));
    await checkPage(page);
    await screenshots(page, 'csp-sync');
    await page.close();
  }, 120_000);

  // Last: the portal clock moves past the re-authentication window (ahead of the wall clock).
  it('partner-admin: removing a user asks for a fresh code past the window', async () => {
    const page = await signedInPage(cspPeople.partnerAdmin);
    await portal.world.clock.advance((portal.world.lanyard.context.config.portal.reauthMinutes + 1) * 60_000);
    await page.goto(`${users('fabrikam')}?q=user03`);
    expect(await page.locator('#reauth-hint').count()).toBe(1);
    const id = userId('user03@fabrikamusr.example');
    const csrf = await csrfOf(page);
    const bare = await page.request.post(`${usersApi('fabrikam')}/${id}/remove`, { form: { csrf }, headers: json });
    expect(bare.status()).toBe(403);
    expect(((await bare.json()) as { error: { code: string } }).error.code).toBe('ADMIN_REAUTH_REQUIRED');
    expect(fabrikam.users.byPrincipalName('user03@fabrikamusr.example')).toBeDefined();
    await page.fill(`#code-${id}`, await portal.world.code(cspPeople.partnerAdmin, portal.world.clock.now()));
    await Promise.all([page.waitForURL(/done=remove/), page.click('button[aria-label="Remove user user03@fabrikamusr.example"]')]);
    expect(await page.textContent('#notice')).toContain('removed');
    expect(fabrikam.users.byPrincipalName('user03@fabrikamusr.example')).toBeUndefined();
    const removed = await portal.world.lanyard.context.db.selectFrom('auditEvents').select('actor').where('action', '=', 'csp.user.remove').execute();
    expect(removed).toEqual([{ actor: `user:${cspPeople.partnerAdmin}` }]);
    expect(cspViolations).toEqual([]);
    await page.close();
  }, 120_000);
});
