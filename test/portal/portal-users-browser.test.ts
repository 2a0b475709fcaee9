import { describe, expect, it } from 'vitest';
import { findMfaCredential } from '../../core/db/mfa-credentials.ts';
import { findUserByUpn } from '../../core/db/users.ts';
import { portalBrowserSuite } from './portal-browser-kit.ts';
import { people, startPortalWorld } from './portal-world.ts';

/**
 * Users in Chromium: add (pending, with an activation link shown once), edit, reset password
 * (password and authenticator removed, sessions ended, a new activation link) and delete, the last
 * two under re-authentication; a reseller may add and edit but not reset or delete (page, and posts
 * carrying its own valid CSRF token); no admin reaches another organization's account.
 */
describe('portal users: add, edit, reset password, delete in Chromium', () => {
  const json = { accept: 'application/json' };

  const portal = portalBrowserSuite(() => startPortalWorld('sqlite'));
  const { signedInPage, screenshots, checkPage, cspViolations } = portal;

  it('org-admin: adds a user with an activation link, edits it, resets bob\'s password', async () => {
    const db = portal.world.lanyard.context.db;
    const page = await signedInPage(people.orgAdmin);
    await page.goto(`${portal.world.url}/admin/orgs/contoso/users`);
    await page.fill('#new-upn', 'carol@contoso.com');
    await page.fill('#new-display-name', 'Carol');
    await page.click('button:has-text("Add user")');
    await page.waitForSelector('#activation-link');
    const link = (await page.textContent('#activation-link'))!.trim();
    expect(link).toMatch(/\/activate\/[A-Za-z0-9_-]{43}$/);
    expect((await findUserByUpn(db, 'carol@contoso.com'))!.status).toBe('pending');
    await checkPage(page);
    await screenshots(page, 'user-added-org-admin');
    // The link opens the activation page in the person's own browser.
    const person = await portal.browser.newContext();
    const activation = await (await person.newPage()).goto(link);
    expect(activation?.status()).toBe(200);
    await person.close();
    // A domain of another organization is refused.
    await page.goto(`${portal.world.url}/admin/orgs/contoso/users`);
    const csrf = (await page.getAttribute('#add-user input[name=csrf]', 'value'))!;
    const foreign = await page.request.post(`${portal.world.url}/admin/orgs/contoso/users`, { form: { csrf, upn: 'eve@fabrikam.com' }, headers: json });
    expect(foreign.status()).toBe(404);
    expect(await findUserByUpn(db, 'eve@fabrikam.com')).toBeUndefined();
    // An account that exists already: refused on the form, with what was typed and the summary focused.
    await page.fill('#new-upn', 'carol@contoso.com');
    await page.fill('#new-display-name', 'Carol Again');
    const [exists] = await Promise.all([page.waitForNavigation(), page.click('button:has-text("Add user")')]);
    expect(exists?.status()).toBe(409);
    expect(await page.textContent('#add-user-error')).toContain('carol@contoso.com');
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('add-user-error');
    expect([await page.inputValue('#new-upn'), await page.inputValue('#new-display-name')]).toEqual(['carol@contoso.com', 'Carol Again']);
    await checkPage(page);
    await screenshots(page, 'user-add-refused-org-admin');
    await page.goto(`${portal.world.url}/admin/orgs/contoso/users`);

    await page.click('a:has-text("carol@contoso.com")');
    await page.fill('#display-name', 'Carol Danvers');
    await Promise.all([page.waitForURL(/done=edit/), page.click('button:has-text("Save")')]);
    expect((await findUserByUpn(db, 'carol@contoso.com'))!.displayName).toBe('Carol Danvers');

    const bob = await portal.world.userId(people.contosoUser);
    await page.goto(`${portal.world.url}/admin/orgs/contoso/users/${bob}`);
    await checkPage(page);
    await screenshots(page, 'user-org-admin');
    expect(await page.locator('#reset-code').count()).toBe(0);
    await page.click('button:has-text("Reset password")');
    await page.waitForSelector('#activation-link, #error-code');
    expect(await page.locator('#error-code').count(), await page.locator('main').textContent() ?? '').toBe(0);
    const reset = (await findUserByUpn(db, people.contosoUser))!;
    expect(reset.status).toBe('pending');
    expect(reset.passwordHash).toBeNull();
    expect(await findMfaCredential(db, bob)).toBeUndefined();
    expect(await page.textContent('#notice')).toContain('pending');
    const events = await db.selectFrom('auditEvents').select(['action', 'actor']).where('target', '=', people.contosoUser).where('action', 'in', ['user.password-reset', 'user.activation-link']).orderBy('occurredAt').execute();
    expect(new Set(events.map((e) => e.action))).toEqual(new Set(['user.password-reset', 'user.activation-link']));
    expect(new Set(events.map((e) => e.actor))).toEqual(new Set([`user:${people.orgAdmin}`]));

    // Her own account has no delete form, and a forged post is refused.
    const self = await portal.world.userId(people.orgAdmin);
    await page.goto(`${portal.world.url}/admin/orgs/contoso/users/${self}`);
    expect(await page.locator('#delete-user').count()).toBe(0);
    const selfDelete = await page.request.post(`${portal.world.url}/admin/orgs/contoso/users/${self}/delete`, { form: { csrf }, headers: json });
    expect(((await selfDelete.json()) as { error: { code: string } }).error.code).toBe('ADMIN_SELF_DELETE');
    await page.close();
  }, 90_000);

  it('reseller: adds and edits, but cannot reset or delete; no other organization\'s account', async () => {
    const db = portal.world.lanyard.context.db;
    const page = await signedInPage(people.reseller);
    const fiona = await portal.world.userId(people.fabrikamUser);
    await page.goto(`${portal.world.url}/admin/orgs/fabrikam/users/${fiona}`);
    expect(await page.locator('#edit-user').count()).toBe(1);
    expect(await page.locator('#reset-password, #delete-user').count()).toBe(0);
    await checkPage(page);
    await screenshots(page, 'user-reseller');
    const csrf = (await page.getAttribute('#edit-user input[name=csrf]', 'value'))!;
    for (const action of ['reset-password', 'delete']) {
      const refused = await page.request.post(`${portal.world.url}/admin/orgs/fabrikam/users/${fiona}/${action}`, { form: { csrf }, headers: json });
      expect(refused.status(), action).toBe(403);
    }
    const still = (await findUserByUpn(db, people.fabrikamUser))!;
    expect(still.status).toBe('active');
    expect(still.passwordHash).not.toBeNull();
    // Another organization's account through this organization's URL: not found.
    const tim = await portal.world.userId(people.tailspinUser);
    expect((await page.goto(`${portal.world.url}/admin/orgs/fabrikam/users/${tim}`))?.status()).toBe(404);
    expect((await page.request.post(`${portal.world.url}/admin/orgs/fabrikam/users/${tim}/edit`, { form: { csrf, displayName: 'x' }, headers: json })).status()).toBe(404);
    expect((await findUserByUpn(db, people.tailspinUser))!.displayName).toBe('tim');
    await page.close();
  }, 60_000);

  // Last: the portal clock moves past the re-authentication window.
  it('org-admin: deleting a user asks for a fresh code past the window', async () => {
    const db = portal.world.lanyard.context.db;
    const page = await signedInPage(people.orgAdmin);
    await portal.world.clock.advance((portal.world.lanyard.context.config.portal.reauthMinutes + 1) * 60_000);
    const carol = (await findUserByUpn(db, 'carol@contoso.com'))!;
    await page.goto(`${portal.world.url}/admin/orgs/contoso/users/${carol.id}`);
    const csrf = (await page.getAttribute('#delete-user input[name=csrf]', 'value'))!;
    const bare = await page.request.post(`${portal.world.url}/admin/orgs/contoso/users/${carol.id}/delete`, { form: { csrf }, headers: json });
    expect(((await bare.json()) as { error: { code: string } }).error.code).toBe('ADMIN_REAUTH_REQUIRED');
    expect(await findUserByUpn(db, 'carol@contoso.com')).toBeDefined();
    await screenshots(page, 'user-delete-reauth-org-admin');
    await page.fill('#delete-code', await portal.world.code(people.orgAdmin, portal.world.clock.now()));
    await Promise.all([page.waitForURL(/done=delete/), page.click('button:has-text("Delete carol@contoso.com")')]);
    expect(await page.textContent('#notice')).toContain('deleted');
    expect(await findUserByUpn(db, 'carol@contoso.com')).toBeUndefined();
    expect(cspViolations).toEqual([]);
    await page.close();
  }, 60_000);
});
