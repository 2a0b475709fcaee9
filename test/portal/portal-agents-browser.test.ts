import { describe, expect, it } from 'vitest';
import { registerAgent, setDeletionGuardThreshold } from '../../agent/server/admin.ts';
import { findAgentById } from '../../agent/server/data/agents.ts';
import { findSyncState } from '../../agent/server/data/directory-sync-states.ts';
import { completeSyncRun, startSyncRun } from '../../agent/server/sync-service.ts';
import { findOrganizationBySlug } from '../../core/db/organizations.ts';
import { findUserByUpn } from '../../core/db/users.ts';
import { expectCode } from './expect-rejection.ts';
import { portalBrowserSuite } from './portal-browser-kit.ts';
import { people, startPortalWorld } from './portal-world.ts';

/**
 * Directory agents in Chromium: the org-admin registers an agent (key shown once, stored as a hash)
 * and revokes it; a real sync held back by the deletion guard waits until the admin confirms, then
 * the next sync applies it. A reseller sees its customer's agents but cannot change them (page,
 * and posts carrying its own valid CSRF token); no admin reaches another organization's agent. The
 * org-admin changes the deletion threshold (fresh code; a refused value stays on the form).
 */
describe('portal directory agents in Chromium', () => {
  const portal = portalBrowserSuite(() => startPortalWorld('sqlite'));
  const { signedInPage, screenshots, checkPage, cspViolations } = portal;

  it('org-admin: registers an agent with its key shown once, and revokes it', async () => {
    const db = portal.world.lanyard.context.db;
    const page = await signedInPage(people.orgAdmin);
    await page.goto(`${portal.world.url}/admin/orgs/contoso`);
    await page.click('nav a:has-text("Directory agents")');
    await page.waitForURL(`${portal.world.url}/admin/orgs/contoso/agents`);
    await checkPage(page);
    await page.fill('#agent-name', 'dc2-agent');
    await page.click('button:has-text("Register agent")');
    await page.waitForSelector('#agent-key');
    const key = (await page.textContent('#agent-key'))!.trim();
    expect(key.length).toBeGreaterThan(20);
    const row = await db.selectFrom('directoryAgents').selectAll().where('name', '=', 'dc2-agent').executeTakeFirstOrThrow();
    expect(row.keyHash).not.toContain(key);
    expect(await page.textContent(`#agent-${row.id}`)).toContain('never seen');
    await checkPage(page);
    await screenshots(page, 'agents-key-org-admin');
    await page.goto(`${portal.world.url}/admin/orgs/contoso/agents`);
    expect(await page.locator('#agent-key').count()).toBe(0);
    expect(await page.content()).not.toContain(key);

    await Promise.all([page.waitForURL(/done=agent-revoke/), page.click('button[aria-label="Revoke dc2-agent"]')]);
    expect(await page.textContent(`#agent-${row.id}`)).toContain('revoked');
    expect((await findAgentById(db, row.id))!.revokedAt).not.toBeNull();
    const audit = await db.selectFrom('auditEvents').select(['action', 'actor']).where('target', '=', `agent:${row.id}`).orderBy('occurredAt').execute();
    expect(audit).toEqual([{ action: 'agent.register', actor: `user:${people.orgAdmin}` }, { action: 'agent.revoke', actor: `user:${people.orgAdmin}` }]);
    await page.close();
  }, 60_000);

  it('org-admin: a sync held back by the deletion guard runs once deletions are confirmed', async () => {
    const db = portal.world.lanyard.context.db;
    const contoso = (await findOrganizationBySlug(db, 'contoso'))!;
    // bob comes from the directory; the directory no longer has him, and the guard allows no deletion.
    await db.updateTable('users').set({ source: 'directory', externalId: 'anchor-bob' }).where('upn', '=', people.contosoUser).execute();
    const { agent } = await registerAgent(db, 'contoso', 'dc1-agent');
    const directoryAgent = (await findAgentById(db, agent.id))!;
    await setDeletionGuardThreshold(db, 'contoso', 0);
    const first = await startSyncRun(db, directoryAgent, 'full');
    await expectCode(completeSyncRun(db, directoryAgent, first.runId, ['anchor-bob']), 'SYNC_DELETION_GUARD');

    const page = await signedInPage(people.orgAdmin);
    await page.goto(`${portal.world.url}/admin/orgs/contoso/agents`);
    expect(await page.textContent('#pending-deletions')).toContain('disable 1 accounts');
    expect(await page.textContent('#last-sync')).toContain('guarded');
    await checkPage(page);
    await screenshots(page, 'agents-guard-org-admin');
    await Promise.all([page.waitForURL(/done=deletions-confirm/), page.click('button:has-text("Confirm 1 deletions")')]);
    expect((await findSyncState(db, contoso.id))!.confirmedDeletionCount).toBe(1);
    expect((await findUserByUpn(db, people.contosoUser))!.status).toBe('active');
    const next = await startSyncRun(db, directoryAgent, 'full');
    expect(await completeSyncRun(db, directoryAgent, next.runId, ['anchor-bob'])).toEqual({ disabled: 1 });
    expect((await findUserByUpn(db, people.contosoUser))!.status).toBe('disabled');
    await page.goto(`${portal.world.url}/admin/orgs/contoso/agents`);
    expect(await page.textContent('#deletion-guard')).toContain('No deletion is waiting');
    const api = await page.request.get(`${portal.world.url}/admin/api/orgs/contoso/agents`);
    expect(((await api.json()) as { lastSync: { outcome: string } }).lastSync.outcome).toBe('success');
    await page.close();
  }, 60_000);

  it('reseller: sees its customer\'s agents but changes nothing; no one reaches another organization\'s agent', async () => {
    const db = portal.world.lanyard.context.db;
    const { agent } = await registerAgent(db, 'fabrikam', 'fab-agent');
    const page = await signedInPage(people.reseller);
    await page.goto(`${portal.world.url}/admin/orgs/fabrikam/agents`);
    expect(await page.textContent('#agents')).toContain('fab-agent');
    expect(await page.locator('#register-agent, #deletion-threshold-form, button:has-text("Revoke")').count()).toBe(0);
    await checkPage(page);
    await screenshots(page, 'agents-reseller');
    expect((await page.request.get(`${portal.world.url}/admin/api/orgs/fabrikam/agents`)).status()).toBe(200);
    const csrf = (await page.getAttribute('form[action="/admin/signout"] input[name=csrf]', 'value'))!;
    for (const action of ['', `/${agent.id}/revoke`, '/confirm-deletions', '/deletion-threshold']) {
      const refused = await page.request.post(`${portal.world.url}/admin/orgs/fabrikam/agents${action}`, { form: { csrf, name: 'sneaky', threshold: '9999' }, headers: { accept: 'application/json' } });
      expect(refused.status(), action).toBe(403);
    }
    const refusedApi = await page.request.post(`${portal.world.url}/admin/api/orgs/fabrikam/agents/deletion-threshold`, { form: { csrf, threshold: '9999' }, headers: { accept: 'application/json' } });
    expect(refusedApi.status()).toBe(403);
    expect(((await refusedApi.json()) as { error: { code: string } }).error.code).toBe('ADMIN_FORBIDDEN');
    const fabrikam = (await findOrganizationBySlug(db, 'fabrikam'))!;
    expect((await findSyncState(db, fabrikam.id))?.deletionThreshold ?? 500).toBe(500);
    expect((await findAgentById(db, agent.id))!.revokedAt).toBeNull();
    expect(await db.selectFrom('directoryAgents').select('id').where('name', '=', 'sneaky').executeTakeFirst()).toBeUndefined();
    expect((await page.goto(`${portal.world.url}/admin/orgs/tailspin/agents`))?.status()).toBe(403);
    await page.close();

    const admin = await signedInPage(people.orgAdmin);
    await admin.goto(`${portal.world.url}/admin/orgs/contoso/agents`);
    const adminCsrf = (await admin.getAttribute('form[action="/admin/signout"] input[name=csrf]', 'value'))!;
    const tampered = await admin.request.post(`${portal.world.url}/admin/orgs/contoso/agents/${agent.id}/revoke`, { form: { csrf: adminCsrf }, headers: { accept: 'application/json' } });
    expect(tampered.status()).toBe(404);
    expect(((await tampered.json()) as { error: { code: string } }).error.code).toBe('AGENT_NOT_FOUND');
    expect((await findAgentById(db, agent.id))!.revokedAt).toBeNull();
    expect(cspViolations).toEqual([]);
    await admin.close();
  }, 60_000);

  it('org-admin: changes the deletion threshold with a fresh code; a refused value stays on the form', async () => {
    const db = portal.world.lanyard.context.db;
    const contoso = (await findOrganizationBySlug(db, 'contoso'))!;
    const page = await signedInPage(people.orgAdmin);
    await page.goto(`${portal.world.url}/admin/orgs/contoso/agents`);
    const before = (await findSyncState(db, contoso.id))?.deletionThreshold ?? 500;
    // Not a number: the page answers the form again, with the refusal focused and the value kept.
    await page.fill('#deletion-threshold', '1e3');
    const [refused] = await Promise.all([page.waitForNavigation(), page.click('#deletion-threshold-form button[type=submit]')]);
    expect(refused?.status()).toBe(400);
    expect(await page.textContent('#threshold-error')).toContain('SYNC_THRESHOLD_INVALID');
    expect(await page.inputValue('#deletion-threshold')).toBe('1e3');
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('threshold-error');
    expect((await findSyncState(db, contoso.id))?.deletionThreshold ?? 500).toBe(before);
    await checkPage(page);
    await screenshots(page, 'agents-threshold-refused-org-admin');

    // Past the re-authentication window (the clock runs ahead of real time from here: this test is last): the form asks for a code, and saves with it.
    await portal.world.clock.advance((portal.world.lanyard.context.config.portal.reauthMinutes + 1) * 60_000);
    await page.goto(`${portal.world.url}/admin/orgs/contoso/agents`);
    const csrf = (await page.getAttribute('form[action="/admin/signout"] input[name=csrf]', 'value'))!;
    const withoutCode = await page.request.post(`${portal.world.url}/admin/api/orgs/contoso/agents/deletion-threshold`, { form: { csrf, threshold: '900' }, headers: { accept: 'application/json' } });
    expect(withoutCode.status()).toBe(403);
    expect(((await withoutCode.json()) as { error: { code: string } }).error.code).toBe('ADMIN_REAUTH_REQUIRED');
    await page.fill('#deletion-threshold', '50');
    await page.fill('#deletion-threshold-code', await portal.world.code(people.orgAdmin, portal.world.clock.now()));
    await Promise.all([page.waitForURL(/done=deletion-threshold/), page.click('#deletion-threshold-form button[type=submit]')]);
    expect((await findSyncState(db, contoso.id))!.deletionThreshold).toBe(50);
    expect(await page.textContent('#deletion-guard')).toContain('more than 50 accounts');
    expect(await page.locator('#deletion-threshold-code').count()).toBe(0);
    await checkPage(page);
    await screenshots(page, 'agents-threshold-org-admin');

    // The JSON twin, within the fresh window now.
    const api = await page.request.post(`${portal.world.url}/admin/api/orgs/contoso/agents/deletion-threshold`, { form: { csrf, threshold: '40' }, headers: { accept: 'application/json' } });
    expect(api.status()).toBe(200);
    expect(await api.json()).toEqual({ threshold: 40 });
    expect((await findSyncState(db, contoso.id))!.deletionThreshold).toBe(40);
    const audit = await db.selectFrom('auditEvents').select(['actor', 'details']).where('action', '=', 'agent.deletion-threshold.set').where('target', '=', 'organization:contoso').orderBy('occurredAt').execute();
    expect(audit.slice(-2).map((event) => ({ actor: event.actor, details: JSON.parse(event.details!) as unknown }))).toEqual([
      { actor: `user:${people.orgAdmin}`, details: { from: before, to: 50 } },
      { actor: `user:${people.orgAdmin}`, details: { from: 50, to: 40 } },
    ]);
    await page.close();
  }, 60_000);
});
