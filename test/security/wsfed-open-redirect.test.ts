/**
 * Threat: an attacker crafts a sign-in link whose reply address is theirs, so the victim's token
 * (a bearer credential for Microsoft 365) is posted to the attacker.
 * Invariant: tokens are only ever posted to {LANYARD_MICROSOFT_LOGIN_URL}/login.srf; any request
 * naming another reply address is refused before a sign-in starts, and no page ever carries a
 * form or redirect to another origin.
 * Why this way: the request is sent as a browser would and the refusal is checked on the wire
 * (status, stable code, no Location header), for the reply parameter and for realm spoofing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserClient } from '../harness/browser-client.ts';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';
import { seedOrganization } from '../harness/seed.ts';
import { wsFedSignInUrl } from '../harness/wsfed-request.ts';

describe('WS-Fed open redirect', () => {
  let lanyard: RunningLanyard;
  beforeAll(async () => {
    lanyard = await startLanyard('sqlite');
    await seedOrganization(lanyard.context);
  });
  afterAll(async () => lanyard.stop());

  it.each([
    ['a foreign wreply', { wreply: 'https://attacker.example/collect' }, 'WSFED_REPLY_NOT_ALLOWED'],
    ['a look-alike wreply', { wreply: 'https://login.microsoftonline.com.attacker.example/login.srf' }, 'WSFED_REPLY_NOT_ALLOWED'],
    ['another realm', { wtrealm: 'https://attacker.example/' }, 'WSFED_UNKNOWN_REALM'],
    ['an unknown action', { wa: 'wattr1.0' }, 'WSFED_UNSUPPORTED_ACTION'],
  ])('refuses %s', async (_name, extra, code) => {
    const response = await new BrowserClient().request(wsFedSignInUrl(lanyard.url, 'contoso.com', extra));
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain(code);
  });

  it('refuses a repeated parameter instead of picking one (parameter pollution)', async () => {
    const url = `${wsFedSignInUrl(lanyard.url, 'contoso.com')}&wreply=${encodeURIComponent('https://login.microsoftonline.com/login.srf')}&wreply=https%3A%2F%2Fattacker.example`;
    const response = await new BrowserClient().request(url);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('REQUEST_DUPLICATE_FIELD');
  });

  it('answers an unknown domain with 404 and a stable code', async () => {
    const response = await new BrowserClient().request(wsFedSignInUrl(lanyard.url, 'unknown.example'));
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('FEDERATION_UNKNOWN_DOMAIN');
  });
});
