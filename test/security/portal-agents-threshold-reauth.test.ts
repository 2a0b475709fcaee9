/**
 * Threat: the directory sync's deletion guard loosened from a session left open or a stolen cookie
 * (the threshold raised so a bad sync disables everyone), long after the admin proved a second
 * factor; or by a role that may only look.
 * Invariant: past LANYARD_PORTAL_REAUTH_MINUTES, changing the agents' deletion threshold (page and
 * JSON) needs a fresh TOTP code and nothing changes without one; a reseller is refused outright,
 * with its own valid CSRF token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSyncState } from '../../agent/server/data/directory-sync-states.ts';
import { findOrganizationBySlug } from '../../core/db/organizations.ts';
import { csrfOf } from '../portal/portal-pages-helpers.ts';
import { people, startPortalWorld, type PortalWorld } from '../portal/portal-world.ts';

describe('portal re-authentication for the directory sync deletion guard', () => {
  let world: PortalWorld;
  beforeAll(async () => {
    world = await startPortalWorld('sqlite');
  });
  afterAll(async () => world.stop());

  const errorCode = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

  it('refuses a reseller, then asks the org-admin for a fresh code past the window', async () => {
    const db = world.lanyard.context.db;
    const threshold = async (slug: string) => (await findSyncState(db, (await findOrganizationBySlug(db, slug))!.id))?.deletionThreshold ?? 500;
    const json = { accept: 'application/json' };

    const reseller = await world.signIn(people.reseller);
    const resellerCsrf = await csrfOf(reseller, world.url);
    for (const path of ['/admin/orgs/fabrikam/agents/deletion-threshold', '/admin/api/orgs/fabrikam/agents/deletion-threshold']) {
      const forged = await reseller.request(`${world.url}${path}`, { form: { csrf: resellerCsrf, threshold: '100000' }, headers: json });
      expect(forged.status, path).toBe(403);
      expect(await errorCode(forged)).toBe('ADMIN_FORBIDDEN');
    }
    expect(await threshold('fabrikam')).toBe(500);

    const admin = await world.signIn(people.orgAdmin);
    const csrf = await csrfOf(admin, world.url);
    await world.clock.advance((world.lanyard.context.config.portal.reauthMinutes + 1) * 60_000);
    for (const path of ['/admin/orgs/contoso/agents/deletion-threshold', '/admin/api/orgs/contoso/agents/deletion-threshold']) {
      const stale = await admin.request(`${world.url}${path}`, { form: { csrf, threshold: '100000' }, headers: json });
      expect(stale.status, path).toBe(403);
      expect(await errorCode(stale)).toBe('ADMIN_REAUTH_REQUIRED');
    }
    const wrong = await admin.request(`${world.url}/admin/api/orgs/contoso/agents/deletion-threshold`, { form: { csrf, threshold: '100000', code: '000000' }, headers: json });
    expect(wrong.status).toBe(400);
    expect(await threshold('contoso')).toBe(500);

    const fresh = await admin.request(`${world.url}/admin/api/orgs/contoso/agents/deletion-threshold`, { form: { csrf, threshold: '100000', code: await world.code(people.orgAdmin, world.clock.now()) }, headers: json });
    expect(fresh.status).toBe(200);
    expect(await threshold('contoso')).toBe(100000);
  });
});
