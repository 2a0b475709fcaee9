/**
 * Threat: the accidental-deletion guard of provisioning switched off from a session left open or a
 * stolen cookie: the deletion threshold raised, or a run allowed to disable more accounts than it,
 * long after the admin proved a second factor; or by a role that may only look. The same for the
 * directory sync's guard: the agents' deletion threshold raised.
 * Invariant: past LANYARD_PORTAL_REAUTH_MINUTES, changing either threshold and confirming a run
 * beyond it need a fresh TOTP code (checked before anything else, nothing changes without one; page
 * and JSON alike); a reseller is refused outright, with its own valid CSRF token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSyncState } from '../../agent/server/data/directory-sync-states.ts';
import { findOrganizationBySlug } from '../../core/db/organizations.ts';
import { readProvisioningSettings } from '../../provisioning/data/provisioning-settings.ts';
import { csrfOf } from '../portal/portal-pages-helpers.ts';
import { people, startPortalWorld, type PortalWorld } from '../portal/portal-world.ts';

const errorCode = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

/** A portal world of its own for each describe: each test runs its manual clock ahead of real time. */
function portalWorldPerDescribe(): () => PortalWorld {
  let world: PortalWorld | undefined;
  beforeAll(async () => {
    world = await startPortalWorld('sqlite');
  });
  afterAll(async () => world?.stop());
  return () => world!;
}

describe('portal re-authentication for the provisioning deletion guard', () => {
  const world = portalWorldPerDescribe();

  it('refuses a reseller, then asks the org-admin for a fresh code past the window', async () => {
    const db = world().lanyard.context.db;
    const threshold = async (slug: string) => (await readProvisioningSettings(db, (await findOrganizationBySlug(db, slug))!.id)).deletionThreshold;
    const json = { accept: 'application/json' };

    const reseller = await world().signIn(people.reseller);
    const resellerCsrf = await csrfOf(reseller, world().url);
    const forged = await reseller.request(`${world().url}/admin/orgs/fabrikam/provisioning/threshold`, { form: { csrf: resellerCsrf, threshold: '100000' }, headers: json });
    expect(forged.status).toBe(403);
    expect(await errorCode(forged)).toBe('ADMIN_FORBIDDEN');
    const forgedConfirm = await reseller.request(`${world().url}/admin/orgs/fabrikam/provisioning/runs`, { form: { csrf: resellerCsrf, kind: 'export', fromDryRun: '00000000-0000-0000-0000-000000000000', confirm: '1' }, headers: json });
    expect(await errorCode(forgedConfirm)).toBe('ADMIN_FORBIDDEN');
    expect(await threshold('fabrikam')).toBe(500);

    const admin = await world().signIn(people.orgAdmin);
    const csrf = await csrfOf(admin, world().url);
    await world().clock.advance((world().lanyard.context.config.portal.reauthMinutes + 1) * 60_000);
    const stale = await admin.request(`${world().url}/admin/orgs/contoso/provisioning/threshold`, { form: { csrf, threshold: '100000' }, headers: json });
    expect(stale.status).toBe(403);
    expect(await errorCode(stale)).toBe('ADMIN_REAUTH_REQUIRED');
    const wrong = await admin.request(`${world().url}/admin/orgs/contoso/provisioning/threshold`, { form: { csrf, threshold: '100000', code: '000000' }, headers: json });
    expect(wrong.status).toBe(400);
    expect(await threshold('contoso')).toBe(500);
    // Confirming a run beyond the threshold asks first, before even looking at the dry run.
    const confirm = await admin.request(`${world().url}/admin/orgs/contoso/provisioning/runs`, { form: { csrf, kind: 'export', fromDryRun: '00000000-0000-0000-0000-000000000000', confirm: '1' }, headers: json });
    expect(await errorCode(confirm)).toBe('ADMIN_REAUTH_REQUIRED');

    const fresh = await admin.request(`${world().url}/admin/orgs/contoso/provisioning/threshold`, { form: { csrf, threshold: '100000', code: await world().code(people.orgAdmin, world().clock.now()) }, headers: json });
    expect(fresh.status).toBe(303);
    expect(await threshold('contoso')).toBe(100000);
  });
});

describe('portal re-authentication for the directory sync deletion guard', () => {
  const world = portalWorldPerDescribe();

  it('the agents\' deletion threshold refuses a reseller, then asks the org-admin for a fresh code past the window', async () => {
    const db = world().lanyard.context.db;
    const threshold = async (slug: string) => (await findSyncState(db, (await findOrganizationBySlug(db, slug))!.id))?.deletionThreshold ?? 500;
    const json = { accept: 'application/json' };

    const reseller = await world().signIn(people.reseller);
    const resellerCsrf = await csrfOf(reseller, world().url);
    for (const path of ['/admin/orgs/fabrikam/agents/deletion-threshold', '/admin/api/orgs/fabrikam/agents/deletion-threshold']) {
      const forged = await reseller.request(`${world().url}${path}`, { form: { csrf: resellerCsrf, threshold: '100000' }, headers: json });
      expect(forged.status, path).toBe(403);
      expect(await errorCode(forged)).toBe('ADMIN_FORBIDDEN');
    }
    expect(await threshold('fabrikam')).toBe(500);

    const admin = await world().signIn(people.orgAdmin);
    const csrf = await csrfOf(admin, world().url);
    await world().clock.advance((world().lanyard.context.config.portal.reauthMinutes + 1) * 60_000);
    for (const path of ['/admin/orgs/contoso/agents/deletion-threshold', '/admin/api/orgs/contoso/agents/deletion-threshold']) {
      const stale = await admin.request(`${world().url}${path}`, { form: { csrf, threshold: '100000' }, headers: json });
      expect(stale.status, path).toBe(403);
      expect(await errorCode(stale)).toBe('ADMIN_REAUTH_REQUIRED');
    }
    const wrong = await admin.request(`${world().url}/admin/api/orgs/contoso/agents/deletion-threshold`, { form: { csrf, threshold: '100000', code: '000000' }, headers: json });
    expect(wrong.status).toBe(400);
    expect(await threshold('contoso')).toBe(500);

    const fresh = await admin.request(`${world().url}/admin/api/orgs/contoso/agents/deletion-threshold`, { form: { csrf, threshold: '100000', code: await world().code(people.orgAdmin, world().clock.now()) }, headers: json });
    expect(fresh.status).toBe(200);
    expect(await threshold('contoso')).toBe(100000);
  });
});
