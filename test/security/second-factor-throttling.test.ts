/**
 * Threat: online guessing of TOTP codes by someone who knows the password. The per-account limit
 * was cleared by every correct password, so rounds of (right password, a few wrong codes) gave an
 * unbounded number of guesses for one account in one window.
 * Invariant: wrong codes are counted per account across sign-in requests, on a counter a password
 * success never clears; once it is used up every code is refused (429) before it is checked, the
 * right one too. Only a successful TOTP step or an admin unlock (audited) starts it over.
 * Why this way: a small limit is configured and driven over real HTTP, one new sign-in request per
 * round, as the attacker would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents } from '../../core/db/audit-events.ts';
import { unlockAccount } from '../../idp/login/account-unlock.ts';
import { BrowserClient, readForm } from '../harness/browser-client.ts';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';
import { seedOrganization, seedUser, testPassword, totpCode } from '../harness/seed.ts';
import { wsFedSignInUrl } from '../harness/wsfed-request.ts';

describe('second-factor throttling', () => {
  let lanyard: RunningLanyard;
  let secret: string;
  beforeAll(async () => {
    lanyard = await startLanyard('postgres', { LANYARD_THROTTLE_ACCOUNT_LIMIT: '3', LANYARD_THROTTLE_ADDRESS_LIMIT: '100' });
    await seedOrganization(lanyard.context);
    secret = (await seedUser(lanyard.context, 'alice@contoso.com')).totpSecret!;
  });
  afterAll(async () => lanyard.stop());

  /** A code that is wrong at every step the server accepts now (±1 step). */
  async function wrongCode(): Promise<string> {
    const now = Date.now();
    const valid = await Promise.all([-30_000, 0, 30_000].map((offset) => totpCode(secret, new Date(now + offset))));
    for (let candidate = 0; ; candidate++) {
      const code = String(candidate).padStart(6, '0');
      if (!valid.includes(code)) return code;
    }
  }

  async function passwordStep(browser: BrowserClient) {
    const page = await browser.follow(wsFedSignInUrl(lanyard.url, 'contoso.com'));
    const form = readForm(page.html);
    const totpPage = await browser.follow(new URL(form.action, page.url).toString(), { form: { ...form.fields, username: 'alice@contoso.com', password: testPassword } });
    expect(totpPage.html).toContain('Enter your code');
    return totpPage;
  }

  async function totpStep(browser: BrowserClient, page: { url: string; html: string }, code: string) {
    const form = readForm(page.html);
    return browser.follow(new URL(form.action, page.url).toString(), { form: { ...form.fields, code } });
  }

  it('keeps counting wrong codes across sign-ins with the right password, until an unlock', async () => {
    const browser = new BrowserClient();
    const firstRound = await passwordStep(browser);
    expect((await totpStep(browser, firstRound, await wrongCode())).response.status).toBe(400);
    expect((await totpStep(browser, firstRound, await wrongCode())).response.status).toBe(400);
    const secondRound = await passwordStep(browser);
    expect((await totpStep(browser, secondRound, await wrongCode())).response.status).toBe(400);

    // Three wrong codes for the account in this window: a fresh password does not buy more.
    const thirdRound = await passwordStep(browser);
    const refused = await totpStep(browser, thirdRound, await totpCode(secret));
    expect(refused.response.status).toBe(429);
    expect(refused.html).toContain('SIGNIN_THROTTLED');

    await unlockAccount(lanyard.context.db, lanyard.context.masterKey, 'alice@contoso.com', 'cli');
    const unlocked = await passwordStep(browser);
    const done = await totpStep(browser, unlocked, await totpCode(secret, new Date(Date.now() + 30_000)));
    expect(readForm(done.html).action).toContain('login.srf');
    const unlock = (await listAuditEvents(lanyard.context.db, { actionPrefix: 'user.unlock' }))[0];
    expect(unlock).toMatchObject({ actor: 'cli', target: 'alice@contoso.com', outcome: 'success' });
  });
});
