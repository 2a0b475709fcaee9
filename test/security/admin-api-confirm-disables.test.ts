/**
 * Threat: the accidental-deletion guard of provisioning switched off through the admin API: a run
 * started with `confirm: true` may disable more accounts than the organization's threshold, which
 * the portal treats as its own dangerous action (a fresh TOTP code). An API token (no second
 * factor) or a session left open past the re-authentication window could confirm it with a flag.
 * Invariant: a real (not dry) run with `confirm: true` is the action provisioning.confirm-disables:
 * a token is refused it outright, a session needs X-Lanyard-TOTP past the window, and nothing is
 * started without it. The same call without `confirm` (or as a dry run) is not asked for a code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../api/api-tokens.ts';
import { people, startPortalWorld, type PortalWorld } from '../portal/portal-world.ts';
import { apiClient } from '../server/admin-api-kit.ts';

describe('admin API: confirming a run beyond the deletion threshold', () => {
  let world: PortalWorld;
  let token: string;
  beforeAll(async () => {
    world = await startPortalWorld('sqlite');
    token = (await createApiToken(world.lanyard.context.db, 'contoso', 'ops', 'test')).secret;
  });
  afterAll(async () => world?.stop());

  const runs = async () => (await world.lanyard.context.db.selectFrom('provisioningRuns').select('id').execute()).length;
  const confirmed = { kind: 'export', confirm: true };

  it('refuses a token the confirmation on both of its paths, and starts nothing', async () => {
    const call = apiClient(world.url, { token });
    const before = await runs();
    for (const path of ['/provisioning/runs', '/orgs/contoso/provisioning/runs']) {
      const refused = await call('POST', path, { body: confirmed });
      expect(refused.status, path).toBe(403);
      expect(refused.json).toMatchObject({ error: { code: 'ADMIN_FORBIDDEN', details: { action: 'provisioning.confirm-disables' } } });
    }
    expect(await runs()).toBe(before);
    // Not a flag the rule sees as dangerous when nothing is confirmed: a dry run is not asked for a code.
    const dry = await call('POST', '/provisioning/runs', { body: { kind: 'export', dryRun: true, confirm: true } });
    expect(dry.json?.error?.code).not.toBe('ADMIN_FORBIDDEN');
  });

  it('asks a session past the re-authentication window for a fresh code, then takes it once', async () => {
    const browser = await world.signIn(people.orgAdmin);
    const call = apiClient(world.url, { browser });
    const csrf = (await call('GET', '/session')).json.csrfToken as string;
    await world.clock.advance((world.lanyard.context.config.portal.reauthMinutes + 1) * 60_000);
    const before = await runs();
    const stale = await call('POST', '/orgs/contoso/provisioning/runs', { csrf, body: confirmed });
    expect(stale.status).toBe(403);
    expect(stale.json).toMatchObject({ error: { code: 'ADMIN_REAUTH_REQUIRED' } });
    expect(await runs()).toBe(before);

    const code = await world.code(people.orgAdmin, world.clock.now());
    const fresh = await call('POST', '/orgs/contoso/provisioning/runs', { csrf, totp: code, body: confirmed });
    expect(fresh.json?.error?.code).not.toBe('ADMIN_REAUTH_REQUIRED');
    expect([202, 409, 422, 400]).toContain(fresh.status);
  });
});
