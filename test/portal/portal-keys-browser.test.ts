import { describe, expect, it } from 'vitest';
import { findSigningKeyInState } from '../../core/db/signing-keys.ts';
import { findUserByUpn } from '../../core/db/users.ts';
import { federateDomain } from '../../provisioning/federation/federate.ts';
import { connectTenant } from '../../provisioning/tenant/tenant-connection.ts';
import { federationAppRoles } from '../e2e/federation-stack.ts';
import { seedTenant } from '../emulator/harness.ts';
import { portalBrowserSuite } from './portal-browser-kit.ts';
import { people, startPortalWorld } from './portal-world.ts';

/**
 * Signing keys in Chromium: the operator runs the rollover's three steps from the page, each first
 * pushed to the federated domain in the emulator's tenant; the retire step waits for the key caches
 * and, past the re-authentication window, for a fresh code. An org-admin is refused (page, API, a
 * post with its own valid CSRF token).
 */
describe('portal signing keys in Chromium', () => {
  const trusted = () => {
    const configuration = portal.world.stack!.emulator.state.findDomain('contoso.com')!.domain.federationConfiguration!;
    return { signing: configuration.signingCertificate, next: configuration.nextSigningCertificate ?? null };
  };
  const certificateOf = async (state: 'current' | 'next' | 'previous') => (await findSigningKeyInState(portal.world.lanyard.context.db, state))?.certificate;

  const portal = portalBrowserSuite(async () => {
    const world = await startPortalWorld('sqlite', {}, { emulator: true });
    const context = world.lanyard.context;
    const users = await Promise.all([people.orgAdmin, people.contosoUser].map((upn) => findUserByUpn(context.db, upn)));
    const tenant = seedTenant(world.stack!.emulator, 'contoso', federationAppRoles, {
      domains: [{ id: 'contoso.com' }],
      users: [
        { userPrincipalName: 'breakglass@contoso.onmicrosoft.com', directoryRoles: ['Global Administrator'] },
        ...users.map((user) => ({ userPrincipalName: user!.upn, onPremisesImmutableId: user!.immutableId })),
      ],
    });
    await connectTenant(context, { organization: 'contoso', tenantId: tenant.tenant.id, clientId: tenant.clientId, clientSecret: tenant.clientSecret }, 'test');
    await federateDomain(context, { domain: 'contoso.com', dryRun: false }, 'test');
    return world;
  }, { timeout: 90_000 });
  const { signedInPage, screenshots, checkPage, cspViolations } = portal;

  it('org-admin: refused the keys page, its API and a rotation post', async () => {
    const page = await signedInPage(people.orgAdmin);
    expect(await page.locator('nav a:has-text("Signing keys")').count()).toBe(0);
    expect((await page.goto(`${portal.world.url}/admin/keys`))?.status()).toBe(403);
    expect(await page.textContent('#error-code')).toBe('ADMIN_FORBIDDEN');
    expect((await page.request.get(`${portal.world.url}/admin/api/keys`)).status()).toBe(403);
    await page.goto(`${portal.world.url}/admin`);
    const csrf = (await page.getAttribute('form[action="/admin/signout"] input[name=csrf]', 'value'))!;
    const before = await certificateOf('current');
    const refused = await page.request.post(`${portal.world.url}/admin/keys/rotate`, { form: { csrf }, headers: { accept: 'application/json' } });
    expect(refused.status()).toBe(403);
    expect(await findSigningKeyInState(portal.world.lanyard.context.db, 'next')).toBeUndefined();
    expect(await certificateOf('current')).toBe(before);
    await page.close();
  }, 60_000);

  // Last: the portal clock moves ahead (key caches, re-authentication window).
  it('operator: create-next, activate, retire-previous, each pushed to Microsoft first', async () => {
    const page = await signedInPage(people.operator);
    await page.click('nav a:has-text("Signing keys")');
    await page.waitForURL(`${portal.world.url}/admin/keys`);
    const states = async () => page.locator('#rollover > li').evaluateAll((items) => items.map((item) => `${item.getAttribute('data-step')}:${item.getAttribute('data-state')}`));
    expect(await states()).toEqual(['create-next:next', 'activate:waiting', 'retire-previous:waiting']);
    expect(await page.textContent('#key-next')).toContain('none');
    await checkPage(page);
    await screenshots(page, 'keys-operator');
    const original = await certificateOf('current');

    await Promise.all([page.waitForURL(/done=create-next/), page.click('#rotate button')]);
    expect(await states()).toEqual(['create-next:done', 'activate:next', 'retire-previous:waiting']);
    expect(trusted()).toEqual({ signing: original, next: await certificateOf('next') });
    await screenshots(page, 'keys-next-operator');

    await Promise.all([page.waitForURL(/done=activate/), page.click('#rotate button')]);
    expect(await states()).toEqual(['create-next:done', 'activate:done', 'retire-previous:next']);
    expect(await certificateOf('previous')).toBe(original);
    expect(trusted()).toEqual({ signing: await certificateOf('current'), next: original });
    expect(await page.textContent('#retire-allowed')).toContain('Retiring is allowed from');
    await checkPage(page);
    await screenshots(page, 'keys-previous-operator');

    // Too soon: a node may still sign with the previous key.
    const tooSoon = page.waitForResponse((response) => response.url().endsWith('/admin/keys/rotate'));
    await page.click('#rotate button');
    expect((await tooSoon).status()).toBe(409);
    expect(await page.textContent('#error-code')).toBe('KEY_ROTATION_TOO_SOON');

    // Past the caches and the re-authentication window: the step needs a fresh code.
    await portal.world.clock.advance((portal.world.lanyard.context.config.portal.reauthMinutes + 1) * 60_000);
    await page.goto(`${portal.world.url}/admin/keys`);
    const csrf = (await page.getAttribute('#rotate input[name=csrf]', 'value'))!;
    const bare = await page.request.post(`${portal.world.url}/admin/keys/rotate`, { form: { csrf }, headers: { accept: 'application/json' } });
    expect(((await bare.json()) as { error: { code: string } }).error.code).toBe('ADMIN_REAUTH_REQUIRED');
    expect(await certificateOf('previous')).toBe(original);
    await page.fill('#rotate-code', await portal.world.code(people.operator, portal.world.clock.now()));
    await Promise.all([page.waitForURL(/done=retire-previous/), page.click('#rotate button')]);
    expect(await states()).toEqual(['create-next:next', 'activate:waiting', 'retire-previous:waiting']);
    expect(await certificateOf('previous')).toBeUndefined();
    expect(trusted()).toEqual({ signing: await certificateOf('current'), next: null });
    const steps = await portal.world.lanyard.context.db.selectFrom('auditEvents').select(['action', 'actor']).where('action', 'like', 'keys.%').where('outcome', '=', 'success').orderBy('occurredAt').execute();
    expect(steps).toEqual(['keys.create-next', 'keys.activate', 'keys.retire-previous'].map((action) => ({ action, actor: `user:${people.operator}` })));
    expect(cspViolations).toEqual([]);
    await page.close();
  }, 90_000);
});
