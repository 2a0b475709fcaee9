import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents } from '../../core/db/audit-events.ts';
import { revokeRole, grantRole } from '../../portal/admins.ts';
import { shellOperator } from '../../portal/policy.ts';
import { BrowserClient, readForm } from '../harness/browser-client.ts';
import { testPassword } from '../harness/seed.ts';
import { people, startPortalWorld, type PortalWorld } from './portal-world.ts';

/** Portal sign-in through the IdP's own pages, and the portal session's deadlines, over HTTP. */
describe('portal sign-in and session', () => {
  let world: PortalWorld;
  beforeAll(async () => {
    world = await startPortalWorld('sqlite');
  });
  afterAll(async () => world.stop());

  it('signs an admin in with password and TOTP through /signin, audited, and shows their page', async () => {
    const browser = await world.signIn(people.orgAdmin);
    const home = await browser.follow(`${world.url}/admin`);
    expect(home.response.status).toBe(200);
    expect(home.html).toContain('contoso Ltd');
    expect(home.html).not.toContain('fabrikam Ltd');
    const events = await listAuditEvents(world.lanyard.context.db, { actionPrefix: 'portal.signin' });
    expect(events[0]).toMatchObject({ actor: `user:${people.orgAdmin}`, outcome: 'success' });
  });

  it('sends a browser without a session to sign in, and refuses the API with 401', async () => {
    const anonymous = new BrowserClient();
    const page = await anonymous.request(`${world.url}/admin/orgs/contoso`);
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/admin/signin');
    const api = await anonymous.request(`${world.url}/admin/api/orgs/contoso`, { headers: { accept: 'application/json' } });
    expect(api.status).toBe(401);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('ADMIN_SESSION_REQUIRED');
  });

  it('asks an admin without an authenticator to enrol before anything else', async () => {
    const db = world.lanyard.context.db;
    const userId = await world.userId(people.contosoUser);
    await db.deleteFrom('mfaCredentials').where('userId', '=', userId).execute();
    await grantRole(db, shellOperator, { upn: people.contosoUser, role: 'org-admin', organization: 'contoso' }, world.clock.now());
    const browser = new BrowserClient();
    const start = await browser.follow(`${world.url}/admin/signin`);
    const password = await browser.follow(`${world.url}/admin/signin`, { form: { ...readForm(start.html).fields, username: people.contosoUser } });
    const form = readForm(password.html);
    const next = await browser.follow(new URL(form.action, password.url).toString(), { form: { ...form.fields, username: people.contosoUser, password: testPassword } });
    expect(next.html).toContain('Set up two-step sign-in');
    expect(next.html).not.toContain('name="ticket"');
    expect(browser.cookie('lanyard_admin')).toBeUndefined();
    await revokeRole(db, shellOperator, { upn: people.contosoUser, role: 'org-admin', organization: 'contoso' }, world.clock.now());
  });

  it('refuses an account with no role after its sign-in, audited', async () => {
    await expect(world.signIn(people.notAdmin)).rejects.toThrow(/ADMIN_FORBIDDEN/);
    const events = await listAuditEvents(world.lanyard.context.db, { actionPrefix: 'portal.signin' });
    expect(events[0]).toMatchObject({ target: people.notAdmin, outcome: 'failure', reason: 'ADMIN_FORBIDDEN' });
  });

  it('ends the sessions when the role is revoked, and at sign-out', async () => {
    const db = world.lanyard.context.db;
    const browser = await world.signIn(people.fabrikamAdmin);
    expect((await browser.request(`${world.url}/admin/orgs/fabrikam`)).status).toBe(200);
    await revokeRole(db, shellOperator, { upn: people.fabrikamAdmin, role: 'org-admin', organization: 'fabrikam' }, world.clock.now());
    expect((await browser.request(`${world.url}/admin/orgs/fabrikam`)).status).toBe(303);
    await grantRole(db, shellOperator, { upn: people.fabrikamAdmin, role: 'org-admin', organization: 'fabrikam' }, world.clock.now());

    const again = await world.signIn(people.fabrikamAdmin);
    const page = await again.follow(`${world.url}/admin`);
    const signOut = /<form method="post" action="\/admin\/signout"><input type="hidden" name="csrf" value="([^"]+)">/.exec(page.html)![1]!;
    const cookie = again.cookie('lanyard_admin')!;
    expect((await again.request(`${world.url}/admin/signout`, { form: { csrf: signOut } })).status).toBe(303);
    const replayed = new BrowserClient();
    expect((await replayed.request(`${world.url}/admin`, { headers: { cookie: `lanyard_admin=${cookie}` } })).status).toBe(303);
  });
  // Last: it moves the portal clock ahead of the wall clock the IdP's sign-in steps run on.
  it('ends a session after the idle timeout and, however busy, after the absolute one, on the clock', async () => {
    const config = world.lanyard.context.config.portal;
    const idle = await world.signIn(people.orgAdmin);
    const busy = await world.signIn(people.operator);
    const step = (config.idleMinutes - 1) * 60_000;
    let spent = 0;
    for (; spent + step < config.sessionMinutes * 60_000 - 60_000; spent += step) {
      await world.clock.advance(step);
      expect((await busy.request(`${world.url}/admin`)).status).toBe(200);
      if (spent === 0) expect((await idle.request(`${world.url}/admin`)).status).toBe(200);
      if (spent === 2 * step) expect((await idle.request(`${world.url}/admin`)).status).toBe(303);
    }
    await world.clock.advance(config.sessionMinutes * 60_000 - spent);
    expect((await busy.request(`${world.url}/admin`)).status).toBe(303);
  });
});
