import { describe, expect, it } from 'vitest';
import { setUserEnabled } from '../../idp/accounts/users.ts';
import { connectTenant } from '../../provisioning/tenant/tenant-connection.ts';
import { federationAppRoles } from '../e2e/federation-stack.ts';
import { seedTenant } from '../emulator/harness.ts';
import { portalBrowserSuite } from './portal-browser-kit.ts';
import { people, startPortalWorld } from './portal-world.ts';

const enterprisePack = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const e5 = 'c7df2760-2c81-4ef7-b578-5b5392b571df';

/**
 * Provisioning in Chromium against the emulator: contoso's tenant has only a break-glass admin, so
 * an export dry run reports contoso's accounts as to be created and creates nothing; the real export
 * is started from that report (never without a completed dry run) and creates them; the report
 * filters by outcome. The org-admin chooses default licences from the tenant's seats, switches
 * auto-provisioning, lowers the deletion threshold (fresh code) and confirms a run beyond it (fresh
 * code). A reseller sees the runs and settings but changes nothing, not even by a forged post.
 */
describe('portal provisioning in Chromium', () => {
  const tenantUpns = () => [...portal.world.stack!.emulator.state.findDomain('contoso.com')!.tenant.users.values()].map((user) => user.userPrincipalName).sort();

  const portal = portalBrowserSuite(async () => {
    const world = await startPortalWorld('sqlite', {}, { emulator: true });
    const tenant = seedTenant(world.stack!.emulator, 'contoso', [...federationAppRoles, 'LicenseAssignment.ReadWrite.All'], {
      domains: [{ id: 'contoso.com' }],
      users: [{ userPrincipalName: 'breakglass@contoso.onmicrosoft.com', directoryRoles: ['Global Administrator'] }],
      skus: [{ skuId: enterprisePack, skuPartNumber: 'ENTERPRISEPACK', prepaidUnits: 25 }, { skuId: e5, skuPartNumber: 'SPE_E5', prepaidUnits: 1 }],
    });
    await connectTenant(world.lanyard.context, { organization: 'contoso', tenantId: tenant.tenant.id, clientId: tenant.clientId, clientSecret: tenant.clientSecret }, 'test');
    return world;
  }, { timeout: 90_000 });
  const { signedInPage, screenshots, checkPage, cspViolations } = portal;

  it('org-admin: export dry run first, then the real export from its report; results filter by outcome', async () => {
    const page = await signedInPage(people.orgAdmin);
    await page.goto(`${portal.world.url}/admin/orgs/contoso/provisioning`);
    await checkPage(page);
    // A real run without a dry run is refused.
    const csrf = (await page.getAttribute('form[action="/admin/signout"] input[name=csrf]', 'value'))!;
    const blind = await page.request.post(`${portal.world.url}/admin/orgs/contoso/provisioning/runs`, { form: { csrf, kind: 'export' }, headers: { accept: 'application/json' } });
    expect(((await blind.json()) as { error: { code: string } }).error.code).toBe('PROVISIONING_DRY_RUN_REQUIRED');

    await Promise.all([page.waitForURL(/provisioning\/runs\//), page.click('button:has-text("Dry run export")')]);
    expect(await portal.world.lanyard.server.jobs.runDue()).toBeGreaterThan(0);
    await page.reload();
    expect(await page.textContent('#run-report')).toContain('completed');
    expect(await page.textContent('#results')).toContain(people.contosoUser);
    expect(await page.textContent('#run-report')).toContain('created 2');
    // The diff: what the export would send for each account.
    expect(await page.textContent('#results')).toContain('"userPrincipalName":"bob@contoso.com"');
    expect(tenantUpns()).toEqual(['breakglass@contoso.onmicrosoft.com']);
    await checkPage(page);
    await screenshots(page, 'provisioning-dry-run-org-admin');

    await Promise.all([page.waitForURL(/provisioning\/runs\//), page.click('button:has-text("Run the export")')]);
    expect(await portal.world.lanyard.server.jobs.runDue()).toBeGreaterThan(0);
    await page.reload();
    expect(await page.textContent('h1')).toBe('export');
    expect(await page.textContent('#run-report')).toContain('completed');
    expect(tenantUpns()).toEqual([people.orgAdmin, people.contosoUser, 'breakglass@contoso.onmicrosoft.com'].sort());
    // Filter: only failures (none), then only created (both).
    await page.check('input[name=outcome][value=failed]');
    await Promise.all([page.waitForURL(/outcome=failed/), page.click('#result-filter button')]);
    expect(await page.locator('#results tbody tr').count()).toBe(0);
    await page.uncheck('input[name=outcome][value=failed]');
    await page.check('input[name=outcome][value=created]');
    await Promise.all([page.waitForURL(/outcome=created/), page.click('#result-filter button')]);
    expect(await page.locator('#results tbody tr').count()).toBe(2);
    await checkPage(page);
    await screenshots(page, 'provisioning-run-org-admin');
    const api = await page.request.get(`${portal.world.url}/admin/api/orgs/contoso/provisioning/runs`);
    expect(((await api.json()) as { runs: { dryRun: boolean; status: string }[] }).runs.map((run) => `${run.dryRun}:${run.status}`).sort()).toEqual(['false:completed', 'true:completed']);
    await page.close();
  }, 90_000);

  it('org-admin: default licences from the tenant\'s seats, and the auto-provisioning switch', async () => {
    const page = await signedInPage(people.orgAdmin);
    await page.goto(`${portal.world.url}/admin/orgs/contoso/provisioning`);
    const row = (name: string) => page.locator('#licence-table tbody tr', { hasText: name });
    expect((await row('ENTERPRISEPACK').innerText()).replace(/\s+/g, ' ')).toMatch(/ENTERPRISEPACK 25 0 25 Enabled/);
    expect((await row('SPE_E5').innerText()).replace(/\s+/g, ' ')).toMatch(/SPE_E5 1 0 1 Enabled/);
    const csrf = (await page.getAttribute('form[action="/admin/signout"] input[name=csrf]', 'value'))!;
    const post = (path: string, form: Record<string, string>) => page.request.post(`${portal.world.url}/admin/orgs/contoso/provisioning/${path}`, { form: { csrf, ...form }, headers: { accept: 'application/json' } });
    const codeOf = async (response: Awaited<ReturnType<typeof post>>) => ((await response.json()) as { error: { code: string } }).error.code;
    // Hostile input changes nothing: an SKU the tenant lacks, a usage location that is no country code.
    expect(await codeOf(await post('licences', { [`sku:${e5}`]: '1', 'sku:00000000-0000-0000-0000-000000000000': '1', usageLocation: 'GB' }))).toBe('LICENCE_UNKNOWN');
    expect(await codeOf(await post('licences', { [`sku:${e5}`]: '1', usageLocation: 'G1' }))).toBe('USAGE_LOCATION_INVALID');
    const settings = async () => (await (await page.request.get(`${portal.world.url}/admin/api/orgs/contoso/provisioning/settings`)).json()) as { defaultLicences: { skuPartNumber: string }[]; defaultUsageLocation: string | null; autoProvisioning: boolean; deletionThreshold: number };
    expect(await settings()).toMatchObject({ defaultLicences: [], defaultUsageLocation: null, autoProvisioning: false, deletionThreshold: 500 });

    await page.check(`input[name="sku:${enterprisePack}"]`);
    await page.fill('#usage-location', 'gb');
    await Promise.all([page.waitForURL(/done=licences/), page.click('#licences-form button[type=submit]')]);
    expect(await page.textContent('#notice')).toContain('default licences are saved');
    expect(await page.isChecked(`input[name="sku:${enterprisePack}"]`)).toBe(true);
    expect(await page.isChecked(`input[name="sku:${e5}"]`)).toBe(false);
    expect(await settings()).toMatchObject({ defaultLicences: [{ skuPartNumber: 'ENTERPRISEPACK' }], defaultUsageLocation: 'GB' });
    const licences = (await (await page.request.get(`${portal.world.url}/admin/api/orgs/contoso/provisioning/licences`)).json()) as { available: boolean; skus: { skuPartNumber: string; isDefault: boolean; enabled: number; consumed: number }[] };
    expect(licences.skus.map((sku) => `${sku.skuPartNumber}:${sku.isDefault}:${sku.enabled}:${sku.consumed}`).sort()).toEqual(['ENTERPRISEPACK:true:25:0', 'SPE_E5:false:1:0']);
    await checkPage(page);
    await screenshots(page, 'provisioning-settings-org-admin');

    // Auto-provisioning on, then off again.
    expect(await page.textContent('#auto-provisioning')).toContain('Auto-provisioning is off');
    await Promise.all([page.waitForURL(/done=auto-on/), page.click('#auto-form button')]);
    expect(await page.textContent('#auto-provisioning')).toContain('Auto-provisioning is on');
    expect((await settings()).autoProvisioning).toBe(true);
    await checkPage(page);
    await Promise.all([page.waitForURL(/done=auto-off/), page.click('#auto-form button')]);
    expect(await page.textContent('#auto-provisioning')).toContain('Auto-provisioning is off');
    expect((await settings()).autoProvisioning).toBe(false);
    expect(await codeOf(await post('auto', { state: 'maybe' }))).toBe('API_REQUEST_INVALID');
    await page.close();
  }, 90_000);

  it('reseller: sees its customer\'s runs but starts none; another organization\'s run is not found', async () => {
    const page = await signedInPage(people.reseller);
    await page.goto(`${portal.world.url}/admin/orgs/fabrikam/provisioning`);
    expect(await page.locator('button:has-text("Dry run")').count()).toBe(0);
    // The settings are shown, with no form to change them; a forged post is refused all the same.
    expect(await page.textContent('#threshold-value')).toBe('500');
    expect(await page.locator('#threshold-form, #auto-form, #licences-form').count()).toBe(0);
    // fabrikam's tenant is reached through its partner, which has no consent yet: the reason is shown in place of the seats.
    expect(await page.textContent('#licences-error code')).toMatch(/^[A-Z][A-Z_]+$/);
    const resellerCsrf = (await page.getAttribute('form[action="/admin/signout"] input[name=csrf]', 'value'))!;
    for (const [path, form] of [['threshold', { threshold: '0' }], ['auto', { state: 'on' }], ['licences', { usageLocation: 'GB' }], ['runs', { kind: 'export', fromDryRun: '00000000-0000-0000-0000-000000000000', confirm: '1' }]] as const) {
      const forged = await page.request.post(`${portal.world.url}/admin/orgs/fabrikam/provisioning/${path}`, { form: { csrf: resellerCsrf, ...form }, headers: { accept: 'application/json' } });
      expect(forged.status(), path).toBe(403);
      expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('ADMIN_FORBIDDEN');
    }
    expect(((await (await page.request.get(`${portal.world.url}/admin/api/orgs/fabrikam/provisioning/settings`)).json()) as { deletionThreshold: number }).deletionThreshold).toBe(500);
    for (const path of ['settings', 'licences', 'runs']) expect((await page.request.get(`${portal.world.url}/admin/api/orgs/contoso/provisioning/${path}`)).status(), path).toBe(403);
    await checkPage(page);
    await screenshots(page, 'provisioning-reseller');
    const csrf = (await page.getAttribute('form[action="/admin/signout"] input[name=csrf]', 'value'))!;
    const refused = await page.request.post(`${portal.world.url}/admin/orgs/fabrikam/provisioning/runs`, { form: { csrf, kind: 'export', dryRun: '1' }, headers: { accept: 'application/json' } });
    expect(refused.status()).toBe(403);
    const contosoRun = await portal.world.lanyard.context.db.selectFrom('provisioningRuns').select('id').limit(1).executeTakeFirstOrThrow();
    expect((await page.goto(`${portal.world.url}/admin/orgs/fabrikam/provisioning/runs/${contosoRun.id}`))?.status()).toBe(404);
    expect((await page.goto(`${portal.world.url}/admin/orgs/contoso/provisioning`))?.status()).toBe(403);
    expect(cspViolations).toEqual([]);
    await page.close();
  }, 60_000);

  // Last: it moves the portal clock past the re-authentication window, ahead of the wall clock the sign-in pages use.
  it('org-admin: lowers the deletion threshold with a fresh code, and a run beyond it needs a confirmation with a fresh code', async () => {
    const db = portal.world.lanyard.context.db;
    const reauthWindow = (portal.world.lanyard.context.config.portal.reauthMinutes + 1) * 60_000;
    const page = await signedInPage(people.orgAdmin);
    await portal.world.clock.advance(reauthWindow);
    await page.goto(`${portal.world.url}/admin/orgs/contoso/provisioning`);
    const csrf = (await page.getAttribute('form[action="/admin/signout"] input[name=csrf]', 'value'))!;
    const post = (path: string, form: Record<string, string>) => page.request.post(`${portal.world.url}/admin/orgs/contoso/provisioning/${path}`, { form: { csrf, ...form }, headers: { accept: 'application/json' } });
    const codeOf = async (response: Awaited<ReturnType<typeof post>>) => ((await response.json()) as { error: { code: string } }).error.code;
    const threshold = async () => (await db.selectFrom('provisioningSettings').innerJoin('organizations', 'organizations.id', 'provisioningSettings.organizationId').select('deletionThreshold').where('slug', '=', 'contoso').executeTakeFirstOrThrow()).deletionThreshold;

    expect(await page.textContent('#threshold-value')).toBe('500');
    expect(await codeOf(await post('threshold', { threshold: '0' }))).toBe('ADMIN_REAUTH_REQUIRED');
    expect(await threshold()).toBe(500);
    await page.fill('#threshold-input', '0');
    await page.fill('#threshold-code', await portal.world.code(people.orgAdmin, portal.world.clock.now()));
    await checkPage(page);
    await Promise.all([page.waitForURL(/done=threshold/), page.click('#threshold-form button')]);
    expect(await page.textContent('#threshold-value')).toBe('0');
    expect(await threshold()).toBe(0);
    for (const hostile of ['-1', '1e3', '', '0x10', '12345678']) expect(await codeOf(await post('threshold', { threshold: hostile }))).toBe('THRESHOLD_INVALID');
    expect(await threshold()).toBe(0);

    // Bob leaves: the export would turn his tenant account off, one more than the threshold allows.
    await setUserEnabled(db, people.contosoUser, false, 'test');
    await Promise.all([page.waitForURL(/provisioning\/runs\//), page.click('button:has-text("Dry run export")')]);
    expect(await portal.world.lanyard.server.jobs.runDue()).toBeGreaterThan(0);
    await page.reload();
    expect(await page.textContent('#threshold-warning')).toContain('disable 1 account, more than the organization\'s threshold of 0');
    const dryRunId = page.url().split('/').at(-1)!;
    expect(await codeOf(await post('runs', { kind: 'export', fromDryRun: dryRunId }))).toBe('PROVISIONING_THRESHOLD_EXCEEDED');
    await portal.world.clock.advance(reauthWindow);
    await page.reload();
    expect(await codeOf(await post('runs', { kind: 'export', fromDryRun: dryRunId, confirm: '1' }))).toBe('ADMIN_REAUTH_REQUIRED');
    expect(await page.isVisible('#confirm-code')).toBe(true);
    await checkPage(page);
    await screenshots(page, 'provisioning-threshold-confirm-org-admin');
    await page.check('#confirm-disables');
    await page.fill('#confirm-code', await portal.world.code(people.orgAdmin, portal.world.clock.now()));
    await Promise.all([page.waitForURL((url) => /provisioning\/runs\//.test(url.pathname) && !url.pathname.endsWith(dryRunId)), page.click('button:has-text("Run the export")')]);
    expect(await portal.world.lanyard.server.jobs.runDue()).toBeGreaterThan(0);
    await page.reload();
    expect(await page.textContent('#run-report')).toContain('completed');
    expect(await page.textContent('#run-report')).toContain('disabled 1');
    const bob = [...portal.world.stack!.emulator.state.findDomain('contoso.com')!.tenant.users.values()].find((user) => user.userPrincipalName === people.contosoUser)!;
    expect(bob.accountEnabled).toBe(false);
    await page.close();
  }, 120_000);
});
