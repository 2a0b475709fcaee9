/**
 * Threats: (1) anyone can lock an account out: enough wrong passwords and the right one was refused
 * too, for the real user as well; (2) the lockout told known accounts from unknown ones (429 after
 * the limit for a known name, never for an unknown one).
 * Invariants: as in AD FS extranet smart lockout, wrong passwords from addresses the account has
 * completed a sign-in from (familiar) and from anywhere else (unfamiliar) are counted apart, so an
 * attacker elsewhere fills only the unfamiliar counter and the real user at a familiar address still
 * signs in; the unfamiliar counter is per account, so hopping addresses does not help; `unlock`
 * clears it. Every typed name, known or not, is counted and locked the same way: same statuses,
 * same page.
 * Why this way: client addresses are set with X-Forwarded-For (LANYARD_TRUST_PROXY) so one test can
 * be several places; small limits drive the real counters in the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unlockAccount } from '../../idp/login/account-unlock.ts';
import { BrowserClient, readForm } from '../harness/browser-client.ts';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';
import { seedOrganization, seedUser, testPassword } from '../harness/seed.ts';
import { wsFedSignInUrl } from '../harness/wsfed-request.ts';

describe('smart lockout', () => {
  let lanyard: RunningLanyard;
  beforeAll(async () => {
    lanyard = await startLanyard('postgres', { LANYARD_THROTTLE_ACCOUNT_LIMIT: '3', LANYARD_THROTTLE_ADDRESS_LIMIT: '100', LANYARD_TRUST_PROXY: 'true' });
    await seedOrganization(lanyard.context, { mfaPolicy: 'optional' });
    for (const name of ['alice', 'bob']) await seedUser(lanyard.context, `${name}@contoso.com`, { enrolled: false });
  });
  afterAll(async () => lanyard.stop());

  /** One password sign-in from `address`, following redirects with the same forwarded address. */
  async function attempt(username: string, password: string, address: string) {
    const browser = new BrowserClient();
    const headers = { 'x-forwarded-for': address };
    const follow = async (url: string, form?: Record<string, string>) => {
      let current = url;
      let response = await browser.request(current, { headers, form });
      while (response.status === 303 || response.status === 302) {
        current = new URL(response.headers.get('location')!, current).toString();
        response = await browser.request(current, { headers });
      }
      return { response, url: current, html: await response.text() };
    };
    const page = await follow(wsFedSignInUrl(lanyard.url, 'contoso.com'));
    const form = readForm(page.html);
    return follow(new URL(form.action, page.url).toString(), { ...form.fields, username, password });
  }
  const signedIn = (page: { html: string }) => readForm(page.html).action.endsWith('/login.srf');

  it('does not let failures from elsewhere lock the real user out at a familiar address', async () => {
    expect(signedIn(await attempt('alice@contoso.com', testPassword, '198.51.100.7'))).toBe(true);

    for (let index = 0; index < 3; index++) expect((await attempt('alice@contoso.com', 'wrong guess 12345', '203.0.113.9')).response.status).toBe(401);
    expect((await attempt('alice@contoso.com', testPassword, '203.0.113.9')).response.status).toBe(429);
    // The unfamiliar counter is the account's, not the address's: another unfamiliar address is refused too.
    expect((await attempt('alice@contoso.com', testPassword, '203.0.113.10')).response.status).toBe(429);

    expect(signedIn(await attempt('alice@contoso.com', testPassword, '198.51.100.7'))).toBe(true);

    await unlockAccount(lanyard.context.db, lanyard.context.masterKey, 'alice@contoso.com', 'cli');
    expect(signedIn(await attempt('alice@contoso.com', testPassword, '203.0.113.10'))).toBe(true);
  });

  it('counts failures at a familiar address on their own counter', async () => {
    for (let index = 0; index < 3; index++) expect((await attempt('alice@contoso.com', 'typo typo typo', '198.51.100.7')).response.status).toBe(401);
    expect((await attempt('alice@contoso.com', testPassword, '198.51.100.7')).response.status).toBe(429);
    // Familiar addresses share one counter; the unfamiliar one is apart and still free.
    expect((await attempt('alice@contoso.com', testPassword, '203.0.113.10')).response.status).toBe(429);
    expect(signedIn(await attempt('alice@contoso.com', testPassword, '203.0.113.77'))).toBe(true);
  });

  it('locks an unknown name exactly like a known one: same statuses, same page', async () => {
    const answers: Record<string, Array<{ status: number; page: string }>> = {};
    for (const name of ['bob@contoso.com', 'nobody@contoso.com']) {
      answers[name] = [];
      for (let index = 0; index < 4; index++) {
        const { response, html } = await attempt(name, 'Winter2026!!', '192.0.2.44');
        // The page differs only by the sign-in's own tokens, the name typed and the minutes left.
        const page = html.replaceAll(name, 'NAME').replace(/value="[^"]{20,}"/g, 'value="TOKEN"').replace(/\/signin\/[A-Za-z0-9_-]{32}/g, '/signin/ID').replace(/nonce-[^']+/g, '').replace(/nonce="[^"]+"/g, '');
        answers[name].push({ status: response.status, page });
      }
    }
    expect(answers['bob@contoso.com']!.map((answer) => answer.status)).toEqual([401, 401, 401, 429]);
    expect(answers['nobody@contoso.com']).toEqual(answers['bob@contoso.com']);
  });
});
