/**
 * Threat: cross-site request forgery on the sign-in forms (an attacker's page posts a password or
 * code into a victim's sign-in, or signs the victim in as the attacker: login CSRF), and sign-in
 * links continued from another browser.
 * Invariant: a sign-in started by Microsoft can only be continued by the browser that started it
 * (bound by an HttpOnly cookie), and every form post carries a token derived from that binding.
 * Why this way: each forged variant is replayed with a real HTTP client and must change nothing:
 * no password step is recorded for the request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOpenSignInRequest } from '../../core/db/sign-in-requests.ts';
import { BrowserClient, readForm } from '../harness/browser-client.ts';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';
import { seedOrganization, seedUser, testPassword } from '../harness/seed.ts';
import { wsFedSignInUrl } from '../harness/wsfed-request.ts';

describe('sign-in CSRF and browser binding', () => {
  let lanyard: RunningLanyard;
  beforeAll(async () => {
    lanyard = await startLanyard('sqlite');
    await seedOrganization(lanyard.context);
    await seedUser(lanyard.context, 'alice@contoso.com');
  });
  afterAll(async () => lanyard.stop());

  async function startedSignIn() {
    const victim = new BrowserClient();
    const page = await victim.follow(wsFedSignInUrl(lanyard.url, 'contoso.com'));
    const form = readForm(page.html);
    const requestId = new URL(page.url).pathname.split('/')[2]!;
    return { victim, form, action: new URL(form.action, page.url).toString(), requestId };
  }

  it('refuses a form post without the CSRF token', async () => {
    const { victim, action, requestId } = await startedSignIn();
    const response = await victim.request(action, { form: { username: 'alice@contoso.com', password: testPassword } });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('CSRF_TOKEN_INVALID');
    expect((await findOpenSignInRequest(lanyard.context.db, requestId))?.userId).toBeNull();
  });

  it('refuses the right token from another browser (no binding cookie)', async () => {
    const { form, action, requestId } = await startedSignIn();
    const attacker = new BrowserClient();
    const response = await attacker.request(action, { form: { ...form.fields, username: 'alice@contoso.com', password: testPassword } });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('SIGNIN_BROWSER_MISMATCH');
    expect((await findOpenSignInRequest(lanyard.context.db, requestId))?.userId).toBeNull();
  });

  it('refuses a token minted for another sign-in request', async () => {
    const first = await startedSignIn();
    const second = await first.victim.follow(wsFedSignInUrl(lanyard.url, 'contoso.com'));
    const secondAction = new URL(readForm(second.html).action, second.url).toString();
    const response = await first.victim.request(secondAction, { form: { ...first.form.fields, username: 'alice@contoso.com', password: testPassword } });
    expect(response.status).toBe(403);
  });

  it('refuses oversized form bodies before reading them', async () => {
    const { victim, form, action } = await startedSignIn();
    const response = await victim.request(action, { form: { ...form.fields, username: 'alice@contoso.com', password: 'x'.repeat(300 * 1024) } });
    expect(response.status).toBe(413);
    expect(await response.text()).toContain('REQUEST_TOO_LARGE');
  });
});
