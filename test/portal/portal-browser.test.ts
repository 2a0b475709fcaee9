import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { insertAgent } from '../../agent/server/data/agents.ts';
import { markDomainFederated } from '../../core/db/domain-federations.ts';
import { findDomainByName } from '../../core/db/domains.ts';
import { findMfaCredential } from '../../core/db/mfa-credentials.ts';
import { findOrganizationBySlug } from '../../core/db/organizations.ts';
import { findUserByUpn } from '../../core/db/users.ts';
import { insertRun } from '../../provisioning/data/provisioning-runs.ts';
import { seriousAxeViolations } from './axe.ts';
import { portalBrowserSuite } from './portal-browser-kit.ts';
import { people, startPortalWorld, type PortalWorld } from './portal-world.ts';

/**
 * The portal in Debian's Chromium: each page and action as a role that may use it, refused for one
 * that may not (page by URL, JSON API, a forged cross-site form post), screenshots at desktop and
 * 390 px, and in-page checks that the strict CSP loaded the style sheet and nothing was blocked.
 */
describe('admin portal in Chromium', () => {
  const portal = portalBrowserSuite(async () => {
    const world = await startPortalWorld('sqlite');
    await seedOverviewFacts(world);
    return world;
  });
  const { signedInPage, screenshots, checkPage, cspViolations } = portal;


  it('signs in the operator, who sees every organization and the installation pages', async () => {
    const page = await signedInPage(people.operator);
    for (const name of ['contoso Ltd', 'fabrikam Ltd', 'tailspin Ltd', 'host Ltd']) await expect(page.getByRole('link', { name }).count()).resolves.toBe(1);
    await expect(page.getByRole('link', { name: 'Audit log (everything)' }).count()).resolves.toBe(1);
    await checkPage(page);
    await screenshots(page, 'home-operator');
    await page.click('text=Admins');
    expect(await page.textContent('#admins')).toContain(people.reseller);
    await checkPage(page);
    await screenshots(page, 'admins-operator');
    await page.close();
  }, 60_000);

  it('org-admin: the overview shows domains with federation, users, agents and the last run', async () => {
    const page = await signedInPage(people.orgAdmin);
    await page.click('text=contoso Ltd');
    await page.waitForURL(`${portal.world.url}/admin/orgs/contoso`);
    expect(await page.textContent('#domains')).toMatch(/contoso\.com\s*federated/);
    expect(await page.textContent('#users-total')).toBe('2');
    expect(await page.textContent('#agents')).toContain('dc1-agent');
    expect(await page.textContent('#last-run')).toContain('export');
    // Token health: contoso has neither an app registration nor a CSP partner yet.
    expect(await page.textContent('#token-health')).toContain('not connected');
    await checkPage(page);
    await screenshots(page, 'overview-org-admin');
    // The MFA policy, within the re-authentication window of the sign-in: no code asked.
    expect(await page.locator('#policy-code').count()).toBe(0);
    await page.selectOption('#policy', 'optional');
    await Promise.all([page.waitForURL(/done=mfa-policy/), page.click('button:has-text("Save MFA policy")')]);
    expect(await page.textContent('#notice')).toContain('saved');
    expect((await findOrganizationBySlug(portal.world.lanyard.context.db, 'contoso'))!.mfaPolicy).toBe('optional');
    await page.selectOption('#policy', 'required');
    await Promise.all([page.waitForURL(/done=mfa-policy/), page.click('button:has-text("Save MFA policy")')]);
    expect((await findOrganizationBySlug(portal.world.lanyard.context.db, 'contoso'))!.mfaPolicy).toBe('required');
    // Another organization by URL: refused, with the code to quote.
    const refused = await page.goto(`${portal.world.url}/admin/orgs/fabrikam`);
    expect(refused?.status()).toBe(403);
    expect(await page.textContent('#error-code')).toBe('ADMIN_FORBIDDEN');
    const api = await page.request.get(`${portal.world.url}/admin/api/orgs/fabrikam`, { headers: { accept: 'application/json' } });
    expect(api.status()).toBe(403);
    const own = await page.request.get(`${portal.world.url}/admin/api/orgs/contoso`, { headers: { accept: 'application/json' } });
    expect(((await own.json()) as { users: { total: number } }).users.total).toBe(2);
    await page.close();
  }, 60_000);

  it('org-admin: users search, disable and enable', async () => {
    const page = await signedInPage(people.orgAdmin);
    await page.goto(`${portal.world.url}/admin/orgs/contoso/users`);
    await page.fill('#q', 'bob');
    await Promise.all([page.waitForURL(/q=bob/), page.click('button:has-text("Search")')]);
    expect(await page.locator('#users tbody tr').count()).toBe(1);
    await checkPage(page);
    await screenshots(page, 'users-org-admin');
    await Promise.all([page.waitForURL(/done=disable/), page.click(`button[aria-label="Disable ${people.contosoUser}"]`)]);
    expect(await page.textContent('#notice')).toContain('disabled');
    expect((await findUserByUpn(portal.world.lanyard.context.db, people.contosoUser))!.status).toBe('disabled');
    await Promise.all([page.waitForURL(/done=enable/), page.click(`button[aria-label="Enable ${people.contosoUser}"]`)]);
    expect((await findUserByUpn(portal.world.lanyard.context.db, people.contosoUser))!.status).toBe('active');

    await page.close();
  }, 90_000);

  it('org-admin: the audit log filters by actor, action and time, and exports CSV', async () => {
    const page = await signedInPage(people.orgAdmin);
    await page.goto(`${portal.world.url}/admin/orgs/contoso/audit`);
    await page.fill('#actor', `user:${people.orgAdmin}`);
    await page.fill('#action', 'user.');
    await page.fill('#from', new Date(Date.now() - 3600_000).toISOString().slice(0, 16));
    await Promise.all([page.waitForURL(/action=user/), page.click('button:has-text("Filter")')]);
    const actions = await page.locator('#audit tbody tr td:nth-child(3)').allTextContents();
    expect(actions.length).toBeGreaterThan(0);
    expect(new Set(actions), page.url()).toEqual(new Set(['user.disable', 'user.enable']));
    expect(await page.textContent('#audit')).not.toContain('fabrikam');
    await checkPage(page);
    await screenshots(page, 'audit-org-admin');
    const href = await page.getAttribute('#export-csv', 'href');
    const csv = await page.request.get(`${portal.world.url}${href}`);
    expect(csv.headers()['content-type']).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('occurred_at,actor,action,target,outcome,reason,client_address,details');
    expect(lines.slice(1).map((line) => line.split(',')[2]).sort()).toEqual(actions.slice().sort());
    // One account's activity: the users page links to the sign-in section of the person's page.
    await page.goto(`${portal.world.url}/admin/orgs/contoso/users?q=bob`);
    await Promise.all([page.waitForURL(/\/admin\/orgs\/contoso\/users\/[^/]+#sign-ins-title$/), page.click(`a[aria-label="Sign-in activity of ${people.contosoUser}"]`)]);
    expect(await page.textContent('h1')).toContain(people.contosoUser);
    expect(await page.isVisible('#sign-ins-title')).toBe(true);
    // The audit log filtered by the account has its events only.
    await page.goto(`${portal.world.url}/admin/orgs/contoso/audit?${new URLSearchParams({ user: people.contosoUser }).toString()}`);
    const targets = await page.locator('#audit tbody tr td:nth-child(4)').allTextContents();
    expect(targets.length).toBeGreaterThan(0);
    expect(new Set(targets)).toEqual(new Set([people.contosoUser]));
    await page.close();
  }, 60_000);

  it('reseller: its own customer only, no MFA reset; a forged cross-site post changes nothing', async () => {
    const page = await signedInPage(people.reseller, 390);
    expect(await page.locator('main a').allTextContents()).toEqual(['fabrikam Ltd']);
    await page.goto(`${portal.world.url}/admin/orgs/fabrikam/users`);
    expect(await page.locator('button:has-text("Reset MFA")').count()).toBe(0);
    await checkPage(page);
    await page.goto(`${portal.world.url}/admin/orgs/fabrikam`);
    expect(await page.locator('#mfa-policy').count()).toBe(0);
    await page.goto(`${portal.world.url}/admin/orgs/fabrikam/users`);
    await screenshots(page, 'users-reseller');
    expect((await page.goto(`${portal.world.url}/admin/orgs/tailspin/users`))?.status()).toBe(403);
    expect(await seriousAxeViolations(page), 'axe-core on the refusal page').toEqual([]);
    await screenshots(page, 'refused-reseller');

    // An attacker's page on another site posts the disable form into the reseller's signed-in browser.
    const fiona = await portal.world.userId(people.fabrikamUser);
    const attacker = await attackerSite(`${portal.world.url}/admin/orgs/fabrikam/users/${fiona}/disable`);
    try {
      await page.goto(attacker.url);
      await page.waitForSelector('#error-code');
      expect(['ADMIN_SESSION_REQUIRED', 'CSRF_TOKEN_INVALID']).toContain(await page.textContent('#error-code'));
      expect((await findUserByUpn(portal.world.lanyard.context.db, people.fabrikamUser))!.status).toBe('active');
    } finally {
      await attacker.close();
    }
    await page.close();
  }, 60_000);

  it('partner-admin: both customers of its partner, reset MFA available', async () => {
    // fabrikam is reached through partner alpha, which has not consented: its token health says so.
    const overview = await (await portal.world.signIn(people.partnerAdmin)).follow(`${portal.world.url}/admin/orgs/fabrikam`);
    expect(overview.html).toMatch(/id="token-health"[\s\S]*no-consent/);
    const page = await signedInPage(people.partnerAdmin);
    expect(await page.locator('main a').allTextContents()).toEqual(['fabrikam Ltd', 'tailspin Ltd']);
    await page.goto(`${portal.world.url}/admin/orgs/tailspin/users`);
    expect(await page.locator('button:has-text("Reset MFA")').count()).toBeGreaterThan(0);
    expect((await page.goto(`${portal.world.url}/admin/orgs/contoso`))?.status()).toBe(403);
    await page.close();
  }, 60_000);

  it('sign-in page: screenshots, labels, and no CSP violation anywhere', async () => {
    const context = await portal.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${portal.world.url}/admin/signin`);
    await checkPage(page);
    await screenshots(page, 'signin');
    // The check itself finds a violation when there is one: an unlabelled field added to the page.
    await page.evaluate(`document.querySelector('main').insertAdjacentHTML('beforeend', '<input type="text" name="unlabelled">')`);
    expect((await seriousAxeViolations(page)).map((v) => v.id)).toContain('label');
    await context.close();
    expect(cspViolations).toEqual([]);
  }, 30_000);
  // Last: moving the portal clock past the re-authentication window puts it ahead of the wall clock
  // the IdP's sign-in runs on (and the codes used on it are then spent for later sign-ins).
  it('org-admin: reset MFA asks for a fresh code past the re-authentication window', async () => {
    const page = await signedInPage(people.orgAdmin);
    // Past the re-authentication window the reset asks for a fresh code, checked on the portal clock.
    await portal.world.clock.advance((portal.world.lanyard.context.config.portal.reauthMinutes + 1) * 60_000);
    await page.goto(`${portal.world.url}/admin/orgs/contoso/users?q=bob`);
    const bobId = await portal.world.userId(people.contosoUser);
    await page.fill(`#code-${bobId}`, await portal.world.code(people.orgAdmin, portal.world.clock.now()));
    await screenshots(page, 'users-reauth-org-admin');
    await Promise.all([page.waitForURL(/done=reset-mfa/), page.click(`button[aria-label="Reset MFA of ${people.contosoUser}"]`)]);
    expect(await page.textContent('#notice')).toContain('new one');
    expect(await findMfaCredential(portal.world.lanyard.context.db, bobId)).toBeUndefined();
    const audit = await page.goto(`${portal.world.url}/admin/orgs/contoso/audit?action=mfa-reset`);
    expect(audit?.status()).toBe(200);
    expect(await page.locator('#audit tbody tr td:nth-child(3)').allTextContents()).toEqual(['user.mfa-reset']);
    await page.close();
  }, 60_000);
});

/** Facts for the overview: a federated domain, a directory agent, a finished export run. */
async function seedOverviewFacts(world: PortalWorld): Promise<void> {
  const db = world.lanyard.context.db;
  const contoso = (await findOrganizationBySlug(db, 'contoso'))!;
  const domain = (await findDomainByName(db, 'contoso.com'))!;
  await markDomainFederated(db, { domainId: domain.id, organizationId: contoso.id, tenantId: '44444444-4444-4444-4444-444444444444' });
  const at = new Date().toISOString();
  await insertAgent(db, { id: 'agent-1', organizationId: contoso.id, name: 'dc1-agent', keyHash: 'x'.repeat(64), createdAt: at, revokedAt: null, lastSeenAt: at, connectedUntil: null, version: '0.1.0', lastErrorCode: null, lastErrorMessage: null, lastErrorAt: null });
  await insertRun(db, {
    id: 'run-1', organizationId: contoso.id, kind: 'export', trigger: 'cli', requestedBy: 'cli', status: 'completed', phase: 'done', dryRun: 0, confirmed: 0, scopeUserIds: null,
    leaseOwner: null, leaseExpiresAt: null, attempts: 1, total: 2, processed: 2, counts: JSON.stringify({ created: 2 }), throttledCount: 0, errorCode: null, errorMessage: null,
    createdAt: at, startedAt: at, finishedAt: at,
  });
}

/** A page on another site (localhost, not 127.0.0.1) that auto-posts a form to `action`. */
async function attackerSite(action: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_request, response) => {
    response.setHeader('content-type', 'text/html');
    response.end(`<!doctype html><form id="f" method="post" action="${action}"><input type="hidden" name="csrf" value="guess"></form><script>document.getElementById('f').submit()</script>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://localhost:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
