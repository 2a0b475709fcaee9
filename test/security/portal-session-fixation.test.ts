/**
 * Threat: session fixation and login CSRF on the admin portal. An attacker plants a portal cookie
 * in the victim's browser before sign-in and uses it after; or replays a sign-in ticket; or makes
 * the victim's browser complete the attacker's sign-in (so the victim works in the attacker's account).
 * Invariant: a sign-in always makes a new session id (a planted one is worth nothing and the
 * browser's earlier session ends); a ticket makes one session once, and only in the browser whose
 * state cookie started the sign-in.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashCookieValue } from '../../portal/session/portal-session.ts';
import { BrowserClient, readForm } from '../harness/browser-client.ts';
import { testPassword } from '../harness/seed.ts';
import { people, startPortalWorld, type PortalWorld } from '../portal/portal-world.ts';

describe('portal session fixation and login CSRF', () => {
  let world: PortalWorld;
  beforeAll(async () => {
    world = await startPortalWorld('sqlite');
  });
  afterAll(async () => world.stop());

  /** Runs the sign-in up to the ticket page and returns the ticket form, not posted. */
  async function ticketFor(upn: string, browser: BrowserClient) {
    await world.syncClock();
    const start = await browser.follow(`${world.url}/admin/signin`);
    const password = await browser.follow(`${world.url}/admin/signin`, { form: { ...readForm(start.html).fields, username: upn } });
    const form = readForm(password.html);
    const totp = await browser.follow(new URL(form.action, password.url).toString(), { form: { ...form.fields, username: upn, password: testPassword } });
    const totpForm = readForm(totp.html);
    const ticketPage = await browser.follow(new URL(totpForm.action, totp.url).toString(), { form: { ...totpForm.fields, code: await world.code(upn) } });
    return readForm(ticketPage.html);
  }

  it('gives a new session id at sign-in: a planted cookie stays signed out', async () => {
    const planted = randomBytes(32).toString('base64url');
    const victim = new BrowserClient();
    await victim.request(`${world.url}/admin/signin`, { headers: { cookie: `lanyard_admin=${planted}` } });
    await world.signIn(people.orgAdmin, victim);
    expect(victim.cookie('lanyard_admin')).toBeDefined();
    expect(victim.cookie('lanyard_admin')).not.toBe(planted);
    const attacker = new BrowserClient();
    expect((await attacker.request(`${world.url}/admin`, { headers: { cookie: `lanyard_admin=${planted}` } })).status).toBe(303);
    const row = await world.lanyard.context.db.selectFrom('portalSessions').select('id').where('id', '=', hashCookieValue(planted)).executeTakeFirst();
    expect(row).toBeUndefined();
  });

  it('ends the browser’s earlier portal session when it signs in again', async () => {
    const browser = await world.signIn(people.fabrikamAdmin);
    const earlier = browser.cookie('lanyard_admin')!;
    await world.signIn(people.fabrikamAdmin, browser);
    const other = new BrowserClient();
    expect((await other.request(`${world.url}/admin`, { headers: { cookie: `lanyard_admin=${earlier}` } })).status).toBe(303);
    expect((await browser.request(`${world.url}/admin`)).status).toBe(200);
  });

  it('uses a ticket once', async () => {
    const browser = new BrowserClient();
    const ticket = await ticketFor(people.operator, browser);
    expect((await browser.request(ticket.action, { form: ticket.fields })).status).toBe(303);
    const replay = await browser.request(ticket.action, { form: ticket.fields });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('PORTAL_SIGNIN_INVALID');
  });

  it('refuses the attacker’s ticket in the victim’s browser (login CSRF)', async () => {
    const attacker = new BrowserClient();
    const ticket = await ticketFor(people.partnerAdmin, attacker);
    const victim = new BrowserClient();
    await victim.request(`${world.url}/admin/signin`); // the victim has a state cookie of their own
    const forged = await victim.request(ticket.action, { form: ticket.fields });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('PORTAL_SIGNIN_INVALID');
    expect(victim.cookie('lanyard_admin')).toBeUndefined();
  });

  it('refuses a tampered ticket', async () => {
    const browser = new BrowserClient();
    const ticket = await ticketFor(people.reseller, browser);
    const sealed = ticket.fields.ticket!;
    const flipped = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'B' : 'A') + sealed.slice(-1);
    const response = await browser.request(ticket.action, { form: { ticket: flipped } });
    expect(response.status).toBe(400);
    expect(browser.cookie('lanyard_admin')).toBeUndefined();
  });
});
