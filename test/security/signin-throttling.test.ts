/**
 * Threat: online password guessing against one account, and password spraying from one address
 * across many accounts.
 * Invariant: after the configured number of failures in a window, further attempts for that
 * account, or from that address, are refused with 429 and Retry-After before any password is
 * checked, even when the password is right; a success resets the account's count only.
 * Why this way: small limits are configured so the test drives the real counters in the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserClient, readForm } from '../harness/browser-client.ts';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';
import { seedOrganization, seedUser, testPassword } from '../harness/seed.ts';
import { wsFedSignInUrl } from '../harness/wsfed-request.ts';

describe('sign-in throttling', () => {
  let lanyard: RunningLanyard;
  beforeAll(async () => {
    lanyard = await startLanyard('postgres', { LANYARD_THROTTLE_ACCOUNT_LIMIT: '3', LANYARD_THROTTLE_ADDRESS_LIMIT: '8' });
    await seedOrganization(lanyard.context);
    for (const name of ['target', 'spray1', 'spray2', 'spray3']) await seedUser(lanyard.context, `${name}@contoso.com`, { enrolled: false });
  });
  afterAll(async () => lanyard.stop());

  async function attempt(username: string, password: string) {
    const browser = new BrowserClient();
    const page = await browser.follow(wsFedSignInUrl(lanyard.url, 'contoso.com'));
    const form = readForm(page.html);
    return browser.follow(new URL(form.action, page.url).toString(), { form: { ...form.fields, username, password } });
  }

  it('locks an account after repeated failures, even for the right password', async () => {
    for (let index = 0; index < 3; index++) expect((await attempt('target@contoso.com', 'wrong guess 12345')).response.status).toBe(401);
    const locked = await attempt('target@contoso.com', testPassword);
    expect(locked.response.status).toBe(429);
    expect(Number(locked.response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(locked.html).toContain('SIGNIN_THROTTLED');
  });

  it('throttles one address spraying many accounts', async () => {
    const statuses: number[] = [];
    // The address already has 3 failures from the test above; its limit is 8.
    for (const name of ['spray1', 'spray2', 'spray3', 'spray1', 'spray2', 'spray3']) statuses.push((await attempt(`${name}@contoso.com`, 'Winter2026!!')).response.status);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(5);
  });
});
