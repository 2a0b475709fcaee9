import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTenant } from '../../provisioning/tenant/tenant-connection.ts';
import { launchChromium } from '../e2e/browser.ts';
import { federationAppRoles } from '../e2e/federation-stack.ts';
import { seedTenant } from '../emulator/harness.ts';
import { portalBrowserKit, shots } from './portal-browser-kit.ts';
import { people, startPortalWorld, type PortalWorld } from './portal-world.ts';

/**
 * Provisioning in Chromium against the emulator: contoso's tenant has only a break-glass admin, so
 * an export dry run reports contoso's accounts as to be created and creates nothing; the real export
 * is started from that report (never without a completed dry run) and creates them; the report
 * filters by outcome. A reseller sees the runs but cannot start one.
 */
describe('portal provisioning in Chromium', () => {
  let world: PortalWorld;
  let browser: Browser;
  const cspViolations: string[] = [];
  const { signedInPage, screenshots, checkPage } = portalBrowserKit(() => ({ world, browser, cspViolations }));
  const tenantUpns = () => [...world.stack!.emulator.state.findDomain('contoso.com')!.tenant.users.values()].map((user) => user.userPrincipalName).sort();

  beforeAll(async () => {
    world = await startPortalWorld('sqlite', {}, { emulator: true });
    const tenant = seedTenant(world.stack!.emulator, 'contoso', federationAppRoles, {
      domains: [{ id: 'contoso.com' }],
      users: [{ userPrincipalName: 'breakglass@contoso.onmicrosoft.com', directoryRoles: ['Global Administrator'] }],
    });
    await connectTenant(world.lanyard.context, { organization: 'contoso', tenantId: tenant.tenant.id, clientId: tenant.clientId, clientSecret: tenant.clientSecret }, 'test');
    browser = await launchChromium();
    mkdirSync(shots, { recursive: true });
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  it('org-admin: export dry run first, then the real export from its report; results filter by outcome', async () => {
    const page = await signedInPage(people.orgAdmin);
    await page.goto(`${world.url}/admin/orgs/contoso/provisioning`);
    await checkPage(page);
    // A real run without a dry run is refused.
    const csrf = (await page.getAttribute('form[action="/admin/signout"] input[name=csrf]', 'value'))!;
    const blind = await page.request.post(`${world.url}/admin/orgs/contoso/provisioning/runs`, { form: { csrf, kind: 'export' }, headers: { accept: 'application/json' } });
    expect(((await blind.json()) as { error: { code: string } }).error.code).toBe('PROVISIONING_DRY_RUN_REQUIRED');

    await Promise.all([page.waitForURL(/provisioning\/runs\//), page.click('button:has-text("Dry run export")')]);
    expect(await world.lanyard.server.jobs.runDue()).toBeGreaterThan(0);
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
    expect(await world.lanyard.server.jobs.runDue()).toBeGreaterThan(0);
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
    const api = await page.request.get(`${world.url}/admin/api/orgs/contoso/provisioning/runs`);
    expect(((await api.json()) as { runs: { dryRun: boolean; status: string }[] }).runs.map((run) => `${run.dryRun}:${run.status}`).sort()).toEqual(['false:completed', 'true:completed']);
    await page.close();
  }, 90_000);

  it('reseller: sees its customer\'s runs but starts none; another organization\'s run is not found', async () => {
    const page = await signedInPage(people.reseller);
    await page.goto(`${world.url}/admin/orgs/fabrikam/provisioning`);
    expect(await page.locator('button:has-text("Dry run")').count()).toBe(0);
    await checkPage(page);
    await screenshots(page, 'provisioning-reseller');
    const csrf = (await page.getAttribute('form[action="/admin/signout"] input[name=csrf]', 'value'))!;
    const refused = await page.request.post(`${world.url}/admin/orgs/fabrikam/provisioning/runs`, { form: { csrf, kind: 'export', dryRun: '1' }, headers: { accept: 'application/json' } });
    expect(refused.status()).toBe(403);
    const contosoRun = await world.lanyard.context.db.selectFrom('provisioningRuns').select('id').limit(1).executeTakeFirstOrThrow();
    expect((await page.goto(`${world.url}/admin/orgs/fabrikam/provisioning/runs/${contosoRun.id}`))?.status()).toBe(404);
    expect((await page.goto(`${world.url}/admin/orgs/contoso/provisioning`))?.status()).toBe(403);
    expect(cspViolations).toEqual([]);
    await page.close();
  }, 60_000);
});
