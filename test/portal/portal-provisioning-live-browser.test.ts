import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { findOrganizationBySlug } from '../../core/db/organizations.ts';
import { insertUsers } from '../../core/db/users.ts';
import { generateImmutableId } from '../../idp/accounts/users.ts';
import { connectTenant } from '../../provisioning/tenant/tenant-connection.ts';
import { federationAppRoles } from '../e2e/federation-stack.ts';
import { seedTenant } from '../emulator/harness.ts';
import { portalBrowserSuite } from './portal-browser-kit.ts';
import { people, startPortalWorld } from './portal-world.ts';

const extraAccounts = 1200;
const extraUpn = (index: number) => `user-${String(index).padStart(4, '0')}@contoso.com`;

/**
 * A run followed live, and a report longer than 1000 accounts, in Chromium against the emulator.
 * contoso has 1202 accounts (alice, bob and 1200 more) and a tenant with none of them. The run is
 * driven step by step: the emulator holds one Graph request of the run until the test releases it,
 * so the page is checked at each step (no race with time) and must follow without a reload (a
 * marker set in the document at the start is still there at the end).
 */

/** How long a step may take on a busy machine: a bound on waiting, not a timing assertion. */
const patiently = { timeout: 30_000, interval: 100 };
describe('portal provisioning: live progress and a report of more than 1000 accounts, in Chromium', () => {
  let dryRunId = '';
  const allUpns = [people.orgAdmin, people.contosoUser, ...Array.from({ length: extraAccounts }, (_, index) => extraUpn(index + 1))].sort();

  const control = (path: string, init?: RequestInit) => fetch(`${portal.world.stack!.emulator.baseUrl}/_emulator/${path}`, init);
  const hold = (fault: Record<string, unknown>) =>
    control('faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...fault, hold: true }) });
  const heldRequests = async () => ((await (await control('faults')).json()) as { heldRequests: number }).heldRequests;
  const release = async () => expect(await (await control('faults/release', { method: 'POST' })).json()).toEqual({ released: 1 });
  const sameDocument = (page: Page) => page.evaluate<boolean>('window.__sameDocument === true');
  const text = (page: Page, selector: string) => () => page.textContent(selector);

  const portal = portalBrowserSuite(async () => {
    const world = await startPortalWorld('sqlite', {}, { emulator: true });
    const tenant = seedTenant(world.stack!.emulator, 'contoso', federationAppRoles, {
      domains: [{ id: 'contoso.com' }],
      users: [{ userPrincipalName: 'breakglass@contoso.onmicrosoft.com', directoryRoles: ['Global Administrator'] }],
      // 1202 creates in one go: well within the window, so no Retry-After slows the test down.
      throttle: { resourceUnitsPerWindow: 100_000, writesPerWindow: 100_000 },
    });
    const context = world.lanyard.context;
    await connectTenant(context, { organization: 'contoso', tenantId: tenant.tenant.id, clientId: tenant.clientId, clientSecret: tenant.clientSecret }, 'test');
    const organization = (await findOrganizationBySlug(context.db, 'contoso'))!;
    const now = new Date().toISOString();
    await insertUsers(context.db, Array.from({ length: extraAccounts }, (_, index) => ({
      id: randomUUID(), organizationId: organization.id, upn: extraUpn(index + 1), immutableId: generateImmutableId(), displayName: `User ${index + 1}`,
      givenName: null, surname: null, mail: null, source: 'local' as const, externalId: null, status: 'active' as const, passwordHash: null,
      microsoftObjectId: null, usageLocation: null, createdAt: now, updatedAt: now,
    })));
    return world;
  }, { timeout: 120_000, beforeStop: async () => { await control('faults', { method: 'DELETE' }).catch(() => undefined); } });
  const { signedInPage, screenshots, checkPage, cspViolations } = portal;

  it('org-admin: the run page follows a dry run and then the real export, step by step, without a reload', async () => {
    const page = await signedInPage(people.orgAdmin);
    await page.goto(`${portal.world.url}/admin/orgs/contoso/provisioning`);

    // The dry run: held first at its read of the tenant's users, then at its read of the tenant's domains.
    await hold({ pathPattern: '^/v1\\.0/users$', method: 'GET' });
    await hold({ pathPattern: '^/v1\\.0/domains$', method: 'GET' });
    await Promise.all([page.waitForURL(/provisioning\/runs\//), page.click('button:has-text("Dry run export")')]);
    dryRunId = page.url().split('/').at(-1)!;
    expect(await page.textContent('#run-status')).toBe('running');
    expect(await page.textContent('#run-phase')).toBe('snapshot');
    expect(await page.isVisible('#run-refresh')).toBe(true); // without JavaScript: the refresh link
    await page.evaluate('window.__sameDocument = true');
    const dryRun = portal.world.lanyard.server.jobs.runDue();
    await expect.poll(heldRequests, patiently).toBe(1);
    await release();
    // Step 2: the tenant is read; the run works through the accounts.
    await expect.poll(heldRequests, patiently).toBe(1);
    await expect.poll(text(page, '#run-phase'), patiently).toBe('apply');
    expect(await page.textContent('#run-live')).toBe('Run running, phase apply.');
    expect(await page.textContent('#run-status')).toBe('running');
    await release();
    expect(await dryRun).toBeGreaterThan(0);
    // Step 3: done, and the page says so by itself.
    await expect.poll(text(page, '#run-status'), patiently).toBe('completed');
    await expect.poll(text(page, '#run-counts'), patiently).toContain(`created ${allUpns.length}`);
    expect(await page.textContent('#run-processed')).toBe(String(allUpns.length));
    expect(await page.textContent('#run-live')).toBe('Run completed.');
    expect(await page.isVisible('#run-ended')).toBe(true);
    expect(await page.isVisible('#run-refresh')).toBe(false);
    expect(await sameDocument(page)).toBe(true);

    // The real export: its second page of accounts is held at its first $batch (page one is 500
    // accounts, 25 batches of 20), so the page shows one page done.
    await page.reload();
    await hold({ pathPattern: '^/v1\\.0/\\$batch$', method: 'POST', skip: 25 });
    await Promise.all([page.waitForURL((url) => !url.pathname.endsWith(dryRunId)), page.click('button:has-text("Run the export")')]);
    await page.evaluate('window.__sameDocument = true');
    const realRun = portal.world.lanyard.server.jobs.runDue();
    await expect.poll(heldRequests, patiently).toBe(1);
    await expect.poll(text(page, '#run-processed'), patiently).toBe('500');
    expect(await page.textContent('#run-total')).toBe(String(allUpns.length));
    expect(await page.textContent('#run-counts')).toContain('created 500');
    expect(await page.getAttribute('#run-progress', 'max')).toBe(String(allUpns.length));
    expect(await page.evaluate<number>(`document.getElementById('run-progress').value`)).toBe(500);
    await checkPage(page);
    await screenshots(page, 'provisioning-live-progress-org-admin');
    // Without JavaScript the same page works by its Refresh link (same session, scripts off).
    const noScript = await portal.browser.newContext({ javaScriptEnabled: false, ignoreHTTPSErrors: true, storageState: await page.context().storageState() });
    const plain = await noScript.newPage();
    await plain.goto(page.url());
    expect(await plain.textContent('#run-processed')).toBe('500');
    await Promise.all([plain.waitForLoadState('load'), plain.click('#run-refresh a')]);
    expect(await plain.textContent('#run-status')).toBe('running');
    expect(await plain.isVisible('#run-ended')).toBe(false);
    await noScript.close();
    await release();
    expect(await realRun).toBeGreaterThan(0);
    await expect.poll(text(page, '#run-status'), patiently).toBe('completed');
    await expect.poll(text(page, '#run-counts'), patiently).toContain(`created ${allUpns.length}`);
    expect(await sameDocument(page)).toBe(true);
    expect(portal.world.stack!.emulator.state.findDomain('contoso.com')!.tenant.users.size).toBe(allUpns.length + 1);
    expect(cspViolations).toEqual([]);
    await page.close();
  }, 180_000);

  it('org-admin: the report of 1202 accounts pages through without loss or duplicates, in the page and the JSON twin; filters by outcome and UPN text', async () => {
    const page = await signedInPage(people.orgAdmin);
    const base = `${portal.world.url}/admin/orgs/contoso/provisioning/runs/${dryRunId}`;
    const rows = async () => page.locator('#results tbody tr td:first-child').allTextContents();

    // The page, 100 at a time, by its Next links.
    await page.goto(base);
    const seen: string[] = [];
    for (let pages = 1; ; pages++) {
      seen.push(...(await rows()));
      if (pages === 1) {
        expect(await page.locator('#first-page').count()).toBe(0);
        await checkPage(page);
        await screenshots(page, 'provisioning-report-paged-org-admin');
      }
      if ((await page.locator('#next-page').count()) === 0) break;
      expect(pages).toBeLessThan(20);
      await Promise.all([page.waitForURL(/after=/), page.click('#next-page')]);
    }
    expect(seen).toHaveLength(allUpns.length);
    expect(new Set(seen).size).toBe(allUpns.length);
    expect([...seen].sort()).toEqual(allUpns);
    expect(await page.locator('#first-page').count()).toBe(1);

    // The JSON twin, 500 at a time.
    const api = async (query: string) => page.request.get(`${portal.world.url}/admin/api/orgs/contoso/provisioning/runs/${dryRunId}?${query}`, { headers: { accept: 'application/json' } });
    const fromApi: string[] = [];
    for (let after: string | null = '', calls = 0; after !== null; calls++) {
      expect(calls).toBeLessThan(5);
      const body = (await (await api(`limit=500${after ? `&after=${encodeURIComponent(after)}` : ''}`)).json()) as { results: { upn: string }[]; next: string | null };
      fromApi.push(...body.results.map((result) => result.upn));
      after = body.next;
    }
    expect(fromApi).toEqual(allUpns);
    expect(((await (await api('limit=0')).json()) as { report: { processed: number }; results: unknown[] })).toMatchObject({ report: { processed: allUpns.length }, results: [] });
    for (const [query, code] of [['limit=1001', 'API_REQUEST_INVALID'], ['limit=-1', 'API_REQUEST_INVALID'], ['q=a&q=b', 'REQUEST_DUPLICATE_FIELD']] as const) {
      const refused = await api(query);
      expect(refused.status(), query).toBe(400);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(code);
    }

    // Text on the UPN (any case; a search's % and _ are only characters), and the pager keeps it.
    await page.goto(base);
    await page.fill('#result-search', 'USER-011');
    await Promise.all([page.waitForURL(/q=USER-011/), page.click('#result-filter button')]);
    expect(await rows()).toEqual(Array.from({ length: 10 }, (_, index) => extraUpn(110 + index)));
    for (const wildcard of ['%', '_']) {
      await page.goto(`${base}?q=${encodeURIComponent(wildcard)}`);
      expect(await rows()).toEqual([]);
      expect(await page.textContent('main')).toContain('No account matches.');
    }
    await page.goto(`${base}?q=user-1`);
    const thousands: string[] = [];
    for (;;) {
      thousands.push(...(await rows()));
      if ((await page.locator('#next-page').count()) === 0) break;
      expect(await page.getAttribute('#next-page', 'href')).toContain('q=user-1');
      await Promise.all([page.waitForURL(/after=/), page.click('#next-page')]);
    }
    expect(thousands).toEqual(Array.from({ length: 201 }, (_, index) => extraUpn(1000 + index)));
    // Outcome and text together.
    await page.goto(`${base}?outcome=created&q=alice`);
    expect(await rows()).toEqual([people.orgAdmin]);
    expect(await page.isChecked('input[name=outcome][value=created]')).toBe(true);
    await page.goto(`${base}?outcome=failed`);
    expect(await rows()).toEqual([]);
    await checkPage(page);
    await page.close();
  }, 180_000);
});
