/**
 * Threat: signing in to the admin portal silently signs the same browser in to Microsoft 365. The
 * portal's sign-in runs through the IdP's pages; if it left the IdP's SSO session behind, anyone at
 * that browser could then use the admin's account at Microsoft over WS-Fed or SAML without typing
 * anything, and an admin who signed out of the portal would still be signed in there.
 * Invariant: a portal sign-in starts no SSO session (no `lanyard_session` cookie, no row), so a
 * WS-Fed request from that browser asks for the password; and the password page says where the
 * sign-in leads (the portal, not "continue to Microsoft 365").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionCookieName } from '../../idp/sessions/sso-session.ts';
import { BrowserClient, readForm } from '../harness/browser-client.ts';
import { wsFedSignInUrl } from '../harness/wsfed-request.ts';
import { people, startPortalWorld, type PortalWorld } from '../portal/portal-world.ts';

describe('a portal sign-in leaves no Microsoft 365 SSO session', () => {
  let world: PortalWorld;
  beforeAll(async () => {
    world = await startPortalWorld('sqlite');
  });
  afterAll(async () => world.stop());

  it('starts no SSO session, and WS-Fed from the same browser asks for the password', async () => {
    const browser = await world.signIn(people.orgAdmin);
    expect(browser.cookie('lanyard_admin')).toBeDefined();
    expect(browser.cookie(sessionCookieName)).toBeUndefined();
    const userId = await world.userId(people.orgAdmin);
    expect(await world.lanyard.context.db.selectFrom('ssoSessions').select('id').where('userId', '=', userId).execute()).toEqual([]);

    const wsfed = await browser.follow(wsFedSignInUrl(world.url, 'contoso.com', { username: people.orgAdmin }));
    expect(wsfed.html).toContain('id="password"');
    expect(wsfed.html).not.toContain('name="wresult"');
    expect(wsfed.html).toContain('continue to Microsoft 365');
  });

  it('says on the password page that the sign-in leads to the admin portal', async () => {
    const browser = new BrowserClient();
    const start = await browser.follow(`${world.url}/admin/signin`);
    const password = await browser.follow(`${world.url}/admin/signin`, { form: { ...readForm(start.html).fields, username: people.orgAdmin } });
    expect(password.html).toContain('id="password"');
    expect(password.html).toContain('sign in to the Lanyard admin portal');
    expect(password.html).not.toContain('Microsoft 365');
  });
});
