/**
 * Threat: cross-site request forgery on the admin portal: another site's page makes a signed-in
 * admin's browser post "disable this user" or "reset MFA".
 * Invariant: every portal form post needs the CSRF token of the session that posts it (an HMAC of
 * the session id); without it, or with another session's, nothing changes. (SameSite=Strict on the
 * cookie is a second wall; this test sends the cookie anyway, as an old browser would.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserByUpn } from '../../core/db/users.ts';
import { people, startPortalWorld, type PortalWorld } from '../portal/portal-world.ts';
import { csrfOf } from '../portal/portal-pages-helpers.ts';

describe('portal CSRF', () => {
  let world: PortalWorld;
  beforeAll(async () => {
    world = await startPortalWorld('sqlite');
  });
  afterAll(async () => world.stop());

  const disableUrl = async () => `${world.url}/admin/orgs/contoso/users/${await world.userId(people.contosoUser)}/disable`;
  const status = async () => (await findUserByUpn(world.lanyard.context.db, people.contosoUser))!.status;

  it('refuses a forged post without the token, and one with another session’s token', async () => {
    const victim = await world.signIn(people.orgAdmin);
    const noToken = await victim.request(await disableUrl(), { method: 'POST', form: { note: 'forged' } });
    expect(noToken.status).toBe(403);
    expect(await noToken.text()).toContain('CSRF_TOKEN_INVALID');

    const attacker = await world.signIn(people.operator);
    const attackersToken = await csrfOf(attacker, world.url);
    const crossSession = await victim.request(await disableUrl(), { form: { csrf: attackersToken } });
    expect(crossSession.status).toBe(403);
    expect(await status()).toBe('active');

    const signOut = await victim.request(`${world.url}/admin/signout`, { form: { csrf: attackersToken } });
    expect(signOut.status).toBe(403);
    expect((await victim.request(`${world.url}/admin`)).status).toBe(200);
  });

  it('accepts the session’s own token (the same post, not forged)', async () => {
    const admin = await world.signIn(people.orgAdmin);
    const response = await admin.request(await disableUrl(), { form: { csrf: await csrfOf(admin, world.url) } });
    expect(response.status).toBe(303);
    expect(await status()).toBe('disabled');
  });
});
