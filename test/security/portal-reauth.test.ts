/**
 * Threat: a dangerous action (removing a user's authenticator) taken from a session left open, or
 * from a stolen session cookie, long after its owner proved a second factor; or the re-check
 * guessed by brute force.
 * Invariant: past LANYARD_PORTAL_REAUTH_MINUTES since the session's last TOTP code, the action needs
 * a fresh code, checked by the IdP's TOTP check (replay-proof) under the second-factor throttle;
 * without one, or with a wrong one, nothing changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents } from '../../core/db/audit-events.ts';
import { findMfaCredential } from '../../core/db/mfa-credentials.ts';
import { findOrganizationBySlug } from '../../core/db/organizations.ts';
import { people, startPortalWorld, type PortalWorld } from '../portal/portal-world.ts';
import { csrfOf } from '../portal/portal-pages-helpers.ts';

describe('portal re-authentication for dangerous actions', () => {
  let world: PortalWorld;
  beforeAll(async () => {
    world = await startPortalWorld('sqlite');
  });
  afterAll(async () => world.stop());

  it('resets at once within the window, and needs a fresh, right code after it', async () => {
    const db = world.lanyard.context.db;
    const admin = await world.signIn(people.operator);
    const csrf = await csrfOf(admin, world.url);
    const bob = await world.userId(people.contosoUser);
    const fiona = await world.userId(people.fabrikamUser);
    const resetUrl = (id: string, org: string) => `${world.url}/admin/orgs/${org}/users/${id}/reset-mfa`;

    expect((await admin.request(resetUrl(bob, 'contoso'), { form: { csrf } })).status).toBe(303);
    expect(await findMfaCredential(db, bob)).toBeUndefined();

    await world.clock.advance((world.lanyard.context.config.portal.reauthMinutes + 1) * 60_000);
    const stale = await admin.request(resetUrl(fiona, 'fabrikam'), { form: { csrf } });
    expect(stale.status).toBe(403);
    expect(await stale.text()).toContain('ADMIN_REAUTH_REQUIRED');
    const policy = await admin.request(`${world.url}/admin/orgs/contoso/mfa-policy`, { form: { csrf, policy: 'optional' } });
    expect(policy.status).toBe(403);
    expect((await findOrganizationBySlug(db, 'contoso'))!.mfaPolicy).toBe('required');
    const wrong = await admin.request(resetUrl(fiona, 'fabrikam'), { form: { csrf, code: '000000' } });
    expect(wrong.status).toBe(400);
    expect(await findMfaCredential(db, fiona)).toBeDefined();
    expect((await listAuditEvents(db, { actionPrefix: 'portal.reauth' }))[0]).toMatchObject({ outcome: 'failure', reason: 'TOTP_INVALID' });

    const fresh = await world.code(people.operator, world.clock.now());
    expect((await admin.request(resetUrl(fiona, 'fabrikam'), { form: { csrf, code: fresh } })).status).toBe(303);
    expect(await findMfaCredential(db, fiona)).toBeUndefined();
    // A code seen earlier (minutes old by now) does not pass for the next dangerous action.
    const tim = await world.userId(people.tailspinUser);
    await world.clock.advance((world.lanyard.context.config.portal.reauthMinutes + 1) * 60_000);
    const replay = await admin.request(resetUrl(tim, 'tailspin'), { form: { csrf, code: fresh } });
    expect(replay.status).toBe(400);
    expect(await findMfaCredential(db, tim)).toBeDefined();
  });
});
